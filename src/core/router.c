#include "app.h"

/* The flat list built from route_tables[] at start-up. */
static const struct route **routes;
static size_t nroutes;

static bool route_path_ok(const char *p)
{
    if (p[0] != '/')
        return false;
    for (const char *s = p; *s; s++) {
        if (*s == '{' && strncmp(s, "{id}", 4) != 0 && strncmp(s, "{key}", 5) != 0)
            return false; /* only {id} and {key} parameters exist */
    }
    return true;
}

void router_init(void)
{
    size_t n = 0;
    for (size_t t = 0; route_tables[t]; t++)
        for (const struct route *r = route_tables[t]; r->method; r++)
            n++;
    routes = xcalloc(n, sizeof(*routes));
    for (size_t t = 0; route_tables[t]; t++) {
        for (const struct route *r = route_tables[t]; r->method; r++) {
            if (!route_path_ok(r->path) || !r->handler)
                BUG("bad route %s %s", r->method, r->path);
            if ((r->scope == SCOPE_QUERY_ORG || r->scope == SCOPE_BODY_ORG) && !r->scope_field)
                BUG("route %s %s needs scope_field", r->method, r->path);
            /* A cached answer skips the handler: only the dispatcher's own
             * permission check on an organisation or on the path's object
             * may guard it. */
            if ((r->flags & ROUTE_CACHE) &&
                (strcmp(r->method, "GET") || r->perm == PERM_NONE ||
                 (r->scope != SCOPE_PATH_ORG && r->scope != SCOPE_QUERY_ORG &&
                  (r->scope != SCOPE_OBJECT || r->scope_field))))
                BUG("route %s %s: ROUTE_CACHE needs a GET scoped to an organisation or to the "
                    "path's object",
                    r->method, r->path);
            /* Per caller: the caller's own things (the handler checks nothing more). */
            if ((r->flags & ROUTE_CACHE_MINE) &&
                (strcmp(r->method, "GET") || r->scope != SCOPE_LOGIN || (r->flags & ROUTE_CACHE)))
                BUG("route %s %s: ROUTE_CACHE_MINE needs a GET of the caller's own (SCOPE_LOGIN)",
                    r->method, r->path);
            /* A read first has something to read: the prepare step. */
            if ((r->flags & ROUTE_READ_FIRST) && (!r->prepare || r->outside))
                BUG("route %s %s: read_first needs a prepare step and no outside one", r->method,
                    r->path);
            /* The dispatcher checks every object route: none without a kind. */
            if (r->scope == SCOPE_OBJECT && !r->kind)
                BUG("route %s %s: SCOPE_OBJECT needs an object kind", r->method, r->path);
            /* An object route names its kind, and the kind says how to find it. */
            if (r->kind && (r->scope != SCOPE_OBJECT || !r->kind->locate || !r->kind->name ||
                            (r->perm == PERM_NONE && !r->party)))
                BUG("route %s %s: an object kind needs SCOPE_OBJECT, a locate function and "
                    "a permission or a party",
                    r->method, r->path);
            /* An upload is authorised from its headers, before its body is read
             * (http.c): someone logged in, the target in the path or the query. */
            if ((r->flags & ROUTE_UPLOAD) &&
                (r->scope == SCOPE_PUBLIC || r->scope == SCOPE_BODY_ORG || r->body ||
                 (r->scope == SCOPE_OBJECT && r->scope_field)))
                BUG("route %s %s: ROUTE_UPLOAD needs a login and its target in the path or "
                    "the query (no JSON body)",
                    r->method, r->path);
            if ((r->flags & ROUTE_SEEN_FORBIDS) && (!r->kind || !r->kind->forbidden))
                BUG("route %s %s: ROUTE_SEEN_FORBIDS needs a kind with a forbidden code", r->method,
                    r->path);
            if (r->kind && !r->scope_field && !strstr(r->path, "{id}"))
                BUG("route %s %s: an object route takes its id from the path or scope_field",
                    r->method, r->path);
            for (size_t i = 0; i < nroutes; i++)
                if (!strcmp(routes[i]->method, r->method) && !strcmp(routes[i]->path, r->path))
                    BUG("duplicate route %s %s", r->method, r->path);
            routes[nroutes++] = r;
        }
    }
}

