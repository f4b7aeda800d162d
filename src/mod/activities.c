/*
 * activities.c - the activities menu (活动菜单): a branch offers activities
 * (volunteer service, study session, visit to elderly members, ...) with
 * times, place and capacity; its members, and the migrant members it hosts,
 * sign up for those that fit them and withdraw before the start; the
 * organiser records who took part. Nobody is forced and nothing is ranked:
 * no scores, no counts per member across activities.
 *
 * Capacity is exact: every write holds the store's write lock from its
 * first statement, so concurrent sign-ups see each other's counters.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/activities.h"
#include "routes.h"

static const char *const activity_kinds[] = {"volunteer", "study", "elderly_visit", "other", NULL};
static const char *const activity_whens[] = {"upcoming", "past", "all", NULL};

#define ACTIVITY_COLS(F, C)                                                                        \
    F(ACTIVITY_COL_ID, "a.id")                                                                     \
    C(ACTIVITY_COL_ORG_ID, "a.org_id")                                                             \
    C(ACTIVITY_COL_ORG_NAME, "o.name")                                                             \
    C(ACTIVITY_COL_ORG_PATH, "a.org_path")                                                         \
    C(ACTIVITY_COL_KIND, "a.kind")                                                                 \
    C(ACTIVITY_COL_TITLE, "a.title")                                                               \
    C(ACTIVITY_COL_DESCRIPTION, "a.description")                                                   \
    C(ACTIVITY_COL_PLACE, "a.place")                                                               \
    C(ACTIVITY_COL_STARTS_AT, "a.starts_at")                                                       \
    C(ACTIVITY_COL_ENDS_AT, "a.ends_at")                                                           \
    C(ACTIVITY_COL_SIGNUP_DEADLINE, "a.signup_deadline")                                           \
    C(ACTIVITY_COL_CAPACITY, "a.capacity")                                                         \
    C(ACTIVITY_COL_WAITLIST, "a.waitlist")                                                         \
    C(ACTIVITY_COL_SIGNED_UP, "a.signed_up")                                                       \
    C(ACTIVITY_COL_WAITING, "a.waiting")                                                           \
    C(ACTIVITY_COL_CANCELLED_AT, "a.cancelled_at")                                                 \
    C(ACTIVITY_COL_CANCEL_REASON, "a.cancel_reason")                                               \
    C(ACTIVITY_COL_RECORDED_AT, "a.recorded_at")
enum activity_col { DB_COLUMN_ENUM(ACTIVITY_COLS) };
#define ACTIVITY_COLUMNS DB_COLUMNS(ACTIVITY_COLS)

struct activity {
    int64_t id, org_id;
    const char *org_name, *org_path, *kind, *title, *description, *place;
    int64_t starts_at, ends_at, deadline, capacity, signed_up, waiting, cancelled_at, recorded_at;
    bool waitlist;
    const char *cancel_reason;
};

static void activity_read(struct arena *a, struct db_stmt *st, struct activity *x)
{
    x->id = db_int(st, ACTIVITY_COL_ID);
    x->org_id = db_int(st, ACTIVITY_COL_ORG_ID);
    x->org_name = arena_strdup(a, db_text(st, ACTIVITY_COL_ORG_NAME));
    x->org_path = arena_strdup(a, db_text(st, ACTIVITY_COL_ORG_PATH));
    x->kind = arena_strdup(a, db_text(st, ACTIVITY_COL_KIND));
    x->title = arena_strdup(a, db_text(st, ACTIVITY_COL_TITLE));
    x->description = db_isnull(st, ACTIVITY_COL_DESCRIPTION)
                         ? NULL
                         : arena_strdup(a, db_text(st, ACTIVITY_COL_DESCRIPTION));
    x->place =
        db_isnull(st, ACTIVITY_COL_PLACE) ? NULL : arena_strdup(a, db_text(st, ACTIVITY_COL_PLACE));
    x->starts_at = db_int(st, ACTIVITY_COL_STARTS_AT);
    x->ends_at = db_int(st, ACTIVITY_COL_ENDS_AT);
    x->deadline = db_int(st, ACTIVITY_COL_SIGNUP_DEADLINE);
    x->capacity = db_int(st, ACTIVITY_COL_CAPACITY); /* 0: no limit */
    x->waitlist = db_int(st, ACTIVITY_COL_WAITLIST) != 0;
    x->signed_up = db_int(st, ACTIVITY_COL_SIGNED_UP);
    x->waiting = db_int(st, ACTIVITY_COL_WAITING);
    x->cancelled_at = db_int(st, ACTIVITY_COL_CANCELLED_AT);
    x->cancel_reason = db_isnull(st, ACTIVITY_COL_CANCEL_REASON)
                           ? NULL
                           : arena_strdup(a, db_text(st, ACTIVITY_COL_CANCEL_REASON));
    x->recorded_at = db_int(st, ACTIVITY_COL_RECORDED_AT);
}

