/*
 * transfers.c - transfers of the organisational relationship (组织关系转接)
 * as a state machine on the transfers table (migrations/0002):
 *
 *   pending_approval --approve--> pending_acceptance --accept--> completed
 *          |  (scope outside: approve completes, the member leaves the system)
 *          +--reject--> rejected            +--return--> returned
 *   pending_* --cancel--> cancelled
 *
 * Who acts at each step:
 *   start    the out-branch (roster.write on the member's branch) or the member
 *   approve, reject  transfer.approve above the from-branch (its township or higher)
 *   accept, return   scope county: roster.write on the to-branch;
 *                    scope cross_county: transfer.approve above the to-branch
 *   cancel   the initiator, or roster.write on the from-branch
 * Everyone who may read the roster of either branch, and the member, sees
 * the transfer; anyone else gets transfer.not_found, as for a missing id.
 *
 * Completion moves the member in one transaction through member_update(),
 * so the counters, the roster and the history cannot disagree; every row
 * hanging off the member (history, sub-records, dues) keeps the member id
 * and so follows.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "mod/sms.h"
#include "routes.h"

struct transfer {
    int64_t id, member_id, from_org_id, to_org_id;
    const char *from_path, *to_path, *to_name, *scope, *state, *reason, *decision_reason;
    int64_t initiated_by, initiated_at, approved_by, approved_at, decided_by, decided_at;
    int64_t completed_at;
};

#define TRANSFER_COLS(F, C)                                                                        \
    F(TRANSFER_COL_ID, "id")                                                                       \
    C(TRANSFER_COL_MEMBER_ID, "member_id")                                                         \
    C(TRANSFER_COL_FROM_ORG_ID, "from_org_id")                                                     \
    C(TRANSFER_COL_FROM_PATH, "from_path")                                                         \
    C(TRANSFER_COL_TO_ORG_ID, "to_org_id")                                                         \
    C(TRANSFER_COL_TO_PATH, "to_path")                                                             \
    C(TRANSFER_COL_TO_NAME, "to_name")                                                             \
    C(TRANSFER_COL_SCOPE, "scope")                                                                 \
    C(TRANSFER_COL_STATE, "state")                                                                 \
    C(TRANSFER_COL_REASON, "reason")                                                               \
    C(TRANSFER_COL_INITIATED_BY, "initiated_by")                                                   \
    C(TRANSFER_COL_INITIATED_AT, "initiated_at")                                                   \
    C(TRANSFER_COL_APPROVED_BY, "approved_by")                                                     \
    C(TRANSFER_COL_APPROVED_AT, "approved_at")                                                     \
    C(TRANSFER_COL_DECIDED_BY, "decided_by")                                                       \
    C(TRANSFER_COL_DECIDED_AT, "decided_at")                                                       \
    C(TRANSFER_COL_DECISION_REASON, "decision_reason")                                             \
    C(TRANSFER_COL_COMPLETED_AT, "completed_at")
enum transfer_col { DB_COLUMN_ENUM(TRANSFER_COLS) };
#define TRANSFER_COLUMNS DB_COLUMNS(TRANSFER_COLS)

static const char *col(struct arena *a, struct db_stmt *st, int i)
{
    return db_isnull(st, i) ? NULL : arena_strdup(a, db_text(st, i));
}

/* Fills t from a row of TRANSFER_COLUMNS (strings in a). */
static void transfer_read(struct arena *a, struct db_stmt *st, struct transfer *t)
{
    t->id = db_int(st, TRANSFER_COL_ID);
    t->member_id = db_int(st, TRANSFER_COL_MEMBER_ID);
    t->from_org_id = db_int(st, TRANSFER_COL_FROM_ORG_ID);
    t->from_path = col(a, st, TRANSFER_COL_FROM_PATH);
    t->to_org_id = db_int(st, TRANSFER_COL_TO_ORG_ID);
    t->to_path = col(a, st, TRANSFER_COL_TO_PATH);
    t->to_name = col(a, st, TRANSFER_COL_TO_NAME);
    t->scope = col(a, st, TRANSFER_COL_SCOPE);
    t->state = col(a, st, TRANSFER_COL_STATE);
    t->reason = col(a, st, TRANSFER_COL_REASON);
    t->initiated_by = db_int(st, TRANSFER_COL_INITIATED_BY);
    t->initiated_at = db_int(st, TRANSFER_COL_INITIATED_AT);
    t->approved_by = db_int(st, TRANSFER_COL_APPROVED_BY);
    t->approved_at = db_int(st, TRANSFER_COL_APPROVED_AT);
    t->decided_by = db_int(st, TRANSFER_COL_DECIDED_BY);
    t->decided_at = db_int(st, TRANSFER_COL_DECIDED_AT);
    t->decision_reason = col(a, st, TRANSFER_COL_DECISION_REASON);
    t->completed_at = db_int(st, TRANSFER_COL_COMPLETED_AT);
}

