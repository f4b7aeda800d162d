/*
 * roles.c - role grants: list the grants in a subtree, grant, revoke.
 *
 * Rules: org.admin/system_admin grant on their subtree. Roles that govern
 * others (org_admin, auditor, safety_officer) are granted only from above:
 * the granter's role must be on a strict ancestor, so nobody makes a peer.
 * Only a system admin grants system_admin.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/orgs.h"
#include "routes.h"

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    PAGE_PARAMS,
    {NULL},
};

static void grant_write(struct req *req, struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "role", db_text(st, 1));
    jw_kv_int(j, "orgId", db_int(st, 2));
    jw_kv_str(j, "orgName", db_text(st, 3));
    jw_kv_int(j, "accountId", db_int(st, 4));
    jw_kv_str(j, "accountName", db_text(st, 5));
    jw_kv_str(j, "phone", arena_printf(&req->arena, "*******%s", db_text(st, 6)));
    jw_kv_time(j, "grantedAt", db_int(st, 7));
    jw_obj_end(j);
}

#define GRANT_SELECT                                                                               \
    "SELECT r.id, r.role, r.org_id, o.name, a.id, a.name, a.phone_tail, r.created_at FROM roles "  \
    "r JOIN orgs o ON o.id = r.org_id JOIN accounts a ON a.id = r.account_id "

/*
 * GET /api/v1/roles?orgId=&after=&limit= -> {items, next}
 * Live grants on the organisation and below it, but the member roles the
 * roster keeps (an account's member role on its member's branch: every
 * member has one, access.c). role.admin on orgId.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), after;
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 GRANT_SELECT "WHERE o.path >= ? AND o.path < ? AND r.id > ? AND "
                              "r.deleted_at IS NULL AND NOT (r.role = 'member' AND EXISTS "
                              "(SELECT 1 FROM members m WHERE m.id = a.member_id AND m.org_id = "
                              "r.org_id)) ORDER BY r.id LIMIT ?",
                 "ssii", path, org_path_end(&req->arena, path), after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        grant_write(req, pg.j, st);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/* Whether the caller may grant or revoke role on the organisation at path. */
static bool may_manage(struct req *req, enum role role, const char *path)
{
    const struct principal *p = req->who;
    unsigned sys = 1u << ROLE_SYSTEM_ADMIN;
    if (role == ROLE_SYSTEM_ADMIN)
        return principal_holds(p, sys, path);
    if (role == ROLE_ORG_ADMIN || role == ROLE_AUDITOR || role == ROLE_SAFETY_OFFICER)
        return principal_above(p, perm_roles(PERM_ROLE_ADMIN), path) ||
               principal_holds(p, sys, path);
    return principal_can(p, PERM_ROLE_ADMIN, path);
}

static const struct param grant_body[] = {
    {"phone", P_PHONE, 0},
    {"memberId", P_ID, 0},
    {"orgId", P_ID, P_REQUIRED},
    {"role", P_ENUM, P_REQUIRED, 0, 0, role_names},
    {NULL},
};

/*
 * The account of a member found by name in the granter's scope: a member on a
 * roster whose branch the caller administers roles on (0 and member.not_found
 * otherwise, as for a member who does not exist), with an account
 * (account.not_found on memberId if none).
 */
static int64_t member_account(struct req *req, int64_t member, int *err)
{
    const char *path = NULL;
    int64_t account = 0;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT o.path, a.id FROM members m JOIN orgs o ON o.id = "
                                  "m.org_id LEFT JOIN accounts a ON a.member_id = m.id WHERE m.id "
                                  "= ? AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES,
                                  "i", member);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        account = db_int(st, 1);
    }
    db_done(st);
    if (!path || !principal_can(req->who, PERM_ROLE_ADMIN, path)) {
        *err = req_fail_field(req, ERR_MEMBER_NOT_FOUND, "memberId", NULL);
        return 0;
    }
    if (!account)
        *err = req_fail_field(req, ERR_ACCOUNT_NOT_FOUND, "memberId",
                              "this member has no account yet");
    return account;
}

