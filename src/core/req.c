/*
 * req.c - request helpers for handlers, and input validation against the
 * route's declared parameters.
 */
#include "app.h"

#include <unistd.h>
#include "core/validate.h"

#include <jansson.h>
#include <microhttpd.h>

struct jw *req_data(struct req *req)
{
    if (!req->data_started) {
        if (!req->route || !(req->route->flags & ROUTE_BARE))
            buf_addstr(&req->out, "{\"data\":");
        req->data_started = true;
    }
    return &req->json;
}

static int req_vfail(struct req *req, int err, const char *field, const char *fmt, va_list ap)
    PRINTF_LIKE(4, 0);

static int req_vfail(struct req *req, int err, const char *field, const char *fmt, va_list ap)
{
    assert(err >= 0 && err < ERR__COUNT);
    req->err = err;
    req->err_field = field;
    req->err_msg = fmt ? arena_vprintf(&req->arena, fmt, ap) : err_table[err].message;
    req->status = err_table[err].status;
    return req->status;
}

int req_fail(struct req *req, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = req_vfail(req, err, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int req_fail_field(struct req *req, int err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = req_vfail(req, err, field, fmt, ap);
    va_end(ap);
    return rc;
}

void req_valid_until(struct req *req, int64_t t)
{
    if (t > 0 && (!req->cache_until || t < req->cache_until))
        req->cache_until = t;
}

int64_t req_id(struct req *req)
{
    assert(req->npath_ids > 0);
    return req->path_ids[0];
}

static const struct value *find_value(const struct value *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return &v[i];
    BUG("parameter %s is not declared on this route", name);
}

const struct value *req_query(struct req *req, const char *name)
{
    return find_value(req->query, req->nquery, name);
}

const struct value *req_body(struct req *req, const char *name)
{
    return find_value(req->body, req->nbody, name);
}

int64_t req_query_int(struct req *req, const char *name, int64_t dflt)
{
    const struct value *v = req_query(req, name);
    return v->present ? v->i : dflt;
}

const char *req_query_str(struct req *req, const char *name)
{
    const struct value *v = req_query(req, name);
    return v->present ? v->s : NULL;
}

const char *req_body_str(struct req *req, const char *name)
{
    const struct value *v = req_body(req, name);
    return v->present ? v->s : NULL;
}

int64_t req_body_int(struct req *req, const char *name, int64_t dflt)
{
    const struct value *v = req_body(req, name);
    return v->present ? v->i : dflt;
}

int req_limit(struct req *req)
{
    return (int)req_query_int(req, "limit", 50);
}

const char *req_header(struct req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void req_set_header(struct req *req, const char *name, const char *value)
{
    assert(req->nout_header < (int)ARRAY_SIZE(req->out_header));
    req->out_header[req->nout_header][0] = arena_strdup(&req->arena, name);
    req->out_header[req->nout_header++][1] = arena_strdup(&req->arena, value);
}

void req_set_cookie(struct req *req, const char *cookie)
{
    assert(req->nset_cookie < (int)ARRAY_SIZE(req->set_cookie));
    req->set_cookie[req->nset_cookie++] = arena_strdup(&req->arena, cookie);
}

void req_audit(struct req *req, const char *action, int64_t org_id, const char *target,
               const char *result, const char *detail_fmt, ...)
{
    struct audit_entry *e = arena_calloc(&req->arena, 1, sizeof(*e));
    e->action = action;
    e->org_id = org_id;
    e->target = target;
    e->result = result;
    if (detail_fmt) {
        va_list ap;
        va_start(ap, detail_fmt);
        e->detail = arena_vprintf(&req->arena, detail_fmt, ap);
        va_end(ap);
    }
    *req->audit_tail = e;
    req->audit_tail = &e->next;
}

static void then_add(struct req *req, int (*fn)(struct req *, void *), void *arg, bool always)
{
    struct req_then *t = arena_calloc(&req->arena, 1, sizeof(*t));
    t->fn = fn;
    t->arg = arg;
    t->always = always;
    if (!req->then_tail)
        req->then_tail = &req->then;
    *req->then_tail = t;
    req->then_tail = &t->next;
}

void req_keep(struct req *req, int (*fn)(struct req *, void *), void *arg)
{
    then_add(req, fn, arg, true);
}

void req_after_commit(struct req *req, int (*fn)(struct req *, void *), void *arg)
{
    then_add(req, fn, arg, false);
}

static int failed_attempt_write(struct req *req, void *arg)
{
    login_failure_record(req->db, arg);
    return 0;
}

void req_failed_attempt(struct req *req, const unsigned char *phone_hash)
{
    unsigned char *copy = arena_alloc(&req->arena, PDATA_HASH_BYTES);
    memcpy(copy, phone_hash, PDATA_HASH_BYTES);
    req_keep(req, failed_attempt_write, copy);
    req->attempt_outcome = ATTEMPT_FAILED;
}

static int throttled_attempt_write(struct req *req, void *arg)
{
    login_throttled_record(req->db, arg);
    return 0;
}

void req_throttled_attempt(struct req *req, const unsigned char *phone_hash)
{
    unsigned char *copy = arena_alloc(&req->arena, PDATA_HASH_BYTES);
    memcpy(copy, phone_hash, PDATA_HASH_BYTES);
    req_keep(req, throttled_attempt_write, copy);
}

void req_attempt_ok(struct req *req)
{
    req->attempt_outcome = ATTEMPT_OK;
}

int req_rate_limit(struct req *req, const char *action, int per_hour)
{
    int64_t n = 0;
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND action = ? AND at > ?", "isi",
               req->who ? req->who->account_id : 0, action, now_sec() - 3600);
    if (n < per_hour)
        return 0;
    return req_fail(req, ERR_RATE_LIMITED, "at most %d of these an hour: try again later",
                    per_hour);
}

/* ---- validation ---- */

/* Trims spaces at both ends: ASCII space, tab, CR, LF and the ideographic
 * space U+3000 (E3 80 80), which Chinese input methods type. */
static void trim_spaces(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    for (;;) {
        if (len && strchr(" \t\r\n", p[0]) && p[0])
            p++, len--;
        else if (len >= 3 && !memcmp(p, "\xe3\x80\x80", 3))
            p += 3, len -= 3;
        else
            break;
    }
    for (;;) {
        if (len && p[len - 1] && strchr(" \t\r\n", p[len - 1]))
            len--;
        else if (len >= 3 && !memcmp(p + len - 3, "\xe3\x80\x80", 3))
            len -= 3;
        else
            break;
    }
    *s = p;
    *n = len;
}

/* P_URL: http(s)://, then at least one character, none of them a space or control. */
static bool url_ok(const char *s, size_t n)
{
    size_t k = !strncmp(s, "https://", 8) ? 8 : !strncmp(s, "http://", 7) ? 7 : 0;
    if (!k || n <= k)
        return false;
    for (size_t i = k; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool check_string(const struct param *p, const char *s, size_t n, const char **why)
{
    long chars = p->type == P_STR && (p->flags & P_MULTILINE) ? utf8_chars_multiline(s, n)
                                                              : utf8_chars(s, n);
    if (chars < 0 || memchr(s, '\0', n)) {
        *why = "must be text without control characters";
        return false;
    }
    switch (p->type) {
    case P_STR:
        if (chars < (p->min ? p->min : 0) || (p->max && chars > p->max)) {
            *why = "has the wrong length";
            return false;
        }
        if ((p->flags & P_REQUIRED) && chars == 0) {
            *why = "must not be empty";
            return false;
        }
        return true;
    case P_URL:
        if (chars > (p->max ? p->max : 500) || !url_ok(s, n)) {
            *why = "must be an http:// or https:// address";
            return false;
        }
        return true;
    case P_PASSWORD:
        if (chars < 8 || chars > 128) {
            *why = "must be 8 to 128 characters";
            return false;
        }
        return true;
    case P_ENUM:
        for (const char *const *c = p->choices; c && *c; c++)
            if (!strcmp(*c, s))
                return true;
        *why = "is not one of the allowed values";
        return false;
    case P_PHONE:
        if (!valid_phone(s)) {
            *why = "must be an 11-digit mobile number";
            return false;
        }
        return true;
    case P_DATE: {
        int y, m, d;
        if (!date_parse(s, &y, &m, &d)) {
            *why = "must be a date YYYY-MM-DD";
            return false;
        }
        return true;
    }
    case P_TIME: {
        int64_t t;
        if (!time_parse(s, &t)) {
            *why = "must be a time YYYY-MM-DDTHH:MM:SSZ (UTC)";
            return false;
        }
        return true;
    }
    default:
        BUG("not a string parameter");
    }
}

static bool check_int(const struct param *p, int64_t v, const char **why)
{
    if (p->type == P_ID && v <= 0) {
        *why = "must be a positive id";
        return false;
    }
    if (p->type == P_INT && (v < p->min || v > p->max)) {
        *why = "is out of range";
        return false;
    }
    return true;
}

bool value_from_string(struct arena *a, const struct param *p, const char *s, struct value *out,
                       const char **why)
{
    out->name = p->name;
    out->type = p->type;
    out->present = true;
    size_t n = strlen(s);
    switch (p->type) {
    case P_IDS:
    case P_STRS:
    case P_ENUMS:
    case P_OBJECTS:
        *why = "must be a JSON array in the body";
        return false;
    case P_ID:
    case P_INT: {
        bool neg = p->type == P_INT && n > 1 && s[0] == '-';
        int64_t v;
        if (!parse_i64(s + neg, n - neg, &v)) {
            *why = "must be a whole number";
            return false;
        }
        out->i = neg ? -v : v;
        return check_int(p, out->i, why);
    }
    case P_LIST:
        *why = "cannot be given in a query";
        return false;
    case P_BOOL:
        if (!strcmp(s, "true") || !strcmp(s, "1"))
            out->i = 1;
        else if (!strcmp(s, "false") || !strcmp(s, "0"))
            out->i = 0;
        else {
            *why = "must be true or false";
            return false;
        }
        return true;
    default:
        if (p->flags & P_NONBLANK)
            trim_spaces(&s, &n);
        if (!check_string(p, s, n, why))
            return false;
        if ((p->flags & P_NONBLANK) && n == 0) {
            *why = "must not be blank";
            return false;
        }
        out->s = arena_strndup(a, s, n);
        if (p->type == P_TIME)
            time_parse(out->s, &out->i);
        return true;
    }
}

/* P_IDS, P_STRS and P_ENUMS: a JSON array of min..max elements. */
static bool array_from_json(struct arena *a, const struct param *p, const json_t *j,
                            struct value *out, const char **why)
{
    if (!json_is_array(j)) {
        *why = "must be a list";
        return false;
    }
    size_t n = json_array_size(j);
    if ((int64_t)n < p->min || (p->max && (int64_t)n > p->max)) {
        *why = "has the wrong number of elements";
        return false;
    }
    int64_t *ids = p->type == P_IDS ? arena_calloc(a, n ? n : 1, sizeof(*ids)) : NULL;
    const char **strs = p->type != P_IDS ? arena_calloc(a, n ? n : 1, sizeof(*strs)) : NULL;
    static const struct param str_elem = {"element", P_STR, P_REQUIRED, 1, 200};
    const struct param enum_elem = {"element", P_ENUM, P_REQUIRED, 0, 0, p->choices};
    const struct param *elem = p->type == P_ENUMS ? &enum_elem : &str_elem;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(j, i);
        if (ids) {
            if (!json_is_integer(e) || json_integer_value(e) <= 0) {
                *why = "must hold positive ids";
                return false;
            }
            ids[i] = (int64_t)json_integer_value(e);
            for (size_t k = 0; k < i; k++)
                if (ids[k] == ids[i]) {
                    *why = "must not repeat an id";
                    return false;
                }
            continue;
        }
        if (!json_is_string(e)) {
            *why = "must hold strings";
            return false;
        }
        if (!check_string(elem, json_string_value(e), json_string_length(e), why))
            return false;
        strs[i] = arena_strndup(a, json_string_value(e), json_string_length(e));
        for (size_t k = 0; p->type == P_ENUMS && k < i; k++)
            if (!strcmp(strs[k], strs[i])) {
                *why = "must not repeat a value";
                return false;
            }
    }
    out->ids = ids;
    out->strs = strs;
    out->n = n;
    return true;
}

/*
 * One object of a P_OBJECTS list into vals (one value per declared field).
 * The first fault goes to *why, with the field at fault in *field (NULL for
 * the entry as a whole): a declared field's, in the order of declaration,
 * then an undeclared field. Every valid field is kept either way; a field
 * at fault is absent. Returns whether the entry has no fault.
 */
static bool entry_from_json(struct arena *a, const struct param *p, size_t nf, const json_t *e,
                            struct value *vals, const char **why, const char **field)
{
    *why = *field = NULL;
    for (size_t k = 0; k < nf; k++) {
        vals[k].name = p->fields[k].name;
        vals[k].type = p->fields[k].type;
    }
    if (!json_is_object(e)) {
        *why = "must be an object";
        return false;
    }
    for (size_t k = 0; k < nf; k++) {
        const struct param *f = &p->fields[k];
        const json_t *v = json_object_get(e, f->name);
        const char *w = NULL;
        if (v && json_is_null(v))
            vals[k].null = true;
        else if (v && !value_from_json(a, f, v, &vals[k], &w))
            vals[k] = (struct value){.name = f->name, .type = f->type};
        if (!vals[k].present && (f->flags & P_REQUIRED) && !w)
            w = "is required";
        if (w && !*why) {
            *why = arena_printf(a, "%s %s", f->name, w);
            *field = f->name;
        }
    }
    if (*why)
        return false;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)e, key, val)
    {
        size_t k = 0;
        while (k < nf && strcmp(p->fields[k].name, key))
            k++;
        if (k == nf) {
            *field = arena_strndup(a, key, strnlen(key, 64));
            *why = arena_printf(a, "%s is not a field of this list", *field);
            return false;
        }
    }
    return true;
}

/*
 * P_OBJECTS: a JSON array of min..max objects with the declared fields only.
 * With P_EACH an entry at fault does not refuse the list: it is kept with its
 * fault in entries[i], beside its canonical JSON.
 */
static bool objects_from_json(struct arena *a, const struct param *p, const json_t *j,
                              struct value *out, const char **why)
{
    if (!json_is_array(j)) {
        *why = "must be a list";
        return false;
    }
    size_t n = json_array_size(j), nf = 0;
    if ((int64_t)n < p->min || (p->max && (int64_t)n > p->max)) {
        *why = arena_printf(a, "must have %" PRId64 " to %" PRId64 " entries", p->min, p->max);
        return false;
    }
    while (p->fields && p->fields[nf].name)
        nf++;
    bool each = p->flags & P_EACH;
    struct value **objs = arena_calloc(a, n ? n : 1, sizeof(*objs));
    struct value_entry *entries = each ? arena_calloc(a, n ? n : 1, sizeof(*entries)) : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(j, i);
        struct value *vals = arena_calloc(a, nf ? nf : 1, sizeof(*vals));
        const char *w, *field;
        bool ok = entry_from_json(a, p, nf, e, vals, &w, &field);
        objs[i] = vals;
        if (!each && !ok) {
            *why = arena_printf(a, "entry %zu: %s", i + 1, w);
            return false;
        }
        if (!each)
            continue;
        entries[i].error = w;
        entries[i].field = field;
        char *canon = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (canon) {
            entries[i].canon = arena_strdup(a, canon);
            free(canon);
        } else if (!entries[i].error) {
            entries[i].error = "cannot be serialised";
        }
    }
    out->objs = (const struct value *const *)objs;
    out->entries = entries;
    out->n = n;
    return true;
}