static bool transfer_load(struct db *db, struct arena *a, int64_t id, struct transfer *t)
{
    struct db_stmt *st =
        db_query(db, "SELECT " TRANSFER_COLUMNS " FROM transfers WHERE id = ?", "i", id);
    bool found = db_next(st);
    if (found)
        transfer_read(a, st, t);
    db_done(st);
    return found;
}

static bool is_pending(const struct transfer *t)
{
    return !strcmp(t->state, "pending_approval") || !strcmp(t->state, "pending_acceptance");
}

/* ---- the object kind ---- */

/* A transfer is on both branches: the out-branch (org) and the in-branch
 * (org2; none when the member leaves this system); the member is a party. */
static bool transfer_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT from_org_id, from_path, to_org_id, to_path, member_id "
                                  "FROM transfers WHERE id = ?",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, true);
        o->party = req->who->member_id && req->who->member_id == db_int(st, 4) ? PARTY_SELF : 0;
    }
    db_done(st);
    return found;
}

/* Seen by the member and by roster.read on either branch. Each step asks
 * its own authority on top (may_approve, may_accept, may_cancel: a rule of
 * the step and the transfer's state, checked by the step's handler). */
static const struct object_kind transfer_kind = {
    .name = "transfer",
    .not_found = ERR_TRANSFER_NOT_FOUND,
    .see_perm = PERM_ROSTER_READ,
    .see_party = PARTY_SELF,
    .forbidden = ERR_FORBIDDEN,
    .locate = transfer_locate,
};

/* ---- who may take each step (pure checks on the caller's roles) ---- */

/* The out-side authority: transfer.approve on the parent of the from-branch. */
static bool may_approve(const struct principal *p, const struct transfer *t)
{
    return principal_above(p, perm_roles(PERM_TRANSFER_APPROVE), t->from_path);
}

/* The in side: the to-branch within a county, the receiving side's admin across. */
static bool may_accept(const struct principal *p, const struct transfer *t)
{
    if (!strcmp(t->scope, "county"))
        return principal_can(p, PERM_ROSTER_WRITE, t->to_path);
    if (!strcmp(t->scope, "cross_county"))
        return principal_above(p, perm_roles(PERM_TRANSFER_APPROVE), t->to_path);
    return false; /* outside: nobody here accepts */
}

static bool may_cancel(const struct principal *p, const struct transfer *t)
{
    return p->account_id == t->initiated_by || principal_can(p, PERM_ROSTER_WRITE, t->from_path);
}

/* ---- writing ---- */

/* Writes key: {id, name} with the name sql finds for id (0 or no row: null). */
static void write_ref(struct db *db, struct jw *j, const char *key, const char *sql, int64_t id)
{
    jw_key(j, key);
    struct db_stmt *st = id ? db_query(db, sql, "i", id) : NULL;
    if (st && db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", id);
        jw_kv_str(j, "name", db_text(st, 0));
        jw_obj_end(j);
    } else {
        jw_null(j);
    }
    db_done(st);
}