static bool activity_load(struct req *req, int64_t id, struct activity *x)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " ACTIVITY_COLUMNS " FROM activities a JOIN orgs o ON "
                                  "o.id = a.org_id WHERE a.id = ? AND a.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found)
        activity_read(&req->arena, st, x);
    db_done(st);
    return found;
}

static bool life_member_of(struct req *req, int64_t org_id, bool hosted)
{
    int64_t n = 0;
    if (!req->who || !req->who->member_id)
        return false;
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM members WHERE id = ? AND deleted_at IS NULL AND status "
               "IN " ROSTER_STATUSES " AND (org_id = ? OR (? AND host_org_id = "
               "?))",
               "iiii", req->who->member_id, org_id, (int64_t)hosted, org_id);
    return n > 0;
}

bool life_can_see(struct req *req, int64_t org_id, bool hosted)
{
    const char *path = org_path(req->db, &req->arena, org_id);
    if (path && principal_can(req->who, PERM_ORG_READ, path))
        return true;
    if (path && life_member_of(req, org_id, hosted))
        return true;
    return req_allowed(req, PERM_ORG_READ, org_id); /* false; audits the denial */
}

/* Finds an activity for the dispatcher: its branch; the branch's members
 * and the migrants it hosts are its audience. */
static bool activity_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT a.org_id, o.path FROM activities a JOIN orgs o ON o.id "
                                  "= a.org_id WHERE a.id = ? AND a.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found)
        req_locate_row(req, st, o, false);
    db_done(st);
    if (found && life_member_of(req, o->org_id, true))
        o->party = PARTY_AUDIENCE;
    return found;
}

/* Seen by anyone with org.read on its branch and by its audience; organising
 * it needs activity.admin (403 to those who only see it). */
static const struct object_kind activity_kind = {
    .name = "activity",
    .not_found = ERR_ACTIVITY_NOT_FOUND,
    .see_perm = PERM_ORG_READ,
    .see_party = PARTY_AUDIENCE,
    .forbidden = ERR_FORBIDDEN,
    .locate = activity_locate,
};

/* The activity of an object route, authorised by the dispatcher: its fields. */
static int activity_get(struct req *req, struct activity *x)
{
    if (!activity_load(req, req->obj.id, x))
        return req_fail(req, ERR_ACTIVITY_NOT_FOUND, NULL);
    return 0;
}

static const char *activity_state(const struct activity *x, int64_t now)
{
    if (x->cancelled_at)
        return "cancelled";
    if (now < x->deadline)
        return "open";
    if (now < x->starts_at)
        return "closed";
    if (x->ends_at && now >= x->ends_at)
        return "ended";
    return "started";
}

/* The caller's sign-up state (NULL if none) and attendance (-1 unrecorded). */
static const char *my_signup(struct req *req, int64_t id, int *attended)
{
    const char *state = NULL;
    *attended = -1;
    if (!req->who || !req->who->member_id)
        return NULL;
    struct db_stmt *st = db_query(
        req->db,
        "SELECT state, attended FROM activity_signups WHERE activity_id = ? AND member_id = ?",
        "ii", id, req->who->member_id);
    if (db_next(st)) {
        state = arena_strdup(&req->arena, db_text(st, 0));
        *attended = db_isnull(st, 1) ? -1 : (int)db_int(st, 1);
    }
    db_done(st);
    return state;
}