const struct value *value_field(const struct value *v, const struct param *p, size_t i,
                                const char *name)
{
    static const struct value absent;
    if (!v || !v->objs || i >= v->n || !p->fields)
        return &absent;
    for (size_t k = 0; p->fields[k].name; k++)
        if (!strcmp(p->fields[k].name, name))
            return &v->objs[i][k];
    BUG("no field %s in %s", name, p->name);
}

bool value_from_json(struct arena *a, const struct param *p, const json_t *j, struct value *out,
                     const char **why)
{
    out->name = p->name;
    out->type = p->type;
    out->present = true;
    switch (p->type) {
    case P_ID:
    case P_INT:
        if (!json_is_integer(j)) {
            *why = "must be a whole number";
            return false;
        }
        out->i = (int64_t)json_integer_value(j);
        return check_int(p, out->i, why);
    case P_BOOL:
        if (!json_is_boolean(j)) {
            *why = "must be true or false";
            return false;
        }
        out->i = json_is_true(j);
        return true;
    case P_IDS:
    case P_STRS:
    case P_ENUMS:
        return array_from_json(a, p, j, out, why);
    case P_OBJECTS:
        return objects_from_json(a, p, j, out, why);
    case P_LIST: {
        if (!json_is_array(j)) {
            *why = "must be a list";
            return false;
        }
        int64_t n = (int64_t)json_array_size(j);
        if (n < p->min || n > p->max) {
            *why = arena_printf(a, "must have %" PRId64 " to %" PRId64 " entries", p->min, p->max);
            return false;
        }
        /* Compact JSON the handler parses again: strings holding NUL would not parse. */
        char *text = json_dumps(j, JSON_COMPACT);
        json_t *again = text ? json_loads(text, 0, NULL) : NULL;
        bool ok = again != NULL;
        json_decref(again);
        if (ok)
            out->s = arena_strdup(a, text);
        free(text);
        if (!ok)
            *why = "must not hold NUL characters";
        return ok;
    }
    default:
        if (!json_is_string(j)) {
            *why = "must be a string";
            return false;
        }
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        if (p->flags & P_NONBLANK)
            trim_spaces(&s, &n);
        if (!check_string(p, s, n, why))
            return false;
        if ((p->flags & P_NONBLANK) && n == 0) {
            *why = "must not be blank";
            return false;
        }
        out->s = arena_strndup(a, s, n);
        if (p->type == P_TIME)
            time_parse(out->s, &out->i);
        return true;
    }
}