size_t router_count(void)
{
    return nroutes;
}

const struct route *router_at(size_t i)
{
    return i < nroutes ? routes[i] : NULL;
}

size_t router_index(const struct route *r)
{
    for (size_t i = 0; i < nroutes; i++)
        if (routes[i] == r)
            return i;
    BUG("route not registered");
}

/* Length of a {key} segment at s: ROUTE_KEY_MIN..ROUTE_KEY_MAX characters
 * of A-Z a-z 0-9 - . _ ~ up to the next '/' or the end; 0 when it is not one. */
static size_t key_len(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
    return n >= ROUTE_KEY_MIN && n <= ROUTE_KEY_MAX && (s[n] == '/' || !s[n]) ? n : 0;
}

bool router_key(const char *pattern, const char *path, char *out, size_t n)
{
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (!strncmp(p, "{id}", 4)) {
            p += 4;
            s += strcspn(s, "/");
        } else if (!strncmp(p, "{key}", 5)) {
            size_t len = key_len(s);
            if (!len || len >= n)
                return false;
            memcpy(out, s, len);
            out[len] = '\0';
            return true;
        } else if (*p++ != *s++) {
            return false;
        }
    }
    return false;
}

/*
 * Matches path against pattern segment by segment; {id} takes a positive
 * decimal id, {key} a secret (key_len; not kept). Returns 1 on a match, 0 on
 * no match (a malformed key too: it looks like a path that does not exist),
 * -1 when the literal parts match but an id is malformed.
 */
static int match_path(const char *pattern, const char *path, int64_t *ids, int *nids)
{
    const char *p = pattern, *s = path;
    int n = 0;
    bool bad = false;
    while (*p && *s) {
        if (*p == '{' && !strncmp(p, "{id}", 4)) {
            const char *end = s;
            while (*end && *end != '/')
                end++;
            int64_t v;
            if (n >= ROUTE_MAX_PATH_PARAMS)
                return 0;
            if (!parse_i64(s, (size_t)(end - s), &v) || v <= 0 || *s == '0')
                bad = true;
            else
                ids[n] = v;
            n++;
            p += 4;
            s = end;
            continue;
        }
        if (*p == '{' && !strncmp(p, "{key}", 5)) {
            size_t len = key_len(s);
            if (!len)
                return 0;
            p += 5;
            s += len;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    *nids = n;
    return bad ? -1 : 1;
}

enum match_result router_match(const char *method, const char *path, const struct route **out,
                               int64_t ids[ROUTE_MAX_PATH_PARAMS], int *nids)
{
    enum match_result res = MATCH_NO_PATH;
    for (size_t i = 0; i < nroutes; i++) {
        int m = match_path(routes[i]->path, path, ids, nids);
        if (m == 0)
            continue;
        if (m < 0) {
            res = MATCH_BAD_PARAM;
            continue;
        }
        if (!strcmp(routes[i]->method, method)) {
            *out = routes[i];
            return MATCH_OK;
        }
        if (res == MATCH_NO_PATH)
            res = MATCH_NO_METHOD;
    }
    /* HEAD is GET without the body (libmicrohttpd drops it), unless a route
     * answers HEAD itself. */
    if (res == MATCH_NO_METHOD && !strcmp(method, "HEAD"))
        return router_match("GET", path, out, ids, nids);
    return res;
}

bool valid_phone(const char *s)
{
    if (!s || strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return false;
    for (int i = 0; i < 11; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

long utf8_chars(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    long count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned cp, min;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return -1;
            i++;
            count++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return -1;
        }
        if (i + len > n)
            return -1;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp < 0xa0))
            return -1;
        i += len;
        count++;
    }
    return count;
}

void router_allowed(const char *path, char *out, size_t n)
{
    int64_t ids[ROUTE_MAX_PATH_PARAMS];
    int nids;
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nroutes; i++) {
        if (match_path(routes[i]->path, path, ids, &nids) == 0)
            continue;
        int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", routes[i]->method);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

long utf8_chars_multiline(const char *s, size_t n)
{
    long total = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            continue;
        long k = utf8_chars(s + start, i - start);
        if (k < 0)
            return -1;
        total += k + (i < n);
        start = i + 1;
    }
    return total;
}