#define ACCOUNT_NAME "SELECT name FROM accounts WHERE id = ?"
#define ORG_NAME "SELECT name FROM orgs WHERE id = ?"
#define MEMBER_NAME "SELECT name FROM members WHERE id = ?"

/* Writes the transfer as the API shows it to the caller p. */
static void transfer_write(struct db *db, struct jw *j, const struct principal *p,
                           const struct transfer *t, int64_t now)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", t->id);
    jw_kv_str(j, "state", t->state);
    jw_kv_str(j, "scope", t->scope);
    write_ref(db, j, "member", MEMBER_NAME, t->member_id);
    write_ref(db, j, "from", ORG_NAME, t->from_org_id);
    write_ref(db, j, "to", ORG_NAME, t->to_org_id);
    jw_kv_str(j, "toName", t->to_name);
    jw_kv_str(j, "reason", t->reason);
    write_ref(db, j, "initiatedBy", ACCOUNT_NAME, t->initiated_by);
    jw_kv_time(j, "initiatedAt", t->initiated_at);
    write_ref(db, j, "approvedBy", ACCOUNT_NAME, t->approved_by);
    jw_kv_time(j, "approvedAt", t->approved_at);
    write_ref(db, j, "decidedBy", ACCOUNT_NAME, t->decided_by);
    jw_kv_time(j, "decidedAt", t->decided_at);
    jw_kv_str(j, "decisionReason", t->decision_reason);
    jw_kv_time(j, "completedAt", t->completed_at);
    jw_key(j, "waitingSeconds");
    if (is_pending(t)) {
        int64_t since = t->approved_at ? t->approved_at : t->initiated_at;
        jw_int(j, now > since ? now - since : 0);
    } else {
        jw_null(j);
    }
    jw_kv_bool(j, "canApprove", !strcmp(t->state, "pending_approval") && may_approve(p, t));
    jw_kv_bool(j, "canAccept", !strcmp(t->state, "pending_acceptance") && may_accept(p, t));
    jw_kv_bool(j, "canCancel", is_pending(t) && may_cancel(p, t));
    jw_obj_end(j);
}

/* Answers the transfer id (reloaded) with status. */
static int transfer_respond(struct req *req, int64_t id, int status)
{
    struct transfer t;
    if (!transfer_load(req->db, &req->arena, id, &t))
        return req_fail(req, ERR_TRANSFER_NOT_FOUND, NULL);
    transfer_write(req->db, req_data(req), req->who, &t, now_sec());
    return status;
}

/* ---- starting ---- */

/* The id of the first county on a path ("/1/12/345/"), 0 if none. */
static int64_t county_of(struct db *db, const char *path)
{
    for (const char *s = path; s && *s == '/' && s[1]; s = strchr(s + 1, '/')) {
        int64_t id = strtoll(s + 1, NULL, 10), hit = 0;
        if (db_get_int(db, &hit, "SELECT 1 FROM orgs WHERE id = ? AND level = 'county'", "i", id))
            return id;
    }
    return 0;
}

/* 'county' when both branches lie under the same county, else 'cross_county'. */
static const char *transfer_scope(struct db *db, const char *from_path, const char *to_path)
{
    int64_t a = county_of(db, from_path), b = county_of(db, to_path);
    return a && a == b ? "county" : "cross_county";
}

static const struct param start_body[] = {
    {"memberId", P_ID, P_REQUIRED},
    {"toOrgId", P_ID},
    {"toName", P_STR, 0, 1, 100},
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {NULL},
};

