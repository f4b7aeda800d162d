/*
 * audit_api.c - reading the audit log (auditors, safety officers, system
 * admins), scoped to the organisations under the caller's roles.
 */
#include "app.h"
#include "mod/orgs.h"
#include "routes.h"

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"action", P_STR, 0, 2, 60}, /* "role.grant", or a domain: "role" */
    {"actorId", P_ID, 0},
    {"actor", P_STR, P_NONBLANK, 1, 30}, /* part of the actor's name */
    {"from", P_DATE, 0},                 /* Beijing days, both included */
    {"to", P_DATE, 0},
    PAGE_PARAMS,
    {NULL},
};

/* The instant a Beijing day starts, for a P_DATE query field (dflt if absent). */
static int64_t day_start(struct req *req, const char *name, int days_after, int64_t dflt)
{
    const char *s = req_query_str(req, name);
    int64_t z;
    if (!s || !date_days(s, &z))
        return dflt;
    return beijing_day_start(z + days_after);
}

/*
 * GET /api/v1/audit?orgId=&action=&actorId=&actor=&from=&to=&after=&limit=
 *   -> {items: [{id, at, actorId, actorName, orgId, orgName, action, target,
 *   result, detail, ip, requestId}], next}
 * Rows about the organisation and its subtree, newest first, filtered by
 * action (exact, or every action of a domain: "role"), actor (id, or part
 * of the name) and Beijing days from..to (both included). audit.read on
 * orgId. Reading the log is itself audited. Errors: org.not_found,
 * request.invalid (to before from).
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
    const char *action = req_query_str(req, "action"), *actor = req_query_str(req, "actor");
    const char *like = actor ? db_like_pattern(&req->arena, actor) : NULL;
    int64_t from = day_start(req, "from", 0, 0), to = day_start(req, "to", 1, INT64_MAX);
    if (to <= from)
        return req_fail_field(req, ERR_INVALID, "to", "the last day is before the first");
    struct db_stmt *st = db_query(
        req->db,
        "SELECT a.id, a.at, a.actor_id, a.org_id, a.action, a.target, a.result, a.detail, a.ip, "
        "a.request_id, ac.name, o.name FROM audit_log a LEFT JOIN orgs o ON o.id = a.org_id LEFT "
        "JOIN accounts ac ON ac.id = a.actor_id WHERE ((o.path >= ? AND o.path < ?) OR "
        "(a.org_id = 0 AND ? = 1)) AND a.id < ? AND (? IS NULL OR a.action = ? OR "
        "substr(a.action, 1, length(?) + 1) = ? || '.') AND (? = 0 OR a.actor_id = ?) AND (? IS "
        "NULL OR ac.name LIKE ? ESCAPE '\\') AND a.at >= ? AND a.at < ? ORDER BY a.id DESC LIMIT ?",
        "ssiissssiissiii", path, org_path_end(&req->arena, path), root, before, action, action,
        action, action, req_query_int(req, "actorId", 0), req_query_int(req, "actorId", 0), like,
        like, from, to, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        jw_obj_begin(pg.j);
        jw_kv_int(pg.j, "id", db_int(st, 0));
        jw_kv_time(pg.j, "at", db_int(st, 1));
        jw_kv_int(pg.j, "actorId", db_int(st, 2));
        jw_kv_str(pg.j, "actorName", db_text(st, 10));
        jw_kv_int(pg.j, "orgId", db_int(st, 3));
        jw_kv_str(pg.j, "orgName", db_text(st, 11));
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
