/*
 * corrections.c - a member proposes corrections to their own record; the
 * branch secretary (roster.write) accepts or rejects them. The proposed
 * values are sealed at rest (they may hold an ID number or a phone); an
 * accepted correction goes through the same validation and history as an
 * edit.
 */
#include "app.h"
#include "core/validate.h"
#include "mod/members.h"
#include "mod/members_rec.h"
#include "mod/orgs.h"
#include "routes.h"

/* The sealed proposal, opened, back into values (declared fields only). */
static size_t proposal_values(struct arena *a, const char *json, struct value **out)
{
    return values_from_json_text(a, member_correction_fields, json, out);
}

static bool is_personal(const char *field)
{
    return !strcmp(field, "idNumber") || !strcmp(field, "phone") || !strcmp(field, "address");
}

/* The proposal as JSON for the reader: ID number, phone and address masked
 * unless full (the reader is the member or may reveal them). Returns whether
 * one of them was written in full. */
static bool proposal_write(struct req *req, struct jw *j, const char *json, bool full)
{
    struct value *vals;
    size_t n = proposal_values(&req->arena, json, &vals);
    bool shown = false;
    jw_obj_begin(j);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(vals[i].name, "note") || (!vals[i].present && !vals[i].null))
            continue;
        jw_key(j, vals[i].name);
        if (vals[i].null)
            jw_null(j);
        else if (vals[i].type == P_BOOL)
            jw_bool(j, vals[i].i != 0);
        else if (!full && !strcmp(vals[i].name, "idNumber"))
            jw_str(j, idnum_mask(&req->arena, vals[i].s));
        else if (!full && !strcmp(vals[i].name, "phone"))
            jw_str(j, pdata_mask_phone(&req->arena, vals[i].s));
        else if (!full && !strcmp(vals[i].name, "address"))
            jw_str(j, "******");
        else
            jw_str(j, vals[i].s);
        shown |= full && is_personal(vals[i].name);
    }
    jw_obj_end(j);
    return shown;
}

#define CORRECTION_COLS(F, C)                                                                      \
    F(CORRECTION_COL_ID, "c.id")                                                                   \
    C(CORRECTION_COL_MEMBER_ID, "c.member_id")                                                     \
    C(CORRECTION_COL_MEMBER_NAME, "m.name")                                                        \
    C(CORRECTION_COL_FIELDS, "c.fields")                                                           \
    C(CORRECTION_COL_NOTE, "c.note")                                                               \
    C(CORRECTION_COL_STATE, "c.state")                                                             \
    C(CORRECTION_COL_CREATED_AT, "c.created_at")                                                   \
    C(CORRECTION_COL_DECIDED_AT, "c.decided_at")                                                   \
    C(CORRECTION_COL_DECISION_REASON, "c.decision_reason")                                         \
    C(CORRECTION_COL_DECIDED_BY_NAME, "d.name")                                                    \
    C(CORRECTION_COL_CHANGES_SEALED, "c.changes_sealed")                                           \
    C(CORRECTION_COL_ORG_ID, "m.org_id")                                                           \
    C(CORRECTION_COL_ORG_NAME, "o.name")                                                           \
    C(CORRECTION_COL_ORG_PATH, "m.org_path")
enum correction_col { DB_COLUMN_ENUM(CORRECTION_COLS) };
#define CORRECTION_COLUMNS DB_COLUMNS(CORRECTION_COLS)

/* Writes one correction; returns whether it showed another member's ID
 * number, phone or address in full (a reveal the caller audits). */
static bool correction_write(struct req *req, struct jw *j, struct db_stmt *st)
{
    size_t n;
    const unsigned char *b = db_blob(st, CORRECTION_COL_CHANGES_SEALED, &n);
    const char *json = b && n ? pdata_open(&req->arena, "member.correction", b, n) : NULL;
    bool self = req->who->member_id == db_int(st, CORRECTION_COL_MEMBER_ID);
    bool full =
        self || principal_can(req->who, PERM_PDATA_REVEAL, db_text(st, CORRECTION_COL_ORG_PATH));
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, CORRECTION_COL_ID));
    jw_kv_int(j, "memberId", db_int(st, CORRECTION_COL_MEMBER_ID));
    jw_kv_str(j, "memberName", db_text(st, CORRECTION_COL_MEMBER_NAME));
    jw_kv_int(j, "orgId", db_int(st, CORRECTION_COL_ORG_ID));
    jw_kv_str(j, "orgName", db_text(st, CORRECTION_COL_ORG_NAME));
    jw_kv_str(j, "fields", db_text(st, CORRECTION_COL_FIELDS));
    jw_key(j, "changes");
    bool shown = proposal_write(req, j, json, full);
    jw_kv_str(j, "note", db_text(st, CORRECTION_COL_NOTE));
    jw_kv_str(j, "state", db_text(st, CORRECTION_COL_STATE));
    jw_kv_time(j, "createdAt", db_int(st, CORRECTION_COL_CREATED_AT));
    jw_kv_time(j, "decidedAt", db_int(st, CORRECTION_COL_DECIDED_AT));
    jw_kv_str(j, "decisionReason", db_text(st, CORRECTION_COL_DECISION_REASON));
    jw_kv_str(j, "decidedBy", db_text(st, CORRECTION_COL_DECIDED_BY_NAME));
    jw_obj_end(j);
    return shown && !self;
}