/* Checks the destination toOrgId for member m: fills *to_path; 0 or an error status. */
static int check_target(struct req *req, const struct member_rec *m, int64_t to,
                        const char **to_path)
{
    const char *level = NULL;
    bool closed = false;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT path, level, closed_at IS NOT NULL FROM orgs WHERE id = "
                                  "? AND deleted_at IS NULL",
                                  "i", to);
    if (db_next(st)) {
        *to_path = arena_strdup(&req->arena, db_text(st, 0));
        level = arena_strdup(&req->arena, db_text(st, 1));
        closed = db_int(st, 2) != 0;
    }
    db_done(st);
    if (!level)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (strcmp(level, "branch") && strcmp(level, "general_branch"))
        return req_fail_field(req, ERR_TRANSFER_BAD_TARGET, "toOrgId",
                              "a member transfers to a branch, not to a %s", level);
    if (closed)
        return req_fail_field(req, ERR_TRANSFER_BAD_TARGET, "toOrgId",
                              "organisation %" PRId64 " is closed", to);
    if (to == m->org_id)
        return req_fail_field(req, ERR_TRANSFER_BAD_TARGET, "toOrgId",
                              "the member is already in organisation %" PRId64, to);
    return 0;
}

/*
 * POST /api/v1/transfers {memberId, toOrgId | toName, reason} -> 201 the transfer
 * Starts a transfer out of the member's branch: to a branch of this system
 * (scope county or cross_county) or, with toName, out of it (outside).
 * Errors: member.not_found, org.not_found, transfer.bad_target,
 * member.not_on_roster, transfer.open_exists, request.invalid, auth.forbidden.
 * roster.write on the member's branch, or the member themself.
 */
static int h_start(struct req *req)
{
    int64_t member_id = req_body_int(req, "memberId", 0), to = req_body_int(req, "toOrgId", 0);
    const char *to_name = req_body_str(req, "toName");
    struct member_rec m;
    if (!member_load(req->db, &req->arena, member_id, &m, false))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    if (req->who->member_id != member_id && !req_allowed(req, PERM_ROSTER_WRITE, m.org_id)) {
        if (principal_can(req->who, PERM_ROSTER_READ, m.org_path))
            return req_fail(req, ERR_FORBIDDEN, "only the branch or the member starts a transfer");
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    }
    if ((to != 0) == (to_name != NULL))
        return req_fail_field(req, ERR_INVALID, to ? "toName" : "toOrgId",
                              "give either toOrgId (a branch) or toName (outside), not both");
    const char *to_path = NULL, *scope = "outside";
    if (to) {
        int rc = check_target(req, &m, to, &to_path);
        if (rc)
            return rc;
        scope = transfer_scope(req->db, m.org_path, to_path);
    }
    if (!member_status_counted(m.status))
        return req_fail(req, ERR_MEMBER_NOT_ON_ROSTER, "the member's status is %s", m.status);
    int64_t open = 0;
    if (db_get_int(req->db, &open,
                   "SELECT id FROM transfers WHERE member_id = ? AND state IN "
                   "('pending_approval', 'pending_acceptance')",
                   "i", member_id))
        return req_fail(req, ERR_TRANSFER_OPEN_EXISTS, "transfer %" PRId64 " is still open", open);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO transfers (member_id, from_org_id, from_path, to_org_id, to_path, "
            "to_name, scope, state, reason, initiated_by, initiated_at, created_at, updated_at, "
            "seq) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending_approval', ?, ?, ?, ?, ?, ?)",
            "iisIssssiiiii", member_id, m.org_id, m.org_path, to, to_path, to_name, scope,
            req_body_str(req, "reason"), req->who->account_id, now, now, now, db_next_seq(req->db));
    if (db_failed(req->db))
        return req_fail(req, ERR_DB, NULL);
    int64_t id = db_last_id(req->db);
    req_audit(req, "transfer.start", m.org_id, arena_printf(&req->arena, "transfer:%" PRId64, id),
              "ok", "member %" PRId64 " from org %" PRId64 " to org %" PRId64 " (%s)", member_id,
              m.org_id, to, scope);
    return transfer_respond(req, id, 201);
}

/* ---- the steps ---- */

