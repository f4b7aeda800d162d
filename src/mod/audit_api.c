/*
 * audit_api.c - reading the audit log (auditors, safety officers, system
 * admins), scoped to the organisations under the caller's roles.
 */
#include "app.h"
#include "mod/orgs.h"
#include "routes.h"

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    PAGE_PARAMS,
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
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    if (after)
        before = after; /* newest first: the next page holds older rows */
    struct page pg;
    page_begin(req, &pg);
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
                                  (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        jw_obj_begin(pg.j);
        jw_kv_int(pg.j, "id", db_int(st, 0));
        jw_kv_time(pg.j, "at", db_int(st, 1));
        jw_kv_int(pg.j, "actorId", db_int(st, 2));
        jw_kv_int(pg.j, "orgId", db_int(st, 3));
        jw_kv_str(pg.j, "action", db_text(st, 4));
        jw_kv_str(pg.j, "target", db_text(st, 5));
        jw_kv_str(pg.j, "result", db_text(st, 6));
        jw_kv_str(pg.j, "detail", db_text(st, 7));
        jw_kv_str(pg.j, "ip", db_text(st, 8));
        jw_kv_str(pg.j, "requestId", db_text(st, 9));
        jw_obj_end(pg.j);
        page_mark_id(&pg, db_int(st, 0));
    }
    req_audit(req, "audit.read", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok", NULL);
    return page_end(&pg, st);
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", h_list, SCOPE_QUERY_ORG, PERM_AUDIT_READ, "orgId", list_query, NULL,
     ROUTE_AUDIT_READ},
    {NULL},
};