static void activity_write(struct req *req, struct jw *j, const struct activity *x, bool detail)
{
    int64_t now = now_sec();
    int attended;
    const char *mine = my_signup(req, x->id, &attended);
    bool admin = principal_can(req->who, PERM_ACTIVITY_ADMIN, x->org_path);
    const char *state = activity_state(x, now);
    jw_obj_begin(j);
    jw_kv_int(j, "id", x->id);
    jw_kv_int(j, "orgId", x->org_id);
    jw_kv_str(j, "orgName", x->org_name);
    jw_kv_str(j, "kind", x->kind);
    jw_kv_str(j, "title", x->title);
    jw_kv_str(j, "description", x->description);
    jw_kv_str(j, "place", x->place);
    jw_kv_time(j, "startsAt", x->starts_at);
    jw_kv_time(j, "endsAt", x->ends_at);
    jw_kv_time(j, "signupDeadline", x->deadline);
    if (x->capacity)
        jw_kv_int(j, "capacity", x->capacity);
    else
        jw_kv_null(j, "capacity");
    jw_kv_bool(j, "waitlist", x->waitlist);
    jw_kv_int(j, "signedUp", x->signed_up);
    jw_kv_int(j, "waiting", x->waiting);
    if (x->capacity)
        jw_kv_int(j, "placesLeft", x->capacity > x->signed_up ? x->capacity - x->signed_up : 0);
    else
        jw_kv_null(j, "placesLeft");
    jw_kv_str(j, "state", state);
    jw_kv_time(j, "cancelledAt", x->cancelled_at);
    jw_kv_str(j, "cancelReason", x->cancel_reason);
    jw_kv_time(j, "recordedAt", x->recorded_at);
    jw_kv_str(j, "mine", mine);
    if (attended < 0)
        jw_kv_null(j, "attended");
    else
        jw_kv_bool(j, "attended", attended);
    bool active = mine && (!strcmp(mine, "signed_up") || !strcmp(mine, "waitlisted"));
    jw_kv_bool(j, "canSignUp",
               !strcmp(state, "open") && !active && life_member_of(req, x->org_id, true));
    jw_kv_bool(j, "canWithdraw", active && !x->cancelled_at && now < x->starts_at);
    jw_kv_bool(j, "canEdit", admin);
    if (detail && admin) {
        jw_key(j, "signups");
        jw_arr_begin(j);
        struct db_stmt *st = db_query(
            req->db,
            "SELECT s.member_id, m.name, s.state, s.attended, s.signed_at FROM activity_signups s "
            "JOIN members m ON m.id = s.member_id WHERE s.activity_id = ? ORDER BY CASE s.state "
            "WHEN 'signed_up' THEN 0 WHEN 'walk_in' THEN 1 WHEN 'waitlisted' THEN 2 ELSE 3 END, "
            "s.signed_at, s.seq",
            "i", x->id);
        while (db_next(st)) {
            jw_obj_begin(j);
            jw_kv_int(j, "memberId", db_int(st, 0));
            jw_kv_str(j, "name", db_text(st, 1));
            jw_kv_str(j, "state", db_text(st, 2));
            if (db_isnull(st, 3))
                jw_kv_null(j, "attended");
            else
                jw_kv_bool(j, "attended", db_int(st, 3));
            jw_kv_time(j, "signedAt", db_int(st, 4));
            jw_obj_end(j);
        }
        db_done(st);
        jw_arr_end(j);
    }
    jw_obj_end(j);
}

static int activity_respond(struct req *req, int64_t id, int status)
{
    struct activity x;
    if (!activity_load(req, id, &x))
        return req_fail(req, ERR_ACTIVITY_NOT_FOUND, NULL);
    activity_write(req, req_data(req), &x, true);
    return status;
}