/*
 * POST /api/v1/roles {phone | memberId, orgId, role} -> 201 the grant
 * The grantee by the phone of their account, or as a member found by name
 * (GET /members?q=) on a roster within the caller's role.admin scope.
 * Errors: account.not_found, member.not_found, role.exists, auth.forbidden,
 * org.not_found, request.invalid (neither or both of phone and memberId).
 * role.admin on orgId (and see the rules above).
 */
static int h_grant(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    enum role role = role_parse(req_body_str(req, "role"));
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (!may_manage(req, role, path)) {
        req_audit(req, "role.grant", org, NULL, "denied", "%s", role_names[role]);
        return req_fail(req, ERR_FORBIDDEN, "you may not grant %s here", role_names[role]);
    }
    const char *phone = req_body_str(req, "phone");
    int64_t member = req_body_int(req, "memberId", 0), account;
    if (!phone == !member)
        return req_fail_field(req, ERR_INVALID, phone ? "memberId" : "phone",
                              "give the phone or the member, one of them");
    if (member) {
        int err = 0;
        account = member_account(req, member, &err);
        if (!account)
            return err;
    } else if (!(account = account_find_by_phone(req->db, phone))) {
        return req_fail_field(req, ERR_ACCOUNT_NOT_FOUND, "phone", "no account has this phone");
    }
    int64_t id = role_grant(req->db, account, org, role, req->who->account_id);
    if (!id)
        return db_failed(req->db) ? 500 : req_fail(req, ERR_ROLE_EXISTS, NULL);
    req_audit(req, "role.grant", org, arena_printf(&req->arena, "account:%" PRId64, account), "ok",
              "%s", role_names[role]);
    struct db_stmt *st = db_query(req->db, GRANT_SELECT "WHERE r.id = ?", "i", id);
    if (db_next(st))
        grant_write(req, req_data(req), st);
    db_done(st);
    return 201;
}

/*
 * DELETE /api/v1/roles/{id} -> {}
 * Revokes a grant; it takes effect on the grantee's next request.
 * Errors: role.not_found (also outside scope), auth.forbidden.
 */
static int h_revoke(struct req *req)
{
    int64_t id = req_id(req), org = 0, account = 0;
    enum role role = ROLE__COUNT;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_id, account_id, role FROM roles WHERE id = ? AND "
                                  "deleted_at IS NULL",
                                  "i", id);
    if (db_next(st)) {
        org = db_int(st, 0);
        account = db_int(st, 1);
        role = role_parse(db_text(st, 2));
    }
    db_done(st);
    if (!org)
        return req_fail(req, ERR_ROLE_NOT_FOUND, NULL);
    const char *path = org_path(req->db, &req->arena, org);
    if (!may_manage(req, role, path)) {
        req_audit(req, "role.revoke", org, NULL, "denied", "%s", role_names[role]);
        return req_fail(req, ERR_FORBIDDEN, "you may not revoke %s here", role_names[role]);
    }
    int64_t now = now_sec();
    auth_changed(req->db);
    db_exec(req->db, "UPDATE roles SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiii", now, now, db_next_seq(req->db), id);
    req_audit(req, "role.revoke", org, arena_printf(&req->arena, "account:%" PRId64, account), "ok",
              "%s", role_names[role]);
    return 200;
}

static bool role_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return req_locate(req,
                      "SELECT r.org_id, o.path FROM roles r JOIN orgs o ON o.id = r.org_id WHERE "
                      "r.id = ? AND r.deleted_at IS NULL",
                      id, o);
}

/* A role grant: on the organisation it is held on. */
static const struct object_kind role_kind = {
    .name = "role",
    .not_found = ERR_ROLE_NOT_FOUND,
    .locate = role_locate,
};

const struct route roles_routes[] = {
    {"GET", "/api/v1/roles", h_list, SCOPE_QUERY_ORG, PERM_ROLE_ADMIN, "orgId", list_query, NULL,
     0},
    {"POST", "/api/v1/roles", h_grant, SCOPE_BODY_ORG, PERM_ROLE_ADMIN, "orgId", NULL, grant_body,
     0},
    {"DELETE", "/api/v1/roles/{id}", h_revoke, SCOPE_OBJECT, PERM_ROLE_ADMIN, NULL, NULL, NULL, 0,
     &role_kind},
    {NULL},
};