/* Loads the transfer of a step (the dispatcher found it and let the caller
 * see it): 0 and *t, or an error status (state when it is not in state
 * `from` (NULL: either pending state), forbidden when may() says no). */
static int transfer_for_step(struct req *req, struct transfer *t,
                             bool (*may)(const struct principal *, const struct transfer *),
                             const char *from, const char *who)
{
    int64_t id = req->obj.id;
    if (!transfer_load(req->db, &req->arena, id, t))
        return req_fail(req, ERR_TRANSFER_NOT_FOUND, NULL);
    bool ok = from ? !strcmp(t->state, from) : is_pending(t);
    if (!ok)
        return req_fail(req, ERR_TRANSFER_STATE, "the transfer is %s", t->state);
    if (!may(req->who, t)) {
        req_audit(req, "access.denied", t->from_org_id,
                  arena_printf(&req->arena, "transfer:%" PRId64, id), "denied", "%s %s needs %s",
                  req->method, req->path, who);
        return req_fail(req, ERR_FORBIDDEN, "only %s may do this", who);
    }
    return 0;
}

/*
 * Moves the transfer from state `from` (NULL: either pending state) to `to`,
 * recording the caller and the time as the approver (approval) or the one
 * who decided, with the reason; completed_at when `to` is completed.
 * The UPDATE is conditional on the state, so of two racing requests only
 * one changes the row: 0, or 409 transfer.state for the other.
 */
static int transfer_set_state(struct req *req, const struct transfer *t, const char *from,
                              const char *to, bool approval, const char *reason, int64_t now)
{
    int64_t actor = req->who->account_id, seq = db_next_seq(req->db);
    int64_t completed = !strcmp(to, "completed") ? now : 0;
    const char *s1 = from ? from : "pending_approval", *s2 = from ? from : "pending_acceptance";
    if (approval)
        db_exec(req->db,
                "UPDATE transfers SET state = ?, approved_by = ?, approved_at = ?, completed_at = "
                "?, updated_at = ?, seq = ? WHERE id = ? AND state IN (?, ?)",
                "siiIiiiss", to, actor, now, completed, now, seq, t->id, s1, s2);
    else
        db_exec(req->db,
                "UPDATE transfers SET state = ?, decided_by = ?, decided_at = ?, decision_reason = "
                "?, completed_at = ?, updated_at = ?, seq = ? WHERE id = ? AND state IN (?, ?)",
                "siisIiiiss", to, actor, now, reason, completed, now, seq, t->id, s1, s2);
    if (db_failed(req->db))
        return req_fail(req, ERR_DB, NULL);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_TRANSFER_STATE, "the transfer is no longer %s",
                        from ? from : "pending");
    return 0;
}

/* Loads the member for completing t; 0 or 409 transfer.state when the member
 * is no longer on the from-branch's roster. */
static int member_for_move(struct req *req, const struct transfer *t, struct member_rec *m)
{
    if (!member_load(req->db, &req->arena, t->member_id, m, false) || m->org_id != t->from_org_id ||
        !member_status_counted(m->status))
        return req_fail(req, ERR_TRANSFER_STATE,
                        "the member is no longer on the roster of organisation %" PRId64,
                        t->from_org_id);
    return 0;
}

static const char *target(struct req *req, const struct transfer *t)
{
    return arena_printf(&req->arena, "transfer:%" PRId64, t->id);
}

/* Tells the member by SMS (their choice permitting) that step, now theirs,
 * waits for them: what (a template variable of up to 20 characters) says
 * what to do. Once per transfer and step (the outbox's dedupe key). */
static void transfer_sms(struct req *req, const struct transfer *t, const char *step,
                         const char *what)
{
    const char *vars[4] = {what};
    sms_to_member(
        req->db, t->member_id, SMS_TRANSFER, true, vars,
        arena_printf(&req->arena, "transfer:%" PRId64 ":%s:m:%" PRId64, t->id, step, t->member_id));
}

