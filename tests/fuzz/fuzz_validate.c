/*
 * fuzz_validate.c - the validators of untrusted input (core/validate.h):
 *  1. the input parsed by jansson, then value_from_json against every parameter type
 *     (the root and, for arrays and objects, each member);
 *  2. the input as a NUL-terminated query value through value_from_string;
 *  3. the input as the body of every route that declares one (req_validate_body).
 * Checks that an accepted value obeys its declaration, and that the query and JSON
 * paths agree on the same value.
 */
#include "app.h"
#include "core/validate.h"
#include "mod/orgs.h"

#include <jansson.h>

static const char *const choices[] = {"branch", "group", "支部", NULL};

static const struct param item_fields[] = {
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 4},
    {"url", P_URL},
    {"n", P_ID},
    {NULL},
};

static void check_value(const struct param *p, const struct value *v);

/* Spaces at either end of an accepted P_NONBLANK value (ASCII or U+3000). */
static bool has_edge_space(const char *s)
{
    size_t n = strlen(s);
    if (!n)
        return false;
    return strchr(" \t\r\n", s[0]) || strchr(" \t\r\n", s[n - 1]) ||
           !strncmp(s, "\xe3\x80\x80", 3) || (n >= 3 && !strcmp(s + n - 3, "\xe3\x80\x80"));
}

static const struct param params[] = {
    {"id", P_ID, P_REQUIRED},
    {"limit", P_INT, 0, 1, 200},
    {"delta", P_INT, 0, -100, 100},
    {"wide", P_INT, 0, INT64_MIN + 1, INT64_MAX},
    {"name", P_STR, P_REQUIRED, 1, 5},
    {"q", P_STR, 0, 0, 0},
    {"note", P_STR, 0, 2, 60},
    {"text", P_STR, P_MULTILINE, 1, 8},
    {"flag", P_BOOL, 0},
    {"kind", P_ENUM, 0, 0, 0, choices},
    {"level", P_ENUM, P_REQUIRED, 0, 0, org_levels},
    {"phone", P_PHONE, P_REQUIRED},
    {"date", P_DATE, 0},
    {"password", P_PASSWORD, P_REQUIRED},
    {"at", P_TIME, 0},
    {"ids", P_IDS, 0, 1, 5},
    {"labels", P_STRS, 0, 0, 3},
    {"list", P_LIST, 0, 0, 3},
    {"title", P_STR, P_NONBLANK, 1, 4},
    {"link", P_URL, 0, 0, 30},
    {"kinds", P_ENUMS, 0, 0, 3, choices},
    {"items", P_OBJECTS, 0, 0, 3, NULL, item_fields},
    {"batch", P_OBJECTS, P_EACH, 0, 3, NULL, item_fields},
};

static bool ready;

/* An accepted value must obey its declaration. */
static void check_value(const struct param *p, const struct value *v)
{
    if (!v->present || v->type != p->type || strcmp(v->name, p->name) != 0)
        abort();
    switch (p->type) {
    case P_ID:
        if (v->i <= 0)
            abort();
        break;
    case P_INT:
        if (v->i < p->min || v->i > p->max)
            abort();
        break;
    case P_BOOL:
        if (v->i != 0 && v->i != 1)
            abort();
        break;
    case P_IDS:
        if ((int64_t)v->n < p->min || (int64_t)v->n > p->max || (v->n && !v->ids))
            abort();
        for (size_t i = 0; i < v->n; i++)
            for (size_t k = 0; k <= i; k++)
                if (v->ids[i] <= 0 || (k < i && v->ids[k] == v->ids[i]))
                    abort();
        break;
    case P_STRS:
        if ((int64_t)v->n < p->min || (p->max && (int64_t)v->n > p->max) || (v->n && !v->strs))
            abort();
        for (size_t i = 0; i < v->n; i++) {
            long n = utf8_chars(v->strs[i], strlen(v->strs[i]));
            if (n < 1 || n > 200)
                abort();
        }
        break;
    case P_ENUMS:
        if ((int64_t)v->n < p->min || (int64_t)v->n > p->max || (v->n && !v->strs))
            abort();
        for (size_t i = 0; i < v->n; i++) {
            bool found = false;
            for (const char *const *c = p->choices; *c; c++)
                found |= !strcmp(*c, v->strs[i]);
            for (size_t k = 0; k < i; k++)
                found &= strcmp(v->strs[k], v->strs[i]) != 0;
            if (!found)
                abort();
        }
        break;
    case P_OBJECTS: {
        /* With P_EACH an entry may be at fault (then with a reason); one that is not has
         * its canonical JSON and every required field. */
        bool each = p->flags & P_EACH;
        if ((int64_t)v->n < p->min || (int64_t)v->n > p->max || (v->n && !v->objs) ||
            (v->n && each != (v->entries != NULL)))
            abort();
        for (size_t i = 0; i < v->n; i++) {
            bool fault = each && v->entries[i].error;
            if (each && !fault && !v->entries[i].canon)
                abort();
            for (size_t k = 0; p->fields[k].name; k++) {
                const struct value *f = &v->objs[i][k];
                if (f->present)
                    check_value(&p->fields[k], f);
                else if ((p->fields[k].flags & P_REQUIRED) && !fault)
                    abort();
            }
        }
        break;
    }
    case P_LIST: {
        /* The compact JSON of an array of min..max entries. */
        json_t *j = json_loads(v->s, 0, NULL);
        if (!json_is_array(j) || (int64_t)json_array_size(j) < p->min ||
            (int64_t)json_array_size(j) > p->max)
            abort();
        json_decref(j);
        break;
    }

    default: {
        long n;
        if (p->flags & P_MULTILINE) {
            /* line breaks (\n, \r) and tabs allowed, no other control character;
             * each counts as one */
            char *copy = xstrdup(v->s);
            for (char *c = copy; *c; c++) {
                if (*c == '\n' || *c == '\r' || *c == '\t')
                    *c = ' ';
            }
            n = utf8_chars(copy, strlen(copy));
            free(copy);
        } else {
            n = utf8_chars(v->s, strlen(v->s));
        }
        if (n < 0)
            abort();
        if (p->type == P_STR && ((p->min && n < p->min) || (p->max && n > p->max)))
            abort();
        if (p->type == P_STR && (p->flags & P_REQUIRED) && n == 0)
            abort();
        if (p->type == P_STR && (p->flags & P_NONBLANK) && (n == 0 || has_edge_space(v->s)))
            abort();
        if (p->type == P_URL) {
            if ((strncmp(v->s, "https://", 8) && strncmp(v->s, "http://", 7)) ||
                n > (p->max ? p->max : 500))
                abort();
            for (const char *c = v->s; *c; c++)
                if ((unsigned char)*c <= 0x20 || *c == 0x7f)
                    abort();
        }
        if (p->type == P_PASSWORD && (n < 8 || n > 128))
            abort();
        if (p->type == P_PHONE && !valid_phone(v->s))
            abort();
        if (p->type == P_DATE) {
            int y, m, d;
            if (!date_parse(v->s, &y, &m, &d))
                abort();
        }
        if (p->type == P_TIME) {
            int64_t t;
            if (!time_parse(v->s, &t) || t != v->i)
                abort();
        }
        if (p->type == P_ENUM) {
            bool found = false;
            for (const char *const *c = p->choices; *c; c++)
                found |= !strcmp(*c, v->s);
            if (!found)
                abort();
        }
    }
    }
}