static const struct param list_query[] = {
    {"orgId", P_ID},
    {"when", P_ENUM, 0, 0, 0, activity_whens},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/activities?orgId=&when=upcoming|past|all&after=&limit= ->
 * {items: [activity], next}. With orgId: that branch's activities (org.read
 * on it, or a member or hosted migrant of it; else org.not_found). Without:
 * those of the caller's own branch and the branch hosting them. upcoming
 * (default: not yet ended, soonest first), past (latest first), all.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), own = 0, host = 0;
    if (org && !life_can_see(req, org, true))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (!org && req->who->member_id) {
        struct db_stmt *st =
            db_query(req->db,
                     "SELECT org_id, host_org_id FROM members WHERE id = ? AND deleted_at IS NULL "
                     "AND status IN " ROSTER_STATUSES "",
                     "i", req->who->member_id);
        if (db_next(st))
            own = db_int(st, 0), host = db_int(st, 1);
        db_done(st);
    }
    const char *when = req_query_str(req, "when"), *raw;
    if (!when)
        when = "upcoming";
    bool past = !strcmp(when, "past");
    int rc = page_after_text(req, &raw);
    if (rc)
        return rc;
    int64_t after_t = past ? INT64_MAX : INT64_MIN, after_id = past ? INT64_MAX : 0;
    if (raw && sscanf(raw, "%" SCNd64 "|%" SCNd64, &after_t, &after_id) != 2)
        return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    int64_t now = now_sec();
    struct page pg;
    page_begin(req, &pg);
    bool all = !strcmp(when, "all");
    struct db_stmt *st;
    if (past)
        st = db_query(req->db,
                      "SELECT " ACTIVITY_COLUMNS " FROM activities a JOIN orgs o ON o.id = "
                      "a.org_id WHERE a.org_id IN (?, ?, ?) AND a.deleted_at IS NULL AND "
                      "COALESCE(a.ends_at, a.starts_at) <= ? AND (a.starts_at < ? OR (a.starts_at "
                      "= ? AND a.id < ?)) ORDER BY a.starts_at DESC, a.id DESC LIMIT ?",
                      "iiiiiiii", org, own, host, now, after_t, after_t, after_id,
                      (int64_t)pg.limit + 1);
    else
        st = db_query(req->db,
                      "SELECT " ACTIVITY_COLUMNS " FROM activities a JOIN orgs o ON o.id = "
                      "a.org_id WHERE a.org_id IN (?, ?, ?) AND a.deleted_at IS NULL AND "
                      "(COALESCE(a.ends_at, a.starts_at) > ? OR ?) AND (a.starts_at > ? OR "
                      "(a.starts_at = ? AND a.id > ?)) ORDER BY a.starts_at, a.id LIMIT ?",
                      "iiiiiiiii", org, own, host, now, (int64_t)all, after_t, after_t, after_id,
                      (int64_t)pg.limit + 1);
    struct activity x;
    while (page_next(&pg, st)) {
        activity_read(&req->arena, st, &x);
        activity_write(req, pg.j, &x, false);
        page_mark_text(&pg, arena_printf(&req->arena, "%" PRId64 "|%" PRId64, x.starts_at, x.id));
    }
    return page_end(&pg, st);
}

/* GET /api/v1/activities/{id} -> activity (with signups for an organiser).
 * Errors: activity.not_found. org.read on its branch, or a member of it. */
static int h_get(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    activity_write(req, req_data(req), &x, true);
    return 200;
}

/* Checks the times: start in the future, end after start, deadline not
 * after the start. 0 or the error. */
static int times_check(struct req *req, int64_t starts, int64_t ends, int64_t deadline)
{
    if (starts <= now_sec())
        return req_fail_field(req, ERR_INVALID, "startsAt", "the start must be in the future");
    if (ends && ends <= starts)
        return req_fail_field(req, ERR_INVALID, "endsAt", "the end must come after the start");
    if (deadline > starts)
        return req_fail_field(req, ERR_INVALID, "signupDeadline",
                              "the sign-up deadline must not be after the start");
    return 0;
}

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"kind", P_ENUM, P_REQUIRED, 0, 0, activity_kinds},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"description", P_STR, 0, 0, 2000},
    {"place", P_STR, 0, 0, 200},
    {"startsAt", P_TIME, P_REQUIRED},
    {"endsAt", P_TIME},
    {"signupDeadline", P_TIME},
    {"capacity", P_INT, 0, 1, 10000},
    {"waitlist", P_BOOL},
    {NULL},
};