static size_t count_params(const struct param *decl)
{
    size_t n = 0;
    while (decl && decl[n].name)
        n++;
    return n;
}

size_t values_from_json_text(struct arena *a, const struct param *decl, const char *json,
                             struct value **out)
{
    size_t n = count_params(decl);
    struct value *vals = arena_calloc(a, n ? n : 1, sizeof(*vals));
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    for (size_t i = 0; i < n; i++) {
        vals[i].name = decl[i].name;
        vals[i].type = decl[i].type;
        json_t *v = json_is_object(root) ? json_object_get(root, decl[i].name) : NULL;
        const char *why;
        if (v && json_is_null(v))
            vals[i].null = true;
        else if (v && !value_from_json(a, &decl[i], v, &vals[i], &why))
            vals[i].present = false;
    }
    json_decref(root);
    *out = vals;
    return n;
}

int req_validate_query(struct req *req)
{
    const struct param *decl = req->route->query;
    req->nquery = count_params(decl);
    req->query = arena_calloc(&req->arena, req->nquery ? req->nquery : 1, sizeof(*req->query));
    for (size_t i = 0; i < req->nquery; i++) {
        const struct param *p = &decl[i];
        struct value *v = &req->query[i];
        v->name = p->name;
        v->type = p->type;
        const char *s = NULL;
        size_t len = 0;
        if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, p->name,
                                          strlen(p->name), &s, &len) != MHD_YES)
            s = NULL;
        /* A NUL inside a value would cut it short ("orgId=3%00zzz" read as 3). */
        if (s && memchr(s, '\0', len))
            return req_fail_field(req, ERR_INVALID, p->name, "%s must not contain NUL", p->name);
        if (!s || !*s) {
            if (p->flags & P_REQUIRED)
                return req_fail_field(req, ERR_INVALID, p->name, "%s is required", p->name);
            continue;
        }
        const char *why;
        if (!value_from_string(&req->arena, p, s, v, &why))
            return req_fail_field(req, ERR_INVALID, p->name, "%s %s", p->name, why);
    }
    return 0;
}