static void try_json(struct arena *a, const json_t *j)
{
    for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
        struct value v = {0};
        const char *why = NULL;
        if (value_from_json(a, &params[i], j, &v, &why))
            check_value(&params[i], &v);
        else if (!why)
            abort();
    }
}

static void try_string(struct arena *a, const char *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
        const struct param *p = &params[i];
        struct value v = {0}, w = {0};
        const char *why = NULL;
        if (!value_from_string(a, p, s, &v, &why)) {
            if (!why)
                abort();
            continue;
        }
        check_value(p, &v);
        /* The same value sent in a JSON body is accepted too, with the same result. */
        json_t *j = NULL;
        if (p->type == P_ID || p->type == P_INT)
            j = json_integer((json_int_t)v.i);
        else if (p->type == P_BOOL)
            j = json_boolean(v.i);
        else
            j = json_string(s);
        if (!j)
            abort(); /* accepted text jansson calls invalid UTF-8 */
        if (!value_from_json(a, p, j, &w, &why))
            abort();
        if (w.i != v.i && (p->type == P_ID || p->type == P_INT || p->type == P_BOOL))
            abort();
        if (v.s && (!w.s || strcmp(v.s, w.s) != 0))
            abort();
        json_decref(j);
    }
}

/* The input as a request body for every route that declares one. */
static void try_bodies(const uint8_t *data, size_t size)
{
    for (size_t r = 0; r < router_count(); r++) {
        const struct route *route = router_at(r);
        if (!route->body)
            continue;
        struct req req;
        memset(&req, 0, sizeof(req));
        arena_init(&req.arena);
        req.method = route->method;
        req.path = route->path;
        req.route = route;
        req.err = -1;
        req.audit_tail = &req.audit;
        buf_init_arena(&req.body_raw, &req.arena);
        buf_add(&req.body_raw, data, size);
        int rc = req_validate_body(&req);
        if (rc == 0) {
            if (req.err != -1)
                abort();
            for (size_t i = 0; i < req.nbody; i++) {
                if (req.body[i].present)
                    check_value(&route->body[i], &req.body[i]);
                else if (route->body[i].flags & P_REQUIRED)
                    abort();
            }
        } else if (rc < 400 || rc > 499 || req.err < 0 || req.err >= ERR__COUNT || !req.err_msg ||
                   err_table[req.err].status != rc) {
            abort();
        }
        arena_release(&req.arena);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        router_init();
        log_set_level(LOG_ERROR);
        ready = true;
    }
    struct arena a;
    arena_init(&a);

    json_error_t err;
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (root) {
        try_json(&a, root);
        if (json_is_array(root)) {
            size_t i;
            json_t *item;
            json_array_foreach(root, i, item)
            {
                try_json(&a, item);
            }
        } else if (json_is_object(root)) {
            const char *key;
            json_t *item;
            json_object_foreach(root, key, item)
            {
                try_json(&a, item);
            }
        }
        json_decref(root);
    }

    char *s = arena_strndup(&a, (const char *)data, size); /* cut at the first NUL */
    try_string(&a, s);

    try_bodies(data, size);
    arena_release(&a);
    return 0;
}