/*
 * POST /api/v1/activities {orgId, kind, title, description?, place?,
 * startsAt, endsAt?, signupDeadline? (default: the start), capacity? (none:
 * no limit), waitlist?} -> 201 activity. orgId is a branch (or general
 * branch). Errors: org.not_found, org.closed, request.invalid (times, an
 * organisation that is not a branch). activity.admin on orgId.
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = NULL, *level = NULL;
    bool closed = false;
    struct db_stmt *st = db_query(
        req->db, "SELECT path, level, closed_at IS NOT NULL FROM orgs WHERE id = ?", "i", org);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        level = arena_strdup(&req->arena, db_text(st, 1));
        closed = db_int(st, 2) != 0;
    }
    db_done(st);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (closed)
        return req_fail(req, ERR_ORG_CLOSED, NULL);
    if (strcmp(level, "branch") && strcmp(level, "general_branch"))
        return req_fail_field(req, ERR_INVALID, "orgId", "activities are offered by a branch");
    int64_t starts = req_body(req, "startsAt")->i, ends = req_body_int(req, "endsAt", 0);
    const struct value *dl = req_body(req, "signupDeadline");
    int64_t deadline = dl->present ? dl->i : starts;
    int rc = times_check(req, starts, ends, deadline);
    if (rc)
        return rc;
    int64_t ts = now_sec();
    db_exec(
        req->db,
        "INSERT INTO activities (org_id, org_path, kind, title, description, place, starts_at, "
        "ends_at, signup_deadline, capacity, waitlist, created_by, created_at, updated_at, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "isssssiIiIiiiii", org, path, req_body_str(req, "kind"), req_body_str(req, "title"),
        req_body_str(req, "description"), req_body_str(req, "place"), starts, ends, deadline,
        req_body_int(req, "capacity", 0), req_body_int(req, "waitlist", 0), req->who->account_id,
        ts, ts, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    req_audit(req, "activity.create", org, arena_printf(&req->arena, "activity:%" PRId64, id), "ok",
              NULL);
    return activity_respond(req, id, 201);
}

/* Moves waiting members into free places, first come first served: in the
 * order of the change sequence their sign-up took (monotonic, so two sign-ups
 * in the same second keep their order; a waiting row is written again only
 * when it leaves the list). */
static void waitlist_promote(struct req *req, int64_t id)
{
    for (;;) {
        int64_t free_places = 0, next = 0;
        db_get_int(req->db, &free_places,
                   "SELECT CASE WHEN capacity IS NULL THEN 1000000 ELSE capacity - signed_up END "
                   "FROM activities WHERE id = ?",
                   "i", id);
        if (free_places <= 0)
            return;
        if (!db_get_int(req->db, &next,
                        "SELECT member_id FROM activity_signups WHERE activity_id = ? AND state = "
                        "'waitlisted' ORDER BY seq LIMIT 1",
                        "i", id))
            return;
        int64_t ts = now_sec();
        db_exec(req->db,
                "UPDATE activity_signups SET state = 'signed_up', updated_at = ?, seq = ? WHERE "
                "activity_id = ? AND member_id = ?",
                "iiii", ts, db_next_seq(req->db), id, next);
        db_exec(req->db,
                "UPDATE activities SET signed_up = signed_up + 1, waiting = waiting - 1 WHERE id "
                "= ?",
                "i", id);
        if (db_failed(req->db))
            return;
    }
}

static const struct param edit_body[] = {
    {"kind", P_ENUM, 0, 0, 0, activity_kinds},
    {"title", P_STR, P_NONBLANK, 1, 100},
    {"description", P_STR, 0, 0, 2000},
    {"place", P_STR, 0, 0, 200},
    {"startsAt", P_TIME, 0},
    {"endsAt", P_TIME},
    {"signupDeadline", P_TIME},
    {"capacity", P_INT, 0, 1, 10000},
    {"waitlist", P_BOOL},
    {NULL},
};