/* One audit row for a list that showed proposed personal data in full. */
static void audit_revealed(struct req *req, int64_t org, const char *target, int64_t shown)
{
    if (shown)
        req_audit(req, "member.correction.reveal", org, target, "ok",
                  "%" PRId64 " proposals with an ID number, phone or address shown in full", shown);
}

static int correction_respond(struct req *req, int64_t id, int status)
{
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " CORRECTION_COLUMNS " FROM member_corrections c JOIN members m ON m.id = "
        "c.member_id JOIN orgs o ON o.id = m.org_id LEFT JOIN accounts d ON d.id = c.decided_by "
        "WHERE c.id = ?",
        "i", id);
    if (db_next(st))
        correction_write(req, req_data(req), st);
    db_done(st);
    return status;
}

/*
 * POST /api/v1/members/{id}/corrections {any of the correctable fields, note}
 * -> 201 the correction (state pending). Only on one's own record; the
 * record with the changes applied must be valid (field errors now, not
 * when the secretary decides). An ID number registered on a record the
 * member may not see is not refused here (that would tell them it is
 * registered): the proposal waits like any other and the decision checks it.
 * At most proposals_per_hour (a member corrects a record now and then; many
 * an hour is probing). Errors: member.not_found,
 * member.invalid, member.duplicate (a record the member may reveal),
 * request.rate_limited.
 */
static int h_propose(struct req *req)
{
    struct member_rec old, m;
    int64_t id = req_id(req);
    if (req->who->member_id != id || !member_load(req->db, &req->arena, id, &old, true))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    m = old;
    member_fields_apply(&m, req->body, req->nbody);
    const char *fields = member_changed_fields(&req->arena, &old, &m);
    if (!fields)
        return req_fail(req, ERR_MEMBER_INVALID, "the proposal changes nothing");
    int rc = req_rate_limit(req, "member.correction.propose", cfg.proposals_per_hour);
    if (!rc)
        rc = member_fields_check(req, &m);
    if (!rc)
        rc = member_id_check(req, &m, true);
    if (rc)
        return rc;
    size_t len;
    const char *json = arena_strndup(&req->arena, req->body_raw.data, req->body_raw.len);
    unsigned char *sealed = pdata_seal(&req->arena, "member.correction", json, &len);
    int64_t ts = now_sec();
    db_exec(req->db,
            "INSERT INTO member_corrections (member_id, proposed_by, changes_sealed, fields, note, "
            "created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "iibssiii", id, req->who->account_id, sealed, len, fields, req_body_str(req, "note"),
            ts, ts, db_next_seq(req->db));
    int64_t cid = db_last_id(req->db);
    req_audit(req, "member.correction.propose", old.org_id,
              arena_printf(&req->arena, "member:%" PRId64, id), "ok", "fields %s", fields);
    return correction_respond(req, cid, 201);
}

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"state", P_ENUM, 0, 0, 0, (const char *const[]){"pending", "accepted", "rejected", NULL}},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/corrections?orgId=&state=pending -> {items, next}: the
 * corrections proposed by members of the subtree, oldest first (the
 * secretary's inbox). ID number, phone and address masked unless the
 * caller has pdata.reveal on the member's branch; a page that showed any in
 * full is audited (member.correction.reveal). roster.write on orgId.
 * Errors: org.not_found.
 */
static int h_inbox(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " CORRECTION_COLUMNS " FROM member_corrections c JOIN members m ON m.id = "
        "c.member_id JOIN orgs o ON o.id = m.org_id LEFT JOIN accounts d ON d.id = c.decided_by "
        "WHERE m.org_path >= ? AND m.org_path < ? AND c.state = COALESCE(?, c.state) AND c.id > ? "
        "ORDER BY c.id LIMIT ?",
        "sssii", path, org_path_end(&req->arena, path), req_query_str(req, "state"), after,
        (int64_t)pg.limit + 1);
    int64_t org = req_query_int(req, "orgId", 0), shown = 0;
    while (page_next(&pg, st)) {
        shown += correction_write(req, pg.j, st);
        page_mark_id(&pg, db_int(st, CORRECTION_COL_ID));
    }
    audit_revealed(req, org, arena_printf(&req->arena, "org:%" PRId64, org), shown);
    return page_end(&pg, st);
}

/*
 * GET /api/v1/members/{id}/corrections -> {items, next}: the member's
 * corrections, newest first, masked and audited as the inbox. The member or
 * roster.read.
 */