/* The name of the transfer's destination: the branch's, or as typed for one outside. */
static const char *transfer_to_name(struct req *req, const struct transfer *t)
{
    if (t->to_name)
        return t->to_name;
    const char *name = "";
    struct db_stmt *st = db_query(req->db, "SELECT name FROM orgs WHERE id = ?", "i", t->to_org_id);
    if (db_next(st))
        name = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return name;
}

/*
 * POST /api/v1/transfers/{id}/approve -> the transfer
 * The out side agrees: pending_approval -> pending_acceptance; for a
 * transfer out of the system (scope outside) this completes it and the
 * member's status becomes transferred_out. Errors: transfer.not_found,
 * transfer.state, auth.forbidden. transfer.approve above the from-branch.
 */
static int h_approve(struct req *req)
{
    struct transfer t;
    int rc = transfer_for_step(req, &t, may_approve, "pending_approval",
                               "the authority above the out-branch (transfer.approve)");
    if (rc)
        return rc;
    int64_t now = now_sec();
    bool outside = !strcmp(t.scope, "outside");
    rc = transfer_set_state(req, &t, "pending_approval",
                            outside ? "completed" : "pending_acceptance", true, NULL, now);
    if (rc)
        return rc;
    /* The member now reports to the receiving side with the letter (报到):
     * told before a transfer out of the system takes them off the roster. */
    transfer_sms(req, &t, "approved",
                 arena_printf(&req->arena, "到%s报到", transfer_to_name(req, &t)));
    if (outside) {
        struct member_rec old, m;
        rc = member_for_move(req, &t, &old);
        if (rc)
            return rc;
        m = old;
        m.status = "transferred_out";
        char today[11];
        date_today(today);
        m.status_since = arena_strdup(&req->arena, today);
        if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "transfer",
                          t.reason))
            return req_fail(req, ERR_DB, NULL);
        org_counts_event(req->db, t.from_path, "transfer_out", now);
    }
    req_audit(req, "transfer.approve", t.from_org_id, target(req, &t), "ok", "member %" PRId64 "%s",
              t.member_id, outside ? ", left the system" : "");
    return transfer_respond(req, t.id, 200);
}

static const struct param reason_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {NULL},
};

static const struct param optional_reason_body[] = {
    {"reason", P_STR, P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/transfers/{id}/reject {reason} -> the transfer
 * The out side declines: pending_approval -> rejected. Errors:
 * transfer.not_found, transfer.state, request.invalid, auth.forbidden.
 * transfer.approve above the from-branch.
 */
static int h_reject(struct req *req)
{
    struct transfer t;
    int rc = transfer_for_step(req, &t, may_approve, "pending_approval",
                               "the authority above the out-branch (transfer.approve)");
    if (rc)
        return rc;
    rc = transfer_set_state(req, &t, "pending_approval", "rejected", false,
                            req_body_str(req, "reason"), now_sec());
    if (rc)
        return rc;
    req_audit(req, "transfer.reject", t.from_org_id, target(req, &t), "ok", "member %" PRId64,
              t.member_id);
    return transfer_respond(req, t.id, 200);
}

/*
 * POST /api/v1/transfers/{id}/accept -> the transfer (completed)
 * The in side takes the member: pending_acceptance -> completed, and in the
 * same transaction the member moves to the new branch (no party group yet)
 * with counters, history and the transfer_in/out events. Errors:
 * transfer.not_found, transfer.state, auth.forbidden. Scope county:
 * roster.write on the to-branch; cross_county: transfer.approve above it.
 */
static int h_accept(struct req *req)
{
    struct transfer t;
    int rc = transfer_for_step(req, &t, may_accept, "pending_acceptance",
                               "the receiving side (roster.write on the branch, or "
                               "transfer.approve above it across counties)");
    if (rc)
        return rc;
    int64_t now = now_sec();
    rc = transfer_set_state(req, &t, "pending_acceptance", "completed", false, NULL, now);
    if (rc)
        return rc;
    struct member_rec old, m;
    rc = member_for_move(req, &t, &old);
    if (rc)
        return rc;
    m = old;
    m.org_id = t.to_org_id;
    m.org_path = t.to_path;
    m.group_id = 0;
    if (m.host_org_id == t.to_org_id)
        m.host_org_id = 0;
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "transfer", t.reason))
        return req_fail(req, ERR_DB, NULL);
    org_counts_event(req->db, t.from_path, "transfer_out", now);
    org_counts_event(req->db, t.to_path, "transfer_in", now);
    req_audit(req, "transfer.accept", t.to_org_id, target(req, &t), "ok",
              "member %" PRId64 " moved from org %" PRId64 " to org %" PRId64, t.member_id,
              t.from_org_id, t.to_org_id);
    return transfer_respond(req, t.id, 200);
}