static const char *edit_str(struct req *req, const char *name, const char *old)
{
    const struct value *v = req_body(req, name);
    return v->null ? NULL : v->present ? v->s : old;
}

/*
 * PATCH /api/v1/activities/{id} {any field of the create but orgId; null
 * clears description, place, endsAt, capacity} -> activity. Only before the
 * start and when not cancelled (activity.state). A capacity below the places
 * taken is refused; a larger one moves waiting members in. activity.admin.
 */
static int h_edit(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    if (x.cancelled_at || now_sec() >= x.starts_at)
        return req_fail(req, ERR_ACTIVITY_STATE, "activity %" PRId64 " has %s", x.id,
                        x.cancelled_at ? "been cancelled" : "started");
    const struct value *v;
    int64_t starts = (v = req_body(req, "startsAt"))->present ? v->i : x.starts_at;
    int64_t ends = (v = req_body(req, "endsAt"))->null ? 0 : v->present ? v->i : x.ends_at;
    int64_t deadline = (v = req_body(req, "signupDeadline"))->present ? v->i : x.deadline;
    int64_t cap = (v = req_body(req, "capacity"))->null ? 0 : v->present ? v->i : x.capacity;
    bool waitlist = (v = req_body(req, "waitlist"))->present ? v->i : x.waitlist;
    if ((rc = times_check(req, starts, ends, deadline)))
        return rc;
    if (cap && cap < x.signed_up)
        return req_fail_field(req, ERR_INVALID, "capacity",
                              "%" PRId64 " members are signed up already", x.signed_up);
    int64_t ts = now_sec();
    db_exec(req->db,
            "UPDATE activities SET kind = ?, title = ?, description = ?, place = ?, starts_at = ?, "
            "ends_at = ?, signup_deadline = ?, capacity = ?, waitlist = ?, updated_at = ?, seq = ? "
            "WHERE id = ?",
            "ssssiIiIiiii", req_body_str(req, "kind") ? req_body_str(req, "kind") : x.kind,
            req_body_str(req, "title") ? req_body_str(req, "title") : x.title,
            edit_str(req, "description", x.description), edit_str(req, "place", x.place), starts,
            ends, deadline, cap, (int64_t)waitlist, ts, db_next_seq(req->db), x.id);
    waitlist_promote(req, x.id);
    req_audit(req, "activity.edit", x.org_id, arena_printf(&req->arena, "activity:%" PRId64, x.id),
              "ok", NULL);
    return activity_respond(req, x.id, 200);
}

static const struct param cancel_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 500},
    {NULL},
};

/* POST /api/v1/activities/{id}/cancel {reason} -> activity (state
 * cancelled). Only before the start. Errors: activity.state. activity.admin. */
static int h_cancel(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    if (x.cancelled_at || now_sec() >= x.starts_at)
        return req_fail(req, ERR_ACTIVITY_STATE, "activity %" PRId64 " has %s", x.id,
                        x.cancelled_at ? "been cancelled already" : "started");
    int64_t ts = now_sec();
    db_exec(req->db,
            "UPDATE activities SET cancelled_at = ?, cancel_reason = ?, updated_at = ?, seq = ? "
            "WHERE id = ?",
            "isiii", ts, req_body_str(req, "reason"), ts, db_next_seq(req->db), x.id);
    req_audit(req, "activity.cancel", x.org_id,
              arena_printf(&req->arena, "activity:%" PRId64, x.id), "ok", NULL);
    return activity_respond(req, x.id, 200);
}

/*
 * POST /api/v1/activities/{id}/signup -> activity (mine: signed_up, or
 * waitlisted when full and the activity keeps a waiting list). The caller's
 * own member record must be in the branch or hosted by it. Errors:
 * activity.not_found, activity.not_eligible, activity.closed (deadline
 * passed, cancelled), activity.signed_up, activity.full.
 */