int req_validate_body(struct req *req)
{
    const struct param *decl = req->route->body;
    req->nbody = count_params(decl);
    req->body = arena_calloc(&req->arena, req->nbody ? req->nbody : 1, sizeof(*req->body));
    for (size_t i = 0; i < req->nbody; i++) {
        req->body[i].name = decl[i].name;
        req->body[i].type = decl[i].type;
    }
    if (!decl)
        return 0; /* the route takes no body: whatever came is ignored */
    if (req->body_raw.len == 0 && req->nbody == 0)
        return 0;
    json_error_t jerr;
    json_t *root = json_loadb(req->body_raw.data, req->body_raw.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return req_fail(req, ERR_BAD_JSON, "invalid JSON at line %d column %d: %s", jerr.line,
                        jerr.column, jerr.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = req_fail(req, ERR_BAD_JSON, "the body must be a JSON object");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        size_t i;
        for (i = 0; i < req->nbody; i++)
            if (!strcmp(decl[i].name, key))
                break;
        if (i == req->nbody) {
            const char *field = arena_strndup(&req->arena, key, strnlen(key, 64));
            rc = req_fail_field(req, ERR_UNKNOWN_FIELD, field, "unknown field");
            goto out;
        }
        if (json_is_null(val)) {
            if (decl[i].flags & P_REQUIRED) {
                rc = req_fail_field(req, ERR_INVALID, decl[i].name, "%s is required", decl[i].name);
                goto out;
            }
            req->body[i].null = true;
            continue;
        }
        const char *why;
        if (!value_from_json(&req->arena, &decl[i], val, &req->body[i], &why)) {
            rc = req_fail_field(req, ERR_INVALID, decl[i].name, "%s %s", decl[i].name, why);
            goto out;
        }
    }
    for (size_t i = 0; i < req->nbody; i++)
        if ((decl[i].flags & P_REQUIRED) && !req->body[i].present) {
            rc = req_fail_field(req, ERR_INVALID, decl[i].name, "%s is required", decl[i].name);
            goto out;
        }
out:
    json_decref(root);
    return rc;
}

void req_fail_details(struct req *req, const char *key, const char *raw_json)
{
    req->err_key = arena_strdup(&req->arena, key);
    req->err_raw = arena_strdup(&req->arena, raw_json);
}

int req_send_file(struct req *req, int fd, int64_t size, const char *type, const char *name)
{
    if (req->file_fd >= 0)
        close(req->file_fd);
    req->file_fd = fd;
    req->file_size = size;
    req->file_type = arena_strdup(&req->arena, type);
    req->file_name = arena_strdup(&req->arena, name);
    return 200;
}

int req_send_part(struct req *req, int fd, const struct file_part *part, const char *type,
                  const char *name)
{
    req_send_file(req, fd, part->length, type, name);
    req->file_offset = part->offset;
    req->file_total = part->total;
    req->file_etag = arena_strdup(&req->arena, part->etag);
    req->file_inline = part->inline_;
    return part->offset > 0 || part->length < part->total ? 206 : 200;
}

int req_not_modified(struct req *req, const char *etag)
{
    req->file_etag = arena_strdup(&req->arena, etag);
    req->file_not_modified = true;
    return 304;
}

bool req_locate(struct req *req, const char *sql, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db, sql, "i", id);
    bool found = db_next(st);
    if (found)
        req_locate_row(req, st, o, false);
    db_done(st);
    return found;
}

void req_locate_row(struct req *req, struct db_stmt *st, struct object_ref *o, bool two)
{
    o->org_id = db_int(st, 0);
    o->org_path = arena_strdup(&req->arena, db_text(st, 1));
    if (two && !db_isnull(st, 3)) {
        o->org2_id = db_int(st, 2);
        o->org2_path = arena_strdup(&req->arena, db_text(st, 3));
    }
}
