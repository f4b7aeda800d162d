/*
 * cmd_routes.c - zhibu routes: the route table and the permission table as
 * text or JSON. The authorization matrix test (tests/api/authz.test.mjs)
 * reads the JSON, so a route added to a table cannot escape the matrix.
 */
#include "app.h"
#include "cli/cli.h"

static const char *const scope_names[] = {
    [SCOPE_PUBLIC] = "public",       [SCOPE_LOGIN] = "login",       [SCOPE_PATH_ORG] = "path_org",
    [SCOPE_QUERY_ORG] = "query_org", [SCOPE_BODY_ORG] = "body_org", [SCOPE_OBJECT] = "object",
};

static const char *const type_names[] = {
    [P_ID] = "id",     [P_INT] = "int",     [P_STR] = "str",         [P_BOOL] = "bool",
    [P_ENUM] = "enum", [P_PHONE] = "phone", [P_DATE] = "date",       [P_PASSWORD] = "password",
    [P_TIME] = "time", [P_IDS] = "ids",     [P_STRS] = "strs",       [P_LIST] = "list",
    [P_URL] = "url",   [P_ENUMS] = "enums", [P_OBJECTS] = "objects",
};
/* A new parameter type needs its name here. */
static_assert(ARRAY_SIZE(type_names) == P_OBJECTS + 1, "type_names");

static const struct {
    unsigned bit;
    const char *name;
} flag_names[] = {
    {ROUTE_NO_IDEM, "no_idem"},       {ROUTE_RAW, "raw"},
    {ROUTE_UPLOAD, "upload"},         {ROUTE_CACHE, "cache"},
    {ROUTE_ENROL, "enrol"},           {ROUTE_IDEM_NO_BODY, "idem_no_body"},
    {ROUTE_CACHE_MINE, "cache_mine"}, {ROUTE_SEEN_FORBIDS, "seen_forbids"},
    {ROUTE_READ_FIRST, "read_first"}, {ROUTE_BARE, "bare"},
};

static const struct {
    unsigned bit;
    const char *name;
} party_names[] = {
    {PARTY_SELF, "self"},
    {PARTY_EXPECTED, "expected"},
    {PARTY_AUDIENCE, "audience"},
    {PARTY_AUTHOR, "author"},
};
/* A new party needs its name here. */
static_assert(ARRAY_SIZE(party_names) == 4 && PARTY_AUTHOR == 1u << 3, "party_names");

static const char *const side_names[] = {
    [SIDE_ORG] = "org",
    [SIDE_EITHER] = "either",
    [SIDE_PARENT] = "parent",
    [SIDE_ORG2] = "org2",
};

static void json_params(struct jw *j, const char *key, const struct param *p)
{
    jw_key(j, key);
    jw_arr_begin(j);
    for (; p && p->name; p++) {
        jw_obj_begin(j);
        jw_kv_str(j, "name", p->name);
        jw_kv_str(j, "type", type_names[p->type]);
        jw_kv_bool(j, "required", p->flags & P_REQUIRED);
        if (p->type == P_OBJECTS)
            json_params(j, "fields", p->fields);
        if ((p->type == P_ENUM || p->type == P_ENUMS) && p->choices) {
            jw_key(j, "choices");
            jw_arr_begin(j);
            for (const char *const *c = p->choices; *c; c++)
                jw_str(j, *c);
            jw_arr_end(j);
        }
        jw_obj_end(j);
    }
    jw_arr_end(j);
}

static void json_roles(struct jw *j, unsigned mask)
{
    jw_arr_begin(j);
    for (int r = 0; r < ROLE__COUNT; r++)
        if (mask & (1u << r))
            jw_str(j, role_names[r]);
    jw_arr_end(j);
}