static int h_signup(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    if (!life_member_of(req, x.org_id, true))
        return req_fail(req, ERR_ACTIVITY_NOT_ELIGIBLE, NULL);
    int64_t ts = now_sec();
    if (x.cancelled_at || ts >= x.deadline)
        return req_fail(req, ERR_ACTIVITY_CLOSED, NULL);
    int attended;
    const char *mine = my_signup(req, x.id, &attended);
    if (mine && (!strcmp(mine, "signed_up") || !strcmp(mine, "waitlisted")))
        return req_fail(req, ERR_ACTIVITY_SIGNED_UP, NULL);
    bool full = x.capacity && x.signed_up >= x.capacity;
    if (full && !x.waitlist)
        return req_fail(req, ERR_ACTIVITY_FULL, "all %" PRId64 " places are taken", x.capacity);
    const char *state = full ? "waitlisted" : "signed_up";
    db_exec(req->db,
            "INSERT INTO activity_signups (activity_id, member_id, state, signed_at, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id, member_id) "
            "DO UPDATE SET state = excluded.state, signed_at = excluded.signed_at, attended = "
            "NULL, updated_at = excluded.updated_at, seq = excluded.seq",
            "iisiiii", x.id, req->who->member_id, state, ts, ts, ts, db_next_seq(req->db));
    db_exec(req->db,
            full ? "UPDATE activities SET waiting = waiting + 1 WHERE id = ?"
                 : "UPDATE activities SET signed_up = signed_up + 1 WHERE id = ?",
            "i", x.id);
    req_audit(req, "activity.signup", x.org_id,
              arena_printf(&req->arena, "activity:%" PRId64, x.id), "ok", "%s", state);
    return activity_respond(req, x.id, 200);
}

/*
 * POST /api/v1/activities/{id}/withdraw -> activity. Before the start only;
 * a freed place goes to the first member waiting. Errors: activity.not_found,
 * activity.state (not signed up, started).
 */
static int h_withdraw(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    int attended;
    const char *mine = my_signup(req, x.id, &attended);
    bool was_in = mine && !strcmp(mine, "signed_up");
    if (!was_in && !(mine && !strcmp(mine, "waitlisted")))
        return req_fail(req, ERR_ACTIVITY_STATE, "you are not signed up for this activity");
    int64_t ts = now_sec();
    if (ts >= x.starts_at)
        return req_fail(req, ERR_ACTIVITY_STATE, "the activity has started");
    db_exec(req->db,
            "UPDATE activity_signups SET state = 'withdrawn', updated_at = ?, seq = ? WHERE "
            "activity_id = ? AND member_id = ?",
            "iiii", ts, db_next_seq(req->db), x.id, req->who->member_id);
    db_exec(req->db,
            was_in ? "UPDATE activities SET signed_up = signed_up - 1 WHERE id = ?"
                   : "UPDATE activities SET waiting = waiting - 1 WHERE id = ?",
            "i", x.id);
    if (!x.cancelled_at)
        waitlist_promote(req, x.id);
    req_audit(req, "activity.withdraw", x.org_id,
              arena_printf(&req->arena, "activity:%" PRId64, x.id), "ok", NULL);
    return activity_respond(req, x.id, 200);
}

static const struct param participation_body[] = {
    {"memberIds", P_IDS, P_REQUIRED, 0, 2000},
    {NULL},
};

/*
 * PUT /api/v1/activities/{id}/participation {memberIds} -> activity: who
 * took part (the whole list; members who came without signing up are added
 * as walk_in, signed-up members not listed are marked absent). After the
 * start, not for a cancelled activity (activity.state); every id a member of
 * the branch or hosted by it (request.invalid on memberIds). activity.admin.
 */