static int h_member_list(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " CORRECTION_COLUMNS " FROM member_corrections c JOIN members m ON m.id = "
        "c.member_id JOIN orgs o ON o.id = m.org_id LEFT JOIN accounts d ON d.id = c.decided_by "
        "WHERE c.member_id = ? ORDER BY c.id DESC LIMIT 100",
        "i", m.id);
    int64_t shown = 0;
    while (db_next(st))
        shown += correction_write(req, j, st);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    audit_revealed(req, m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id), shown);
    return 200;
}

static bool correction_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return req_locate(
        req,
        "SELECT m.org_id, m.org_path FROM member_corrections c JOIN members m ON m.id "
        "= c.member_id WHERE c.id = ?",
        id, o);
}

/* A member's proposed correction: on the member's branch. */
static const struct object_kind correction_kind = {
    .name = "correction",
    .not_found = ERR_CORRECTION_NOT_FOUND,
    .locate = correction_locate,
};

/* Loads the pending correction of an object route (authorised by the
 * dispatcher); 0 or the error (correction.state when decided already). */
static int correction_get(struct req *req, int64_t id, int64_t *member_id, const char **json)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT member_id, state, changes_sealed FROM "
                                  "member_corrections WHERE id = ?",
                                  "i", id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_CORRECTION_NOT_FOUND, NULL);
    }
    *member_id = db_int(st, 0);
    bool pending = !strcmp(db_text(st, 1), "pending");
    size_t n;
    const unsigned char *b = db_blob(st, 2, &n);
    *json = b && n ? pdata_open(&req->arena, "member.correction", b, n) : NULL;
    db_done(st);
    if (!pending)
        return req_fail(req, ERR_CORRECTION_STATE, NULL);
    return 0;
}

static int decide(struct req *req, int64_t id, const char *state, const char *reason)
{
    int64_t ts = now_sec();
    db_exec(req->db,
            "UPDATE member_corrections SET state = ?, decided_by = ?, decided_at = ?, "
            "decision_reason = ?, updated_at = ?, seq = ? WHERE id = ? AND state = 'pending'",
            "siisiii", state, req->who->account_id, ts, reason, ts, db_next_seq(req->db), id);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_CORRECTION_STATE, NULL);
    return 0;
}

/*
 * POST /api/v1/corrections/{id}/accept -> the correction (accepted); the
 * record is updated as by an edit (history kind "correction"). The record
 * must still be valid with the changes. Errors: correction.not_found,
 * correction.state, member.invalid. roster.write on the member's branch.
 */
static int h_accept(struct req *req)
{
    int64_t id = req_id(req), member_id;
    const char *json;
    int rc = correction_get(req, id, &member_id, &json);
    if (rc)
        return rc;
    struct member_rec old, m;
    if (!member_load(req->db, &req->arena, member_id, &old, true))
        return req_fail(req, ERR_CORRECTION_NOT_FOUND, NULL);
    m = old;
    struct value *vals;
    size_t n = proposal_values(&req->arena, json, &vals);
    member_fields_apply(&m, vals, n);
    rc = member_record_check(req, &m);
    if (rc)
        return rc;
    rc = decide(req, id, "accepted", NULL);
    if (rc)
        return rc;
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "correction", NULL))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "member.correction.accept", m.org_id,
              arena_printf(&req->arena, "member:%" PRId64, m.id), "ok", "correction %" PRId64, id);
    return correction_respond(req, id, 200);
}

static const struct param reject_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/corrections/{id}/reject {reason} -> the correction
 * (rejected, the reason shown to the member). Errors: correction.not_found,
 * correction.state. roster.write on the member's branch.
 */
static int h_reject(struct req *req)
{
    int64_t id = req_id(req), member_id;
    const char *json;
    int rc = correction_get(req, id, &member_id, &json);
    if (rc)
        return rc;
    rc = decide(req, id, "rejected", req_body_str(req, "reason"));
    if (rc)
        return rc;
    req_audit(req, "member.correction.reject", 0,
              arena_printf(&req->arena, "member:%" PRId64, member_id), "ok", "correction %" PRId64,
              id);
    return correction_respond(req, id, 200);
}

const struct route corrections_routes[] = {
    {"POST", "/api/v1/members/{id}/corrections", h_propose, SCOPE_LOGIN, PERM_NONE, NULL, NULL,
     member_correction_fields, 0},
    {"GET", "/api/v1/members/{id}/corrections", h_member_list, SCOPE_OBJECT, PERM_ROSTER_READ, NULL,
     NULL, NULL, 0, &member_kind, PARTY_SELF, SIDE_EITHER},
    {"GET", "/api/v1/corrections", h_inbox, SCOPE_QUERY_ORG, PERM_ROSTER_WRITE, "orgId", list_query,
     NULL, 0},
    {"POST", "/api/v1/corrections/{id}/accept", h_accept, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, NULL, 0, &correction_kind},
    {"POST", "/api/v1/corrections/{id}/reject", h_reject, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, reject_body, 0, &correction_kind},
    {NULL},
};