/*
 * POST /api/v1/transfers/{id}/return {reason} -> the transfer
 * The in side sends it back: pending_acceptance -> returned. Errors:
 * transfer.not_found, transfer.state, request.invalid, auth.forbidden.
 * As for accept.
 */
static int h_return(struct req *req)
{
    struct transfer t;
    int rc = transfer_for_step(req, &t, may_accept, "pending_acceptance",
                               "the receiving side (roster.write on the branch, or "
                               "transfer.approve above it across counties)");
    if (rc)
        return rc;
    rc = transfer_set_state(req, &t, "pending_acceptance", "returned", false,
                            req_body_str(req, "reason"), now_sec());
    if (rc)
        return rc;
    transfer_sms(req, &t, "returned", "转入方已退回，请联系支部");
    req_audit(req, "transfer.return", t.to_org_id, target(req, &t), "ok", "member %" PRId64,
              t.member_id);
    return transfer_respond(req, t.id, 200);
}

/*
 * POST /api/v1/transfers/{id}/cancel {reason?} -> the transfer
 * Withdraws a pending transfer: pending_* -> cancelled. Errors:
 * transfer.not_found, transfer.state, auth.forbidden. The initiator, or
 * roster.write on the from-branch.
 */
static int h_cancel(struct req *req)
{
    struct transfer t;
    int rc = transfer_for_step(req, &t, may_cancel, NULL,
                               "the initiator or the out-branch (roster.write)");
    if (rc)
        return rc;
    rc = transfer_set_state(req, &t, NULL, "cancelled", false, req_body_str(req, "reason"),
                            now_sec());
    if (rc)
        return rc;
    req_audit(req, "transfer.cancel", t.from_org_id, target(req, &t), "ok", "member %" PRId64,
              t.member_id);
    return transfer_respond(req, t.id, 200);
}

/* ---- reading ---- */

/*
 * GET /api/v1/transfers/{id} -> the transfer
 * Errors: transfer.not_found (also when the caller may read neither
 * branch's roster and is not the member).
 */
static int h_get(struct req *req)
{
    struct transfer t;
    if (!transfer_load(req->db, &req->arena, req->obj.id, &t))
        return req_fail(req, ERR_TRANSFER_NOT_FOUND, NULL);
    transfer_write(req->db, req_data(req), req->who, &t, now_sec());
    return 200;
}

static const char *const transfer_states[] = {
    "pending_approval", "pending_acceptance", "completed", "rejected",
    "returned",         "cancelled",          NULL};

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"state", P_ENUM, 0, 0, 0, transfer_states},
    {"todo", P_BOOL},
    {"memberId", P_ID},
    PAGE_PARAMS,
    {NULL},
};

/* Writes the page of TRANSFER_COLUMNS rows, newest first; todo keeps only
 * the transfers the caller can act on now. */