static int h_participation(struct req *req)
{
    struct activity x;
    int rc = activity_get(req, &x);
    if (rc)
        return rc;
    int64_t ts = now_sec();
    if (x.cancelled_at || ts < x.starts_at)
        return req_fail(req, ERR_ACTIVITY_STATE, "activity %" PRId64 " %s", x.id,
                        x.cancelled_at ? "was cancelled" : "has not started yet");
    const struct value *ids = req_body(req, "memberIds");
    for (size_t i = 0; i < ids->n; i++) {
        int64_t ok = 0;
        db_get_int(req->db, &ok,
                   "SELECT COUNT(*) FROM members WHERE id = ? AND deleted_at IS NULL AND (org_id = "
                   "? OR host_org_id = ?)",
                   "iii", ids->ids[i], x.org_id, x.org_id);
        if (!ok)
            return req_fail_field(req, ERR_INVALID, "memberIds",
                                  "member %" PRId64 " is not a member of this branch", ids->ids[i]);
    }
    int64_t seq = db_next_seq(req->db);
    db_exec(req->db,
            "UPDATE activity_signups SET attended = 0, updated_at = ?, seq = ? WHERE activity_id = "
            "? AND state IN ('signed_up', 'walk_in')",
            "iii", ts, seq, x.id);
    for (size_t i = 0; i < ids->n; i++)
        db_exec(req->db,
                "INSERT INTO activity_signups (activity_id, member_id, state, signed_at, attended, "
                "created_at, updated_at, seq) VALUES (?, ?, 'walk_in', ?, 1, ?, ?, ?) ON CONFLICT "
                "(activity_id, member_id) DO UPDATE SET attended = 1, state = CASE WHEN state = "
                "'signed_up' THEN state ELSE 'walk_in' END, updated_at = excluded.updated_at, seq "
                "= excluded.seq",
                "iiiiii", x.id, ids->ids[i], ts, ts, ts, seq);
    /* A member who was waiting and took part is a walk-in now: count again. */
    db_exec(req->db,
            "UPDATE activities SET recorded_at = ?, updated_at = ?, seq = ?, signed_up = (SELECT "
            "COUNT(*) FROM activity_signups WHERE activity_id = activities.id AND state = "
            "'signed_up'), waiting = (SELECT COUNT(*) FROM activity_signups WHERE activity_id = "
            "activities.id AND state = 'waitlisted') WHERE id = ?",
            "iiii", ts, ts, db_next_seq(req->db), x.id);
    req_audit(req, "activity.participation", x.org_id,
              arena_printf(&req->arena, "activity:%" PRId64, x.id), "ok", "%zu took part", ids->n);
    return activity_respond(req, x.id, 200);
}

/* The activity's title for a poll option (the same branch, not cancelled);
 * NULL when it is not one. */
const char *activity_title_for_poll(struct req *req, int64_t id, int64_t org_id)
{
    const char *title = NULL;
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT title FROM activities WHERE id = ? AND org_id = ? AND deleted_at IS NULL "
                 "AND cancelled_at IS NULL",
                 "ii", id, org_id);
    if (db_next(st))
        title = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return title;
}

const struct route activities_routes[] = {
    {"GET", "/api/v1/activities", h_list, SCOPE_LOGIN, PERM_NONE, NULL, list_query, NULL, 0},
    {"POST", "/api/v1/activities", h_create, SCOPE_BODY_ORG, PERM_ACTIVITY_ADMIN, "orgId", NULL,
     create_body, 0},
    {"GET", "/api/v1/activities/{id}", h_get, SCOPE_OBJECT, PERM_ORG_READ, NULL, NULL, NULL, 0,
     &activity_kind, PARTY_AUDIENCE},
    {"PATCH", "/api/v1/activities/{id}", h_edit, SCOPE_OBJECT, PERM_ACTIVITY_ADMIN, NULL, NULL,
     edit_body, ROUTE_SEEN_FORBIDS, &activity_kind},
    {"POST", "/api/v1/activities/{id}/cancel", h_cancel, SCOPE_OBJECT, PERM_ACTIVITY_ADMIN, NULL,
     NULL, cancel_body, ROUTE_SEEN_FORBIDS, &activity_kind},
    {"POST", "/api/v1/activities/{id}/signup", h_signup, SCOPE_OBJECT, PERM_ORG_READ, NULL, NULL,
     NULL, 0, &activity_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/activities/{id}/withdraw", h_withdraw, SCOPE_OBJECT, PERM_ORG_READ, NULL,
     NULL, NULL, 0, &activity_kind, PARTY_AUDIENCE},
    {"PUT", "/api/v1/activities/{id}/participation", h_participation, SCOPE_OBJECT,
     PERM_ACTIVITY_ADMIN, NULL, NULL, participation_body, ROUTE_SEEN_FORBIDS, &activity_kind},
    {NULL},
};
