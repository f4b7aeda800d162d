/*
 * audit_api.c - reading the audit log (auditors, safety officers, system
 * admins), scoped to the organisations under the caller's roles.
 */
#include "app.h"
#include "mod/mod.h"

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"after", P_STR, 0, 1, 40},
    {"limit", P_INT, 0, 1, 200},
    {NULL},
};

/*
 * GET /api/v1/audit?orgId=&after=&limit= -> {items, next}
 * Rows about the organisation and its subtree, newest first.
 * audit.read on orgId. Reading the log is itself audited.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), before = INT64_MAX;
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *cur = req_query_str(req, "after");
    if (cur) {
        const char *raw = cursor_decode(&req->arena, cur);
        if (!raw || !parse_i64(raw, strlen(raw), &before))
            return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    }
    int limit = req_limit(req);
    /* Events tied to no organisation (a login attempt for an unknown phone)
     * are shown to those who audit a root organisation. */
    int64_t root = strchr(path + 1, '/')[1] == '\0';
    struct db_stmt *st = db_query(req->db,
                                  "SELECT a.id, a.at, a.actor_id, a.org_id, a.action, a.target, "
                                  "a.result, a.detail, a.ip, a.request_id FROM audit_log a LEFT "
                                  "JOIN orgs o ON o.id = a.org_id WHERE ((o.path >= ? AND o.path "
                                  "< ?) OR (a.org_id = 0 AND ? = 1)) AND a.id < ? ORDER BY a.id "
                                  "DESC LIMIT ?",
                                  "ssiii", path, org_path_end(&req->arena, path), root, before,
                                  (int64_t)limit + 1);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    int n = 0;
    int64_t last = 0;
    bool more = false;
    while (db_next(st)) {
        if (n == limit) {
            more = true;
            break;
        }
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_time(j, "at", db_int(st, 1));
        jw_kv_int(j, "actorId", db_int(st, 2));
        jw_kv_int(j, "orgId", db_int(st, 3));
        jw_kv_str(j, "action", db_text(st, 4));
        jw_kv_str(j, "target", db_text(st, 5));
        jw_kv_str(j, "result", db_text(st, 6));
        jw_kv_str(j, "detail", db_text(st, 7));
        jw_kv_str(j, "ip", db_text(st, 8));
        jw_kv_str(j, "requestId", db_text(st, 9));
        jw_obj_end(j);
        last = db_int(st, 0);
        n++;
    }
    db_done(st);
    jw_arr_end(j);
    jw_kv_str(j, "next",
                more ? cursor_encode(&req->arena, arena_printf(&req->arena, "%" PRId64, last))
                     : NULL);
    jw_obj_end(j);
    req_audit(req, "audit.read", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok", NULL);
    return 200;
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", h_list, SCOPE_QUERY_ORG, PERM_AUDIT_READ, "orgId", list_query, NULL,
     0},
    {NULL},
};