static int transfer_list_respond(struct req *req, struct page *pg, struct db_stmt *st, bool todo)
{
    int64_t now = now_sec();
    while (db_next(st)) {
        struct transfer t;
        transfer_read(&req->arena, st, &t);
        if (todo && !(!strcmp(t.state, "pending_approval") && may_approve(req->who, &t)) &&
            !(!strcmp(t.state, "pending_acceptance") && may_accept(req->who, &t)))
            continue;
        if (pg->n == pg->limit) {
            pg->more = true;
            break;
        }
        transfer_write(req->db, pg->j, req->who, &t, now);
        pg->n++;
        page_mark_id(pg, t.id);
    }
    return page_end(pg, st);
}

/*
 * GET /api/v1/transfers?orgId=&state=&todo=&memberId=&after=&limit= -> {items, next}
 * Transfers out of or into the organisation's subtree, newest first; todo:
 * only those the caller can approve or accept now. Errors: org.not_found.
 * roster.read on orgId.
 */
static int h_list(struct req *req)
{
    int64_t after;
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *end = org_path_end(&req->arena, path), *state = req_query_str(req, "state");
    bool todo = req_query_int(req, "todo", 0) != 0;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " TRANSFER_COLUMNS " FROM transfers WHERE ((from_path >= ? AND from_path < ?) OR "
        "(to_path >= ? AND to_path < ?)) AND id < ? AND (? IS NULL OR state = ?) AND (? = 0 OR "
        "state IN ('pending_approval', 'pending_acceptance')) AND (? = 0 OR member_id = ?) "
        "ORDER BY id DESC",
        "ssssissiii", path, end, path, end, after ? after : INT64_MAX, state, state, (int64_t)todo,
        req_query_int(req, "memberId", 0), req_query_int(req, "memberId", 0));
    return transfer_list_respond(req, &pg, st, todo);
}

/*
 * GET /api/v1/me/transfers?after=&limit= -> {items, next}
 * The caller's own transfers as a member, newest first (empty without a
 * member record). Any logged-in caller.
 */
static int h_mine(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT " TRANSFER_COLUMNS " FROM transfers WHERE member_id = ? "
                 "AND id < ? ORDER BY id DESC",
                 "ii", req->who->member_id ? req->who->member_id : -1, after ? after : INT64_MAX);
    return transfer_list_respond(req, &pg, st, false);
}

const struct route transfers_routes[] = {
    {"POST", "/api/v1/transfers", h_start, SCOPE_LOGIN, PERM_NONE, NULL, NULL, start_body, 0},
    {"GET", "/api/v1/transfers", h_list, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", list_query,
     NULL, 0},
    {"GET", "/api/v1/transfers/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0,
     &transfer_kind, PARTY_SELF, SIDE_EITHER},
    /* The steps: the gate below, then the step's own authority (403) and state (409). */
    {"POST", "/api/v1/transfers/{id}/approve", h_approve, SCOPE_OBJECT, PERM_TRANSFER_APPROVE, NULL,
     NULL, NULL, ROUTE_SEEN_FORBIDS, &transfer_kind, PARTY_SELF, SIDE_EITHER},
    {"POST", "/api/v1/transfers/{id}/reject", h_reject, SCOPE_OBJECT, PERM_TRANSFER_APPROVE, NULL,
     NULL, reason_body, ROUTE_SEEN_FORBIDS, &transfer_kind, PARTY_SELF, SIDE_EITHER},
    {"POST", "/api/v1/transfers/{id}/accept", h_accept, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     NULL, ROUTE_SEEN_FORBIDS, &transfer_kind, PARTY_SELF, SIDE_EITHER},
    {"POST", "/api/v1/transfers/{id}/return", h_return, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     reason_body, ROUTE_SEEN_FORBIDS, &transfer_kind, PARTY_SELF, SIDE_EITHER},
    {"POST", "/api/v1/transfers/{id}/cancel", h_cancel, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     optional_reason_body, ROUTE_SEEN_FORBIDS, &transfer_kind, PARTY_SELF, SIDE_EITHER},
    {"GET", "/api/v1/me/transfers", h_mine, SCOPE_LOGIN, PERM_NONE, NULL, page_query, NULL, 0},
    {NULL},
};
