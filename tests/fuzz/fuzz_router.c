/*
 * fuzz_router.c - router_match on arbitrary method + path.
 * Input: "METHOD PATH" (split at the first space; no space: the whole input is the
 * path and the method is "GET"). Checks, besides not crashing:
 *  - MATCH_OK gives a route with that method, 0..ROUTE_MAX_PATH_PARAMS positive ids,
 *    and the path is the route's pattern with those ids (up to leading zeros) and
 *    a secret of ROUTE_KEY_MIN..MAX unreserved characters in each {key};
 *  - whatever the method, every method that does not match gives the same answer, and
 *    MATCH_NO_PATH for one method means no method matches.
 */
#include "app.h"

static bool ready;

/* Whether path is pattern with ids[] in its {id} segments (leading zeros allowed). */
static bool path_fits(const char *pattern, const char *path, const int64_t *ids, int nids)
{
    int n = 0;
    const char *p = pattern, *s = path;
    while (*p) {
        if (!strncmp(p, "{id}", 4)) {
            const char *end = s;
            while (*end && *end != '/')
                end++;
            int64_t v;
            if (n >= nids || !parse_i64(s, (size_t)(end - s), &v) || v != ids[n] || v <= 0)
                return false;
            n++;
            p += 4;
            s = end;
            continue;
        }
        if (!strncmp(p, "{key}", 5)) {
            size_t len =
                strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
            if (len < ROUTE_KEY_MIN || len > ROUTE_KEY_MAX)
                return false;
            p += 5;
            s += len;
            continue;
        }
        if (*p++ != *s++)
            return false;
    }
    return *s == '\0' && n == nids;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        router_init();
        ready = true;
    }
    char *in = xmalloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    const char *method = "GET", *path = in;
    char *space = memchr(in, ' ', size);
    if (space) {
        *space = '\0';
        method = in;
        path = space + 1;
    }

    const struct route *r = NULL;
    int64_t ids[ROUTE_MAX_PATH_PARAMS];
    int nids = -1;
    enum match_result m = router_match(method, path, &r, ids, &nids);
    if (m == MATCH_OK) {
        if (!r || strcmp(r->method, method) != 0 || nids < 0 || nids > ROUTE_MAX_PATH_PARAMS)
            abort();
        if (!path_fits(r->path, path, ids, nids))
            abort();
    }

    /* The same path with every route's method. */
    enum match_result other = MATCH_OK;
    bool any_ok = m == MATCH_OK;
    for (size_t i = 0; i < router_count(); i++) {
        const char *meth = router_at(i)->method;
        const struct route *got = NULL;
        int gn = -1;
        enum match_result mm = router_match(meth, path, &got, ids, &gn);
        if (mm == MATCH_OK) {
            any_ok = true;
            if (strcmp(got->method, meth) != 0 || !path_fits(got->path, path, ids, gn))
                abort();
            continue;
        }
        if (other == MATCH_OK)
            other = mm;
        else if (other != mm)
            abort(); /* two non-matching methods disagree about the path */
    }
    if (m != MATCH_OK && other != MATCH_OK && m != other)
        abort();
    if (any_ok && (m == MATCH_NO_PATH || other == MATCH_NO_PATH))
        abort();
    free(in);
    return 0;
}