static void print_json(void)
{
    struct buf out;
    buf_init(&out);
    struct jw j;
    jw_init(&j, &out);
    jw_obj_begin(&j);
    jw_key(&j, "roles");
    json_roles(&j, (1u << ROLE__COUNT) - 1);
    jw_key(&j, "permissions");
    jw_obj_begin(&j);
    for (int p = 0; p < PERM__COUNT; p++) {
        jw_key(&j, perm_name((enum perm)p));
        json_roles(&j, perm_roles((enum perm)p));
    }
    jw_obj_end(&j);
    jw_key(&j, "routes");
    jw_arr_begin(&j);
    for (size_t i = 0; i < router_count(); i++) {
        const struct route *r = router_at(i);
        jw_obj_begin(&j);
        jw_kv_str(&j, "method", r->method);
        jw_kv_str(&j, "path", r->path);
        jw_kv_str(&j, "scope", scope_names[r->scope]);
        jw_kv_str(&j, "perm", perm_name((enum perm)r->perm));
        jw_kv_str(&j, "scopeField", r->scope_field);
        jw_key(&j, "flags");
        jw_arr_begin(&j);
        for (size_t f = 0; f < ARRAY_SIZE(flag_names); f++)
            if (r->flags & flag_names[f].bit)
                jw_str(&j, flag_names[f].name);
        jw_arr_end(&j);
        jw_key(&j, "phases"); /* a two-phase route's steps before its handler */
        jw_arr_begin(&j);
        if (r->prepare)
            jw_str(&j, "prepare");
        if (r->outside)
            jw_str(&j, "outside");
        jw_arr_end(&j);
        json_params(&j, "query", r->query);
        json_params(&j, "body", r->body);
        if (r->kind) {
            jw_key(&j, "object");
            jw_obj_begin(&j);
            jw_kv_str(&j, "kind", r->kind->name);
            jw_kv_str(&j, "notFound", err_table[r->kind->not_found].code);
            jw_kv_str(&j, "side", side_names[r->side]);
            jw_key(&j, "parties");
            jw_arr_begin(&j);
            for (size_t p = 0; p < ARRAY_SIZE(party_names); p++)
                if (r->party & party_names[p].bit)
                    jw_str(&j, party_names[p].name);
            jw_arr_end(&j);
            if (r->flags & ROUTE_SEEN_FORBIDS) {
                jw_kv_str(&j, "forbidden", err_table[r->kind->forbidden].code);
                jw_kv_str(&j, "seePerm", perm_name((enum perm)r->kind->see_perm));
                jw_key(&j, "seeParties");
                jw_arr_begin(&j);
                for (size_t p = 0; p < ARRAY_SIZE(party_names); p++)
                    if (r->kind->see_party & party_names[p].bit)
                        jw_str(&j, party_names[p].name);
                jw_arr_end(&j);
            }
            jw_obj_end(&j);
        } else {
            jw_kv_null(&j, "object");
        }
        jw_obj_end(&j);
    }
    jw_arr_end(&j);
    jw_obj_end(&j);
    fwrite(out.data, 1, out.len, stdout);
    fputc('\n', stdout);
    buf_release(&out);
}

static void print_params(const char *label, const struct param *p)
{
    if (!p || !p->name)
        return;
    printf("    %s:", label);
    for (; p->name; p++)
        printf(" %s%s:%s", p->name, (p->flags & P_REQUIRED) ? "*" : "", type_names[p->type]);
    printf("\n");
}

static void print_text(void)
{
    for (size_t i = 0; i < router_count(); i++) {
        const struct route *r = router_at(i);
        printf("%-6s %-40s %-9s %-16s", r->method, r->path, scope_names[r->scope],
               perm_name((enum perm)r->perm));
        if (r->scope_field)
            printf(" field=%s", r->scope_field);
        if (r->kind) {
            printf(" kind=%s side=%s", r->kind->name, side_names[r->side]);
            for (size_t p = 0; p < ARRAY_SIZE(party_names); p++)
                if (r->party & party_names[p].bit)
                    printf(" party=%s", party_names[p].name);
        }
        for (size_t f = 0; f < ARRAY_SIZE(flag_names); f++)
            if (r->flags & flag_names[f].bit)
                printf(" %s", flag_names[f].name);
        if (r->outside)
            printf(" two-phase");
        printf("\n");
        print_params("query", r->query);
        print_params("body", r->body);
    }
    printf("\n%zu routes\n\npermissions (granted by these roles on the organisation or an "
           "ancestor):\n",
           router_count());
    for (int p = 0; p < PERM__COUNT; p++) {
        printf("  %-17s", perm_name((enum perm)p));
        unsigned mask = perm_roles((enum perm)p);
        for (int r = 0; r < ROLE__COUNT; r++)
            if (mask & (1u << r))
                printf(" %s", role_names[r]);
        printf("\n");
    }
}

int cmd_routes(int argc, char **argv)
{
    struct cli_opt opts[] = {{"json", true}, {"data"}, {"help", true}, {NULL}};
    /* --data is accepted like by every command; the route table needs none. */
    if (cli_parse("routes", argc, argv, opts))
        return 2;
    if (cli_get(opts, "help")) {
        printf("usage: zhibu routes [--json]\n\n"
               "Prints every route of the API: method, path, scope (public, login,\n"
               "path_org, query_org, body_org, object), the permission checked, the\n"
               "scope field, flags (no_idem, raw, upload, cache, enrol, ...; two-phase: slow work\n"
               "outside any transaction) and the declared\n"
               "query and body parameters (name, type; * = required). Then the\n"
               "permission table: which roles grant each permission.\n\n"
               "  --json  the same as one JSON object {roles, permissions, routes}\n");
        return 0;
    }
    router_init();
    if (cli_get(opts, "json"))
        print_json();
    else
        print_text();
    return 0;
}
