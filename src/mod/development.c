/*
 * development.c - the member development pipeline (发展党员): an application
 * (入党申请) -> talk within a month -> activist (积极分子) -> development target
 * (发展对象) after at least a year -> political review and training ->
 * admission by the branch assembly (预备党员: the member record is created)
 * -> approval by the higher committee -> full member after a year of
 * probation (extended once by up to a year, or cancelled).
 *
 * Each step is a row in applicant_steps with who and when; the applicant row
 * holds the dates and the stage. org_counts dim 'stage' follows every stage
 * change, so the summary of any subtree comes from the counters.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/development.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "routes.h"

/* Intervals, in months, from DOMAIN.md. */
#define DEV_TALK_DUE_MONTHS 1      /* talk within a month of the application */
#define DEV_ACTIVIST_MIN_MONTHS 12 /* a year as an activist before becoming a target */
#define DEV_APPROVE_DUE_MONTHS 3   /* the higher committee approves within three months */
#define DEV_PROBATION_MONTHS 12    /* a year of probation */
#define DEV_EXTEND_MAX_MONTHS 12   /* extended once, by at most a year */

static const char *const dev_stages[] = {"applicant", "activist",  "target",    "probationary",
                                         "full",      "cancelled", "withdrawn", NULL};
static const char *const dev_steps[] = {"talk",     "activist", "target",   "review",
                                        "training", "admit",    "approve",  "extend",
                                        "full",     "cancel",   "withdraw", NULL};

/* date + months as "YYYY-MM-DD" (arena; the month's last day when it is
 * shorter); NULL when date is NULL or not a date. */
static const char *add_months(struct arena *a, const char *date, int months)
{
    char out[11];
    return date && date_add_months(date, months, out) ? arena_strdup(a, out) : NULL;
}

static const char *today_str(struct arena *a)
{
    char t[11];
    date_today(t);
    return arena_strdup(a, t);
}

struct applicant {
    int64_t id, org_id, member_id, contact1, contact2, created_at;
    bool extended;
    const char *org_path, *org_name, *name, *gender, *birth_date, *ethnicity, *education,
        *occupation, *id_mask, *phone_mask, *stage, *applied_at, *talked_at, *activist_at,
        *target_at, *reviewed_at, *trained_at, *admitted_at, *approved_at, *full_due, *full_at,
        *ended_at, *end_reason, *contact1_name, *contact2_name;
};

#define APP_COLS(F, C)                                                                             \
    F(APP_COL_ID, "a.id")                                                                          \
    C(APP_COL_ORG_ID, "a.org_id")                                                                  \
    C(APP_COL_MEMBER_ID, "a.member_id")                                                            \
    C(APP_COL_CONTACT1_ID, "a.contact1_id")                                                        \
    C(APP_COL_CONTACT2_ID, "a.contact2_id")                                                        \
    C(APP_COL_CREATED_AT, "a.created_at")                                                          \
    C(APP_COL_EXTENDED, "a.extended")                                                              \
    C(APP_COL_ORG_PATH, "a.org_path")                                                              \
    C(APP_COL_ORG_NAME, "o.name")                                                                  \
    C(APP_COL_NAME, "a.name")                                                                      \
    C(APP_COL_GENDER, "a.gender")                                                                  \
    C(APP_COL_BIRTH_DATE, "a.birth_date")                                                          \
    C(APP_COL_ETHNICITY, "a.ethnicity")                                                            \
    C(APP_COL_EDUCATION, "a.education")                                                            \
    C(APP_COL_OCCUPATION, "a.occupation")                                                          \
    C(APP_COL_ID_MASK, "a.id_mask")                                                                \
    C(APP_COL_PHONE_MASK, "a.phone_mask")                                                          \
    C(APP_COL_STAGE, "a.stage")                                                                    \
    C(APP_COL_APPLIED_AT, "a.applied_at")                                                          \
    C(APP_COL_TALKED_AT, "a.talked_at")                                                            \
    C(APP_COL_ACTIVIST_AT, "a.activist_at")                                                        \
    C(APP_COL_TARGET_AT, "a.target_at")                                                            \
    C(APP_COL_REVIEWED_AT, "a.reviewed_at")                                                        \
    C(APP_COL_TRAINED_AT, "a.trained_at")                                                          \
    C(APP_COL_ADMITTED_AT, "a.admitted_at")                                                        \
    C(APP_COL_APPROVED_AT, "a.approved_at")                                                        \
    C(APP_COL_FULL_DUE, "a.full_due")                                                              \
    C(APP_COL_FULL_AT, "a.full_at")                                                                \
    C(APP_COL_ENDED_AT, "a.ended_at")                                                              \
    C(APP_COL_END_REASON, "a.end_reason")                                                          \
    C(APP_COL_END_REASON_SEALED, "a.end_reason_sealed")                                            \
    C(APP_COL_CONTACT1_NAME, "(SELECT name FROM members WHERE id = a.contact1_id)")                \
    C(APP_COL_CONTACT2_NAME, "(SELECT name FROM members WHERE id = a.contact2_id)")
enum app_col { DB_COLUMN_ENUM(APP_COLS) };
#define APP_COLUMNS DB_COLUMNS(APP_COLS) " FROM applicants a JOIN orgs o ON o.id = a.org_id"

static const char *col(struct arena *a, struct db_stmt *st, int i)
{
    return db_isnull(st, i) ? NULL : arena_strdup(a, db_text(st, i));
}

/* Column sealed opened, else the plain column of a row written before
 * migration 0013 (sealed at start-up); NULL when neither is set. */
static const char *col_sealed(struct arena *a, struct db_stmt *st, int sealed, int plain)
{
    size_t n;
    const unsigned char *b = db_blob(st, sealed, &n);
    return b && n ? pdata_open(a, "applicant.note", b, n) : col(a, st, plain);
}

/* Text that may tell why a development ended (a political review) sealed:
 * an arena blob of *len bytes, NULL (and 0) for no text. */
static unsigned char *note_seal(struct arena *a, const char *text, size_t *len)
{
    *len = 0;
    return text ? pdata_seal(a, "applicant.note", text, len) : NULL;
}

static void applicant_read(struct arena *ar, struct db_stmt *st, struct applicant *a)
{
    a->id = db_int(st, APP_COL_ID);
    a->org_id = db_int(st, APP_COL_ORG_ID);
    a->member_id = db_int(st, APP_COL_MEMBER_ID);
    a->contact1 = db_int(st, APP_COL_CONTACT1_ID);
    a->contact2 = db_int(st, APP_COL_CONTACT2_ID);
    a->created_at = db_int(st, APP_COL_CREATED_AT);
    a->extended = db_int(st, APP_COL_EXTENDED) != 0;
    a->org_path = col(ar, st, APP_COL_ORG_PATH);
    a->org_name = col(ar, st, APP_COL_ORG_NAME);
    a->name = col(ar, st, APP_COL_NAME);
    a->gender = col(ar, st, APP_COL_GENDER);
    a->birth_date = col(ar, st, APP_COL_BIRTH_DATE);
    a->ethnicity = col(ar, st, APP_COL_ETHNICITY);
    a->education = col(ar, st, APP_COL_EDUCATION);
    a->occupation = col(ar, st, APP_COL_OCCUPATION);
    a->id_mask = col(ar, st, APP_COL_ID_MASK);
    a->phone_mask = col(ar, st, APP_COL_PHONE_MASK);
    a->stage = col(ar, st, APP_COL_STAGE);
    a->applied_at = col(ar, st, APP_COL_APPLIED_AT);
    a->talked_at = col(ar, st, APP_COL_TALKED_AT);
    a->activist_at = col(ar, st, APP_COL_ACTIVIST_AT);
    a->target_at = col(ar, st, APP_COL_TARGET_AT);
    a->reviewed_at = col(ar, st, APP_COL_REVIEWED_AT);
    a->trained_at = col(ar, st, APP_COL_TRAINED_AT);
    a->admitted_at = col(ar, st, APP_COL_ADMITTED_AT);
    a->approved_at = col(ar, st, APP_COL_APPROVED_AT);
    a->full_due = col(ar, st, APP_COL_FULL_DUE);
    a->full_at = col(ar, st, APP_COL_FULL_AT);
    a->ended_at = col(ar, st, APP_COL_ENDED_AT);
    a->end_reason = col_sealed(ar, st, APP_COL_END_REASON_SEALED, APP_COL_END_REASON);
    a->contact1_name = col(ar, st, APP_COL_CONTACT1_NAME);
    a->contact2_name = col(ar, st, APP_COL_CONTACT2_NAME);
}

static bool applicant_load(struct req *req, int64_t id, struct applicant *a)
{
    struct db_stmt *st = db_query(
        req->db, "SELECT " APP_COLUMNS " WHERE a.id = ? AND a.deleted_at IS NULL", "i", id);
    bool found = db_next(st);
    if (found)
        applicant_read(&req->arena, st, a);
    db_done(st);
    return found;
}

/* The next step, the earliest date it may happen and the date it is due
 * (either NULL), and whether it is overdue today. */
struct dev_next {
    const char *step, *earliest, *due;
    bool overdue;
};

static void applicant_next(struct arena *ar, const struct applicant *a, struct dev_next *n)
{
    memset(n, 0, sizeof(*n));
    const char *s = a->stage;
    if (!strcmp(s, "applicant")) {
        n->step = a->talked_at ? "activist" : "talk";
        if (!a->talked_at)
            n->due = add_months(ar, a->applied_at, DEV_TALK_DUE_MONTHS);
    } else if (!strcmp(s, "activist")) {
        n->step = "target";
        n->earliest = add_months(ar, a->activist_at, DEV_ACTIVIST_MIN_MONTHS);
    } else if (!strcmp(s, "target")) {
        n->step = !a->reviewed_at ? "review" : !a->trained_at ? "training" : "admit";
    } else if (!strcmp(s, "probationary")) {
        if (!a->approved_at) {
            n->step = "approve";
            n->due = add_months(ar, a->admitted_at, DEV_APPROVE_DUE_MONTHS);
        } else {
            n->step = "full";
            n->earliest = a->full_due;
            n->due = a->full_due;
        }
    }
    n->overdue = n->due && date_passed(n->due);
}

static void contact_write(struct jw *j, int64_t id, const char *name)
{
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", id);
    jw_kv_str(j, "name", name);
    jw_obj_end(j);
}

/* Writes APPLICANT; the steps when with_steps. */
static void applicant_write(struct req *req, struct jw *j, const struct applicant *a,
                            bool with_steps)
{
    struct dev_next n;
    applicant_next(&req->arena, a, &n);
    jw_obj_begin(j);
    jw_kv_int(j, "id", a->id);
    jw_kv_int(j, "orgId", a->org_id);
    jw_kv_str(j, "orgName", a->org_name);
    jw_kv_str(j, "name", a->name);
    jw_kv_str(j, "gender", a->gender);
    jw_kv_str(j, "birthDate", a->birth_date);
    jw_kv_str(j, "ethnicity", a->ethnicity);
    jw_kv_str(j, "education", a->education);
    jw_kv_str(j, "occupation", a->occupation);
    jw_kv_str(j, "idNumber", a->id_mask);
    jw_kv_str(j, "phone", a->phone_mask);
    jw_kv_str(j, "stage", a->stage);
    jw_kv_str(j, "appliedAt", a->applied_at);
    jw_kv_str(j, "talkedAt", a->talked_at);
    jw_kv_str(j, "activistAt", a->activist_at);
    jw_kv_str(j, "targetAt", a->target_at);
    jw_kv_str(j, "reviewedAt", a->reviewed_at);
    jw_kv_str(j, "trainedAt", a->trained_at);
    jw_kv_str(j, "admittedAt", a->admitted_at);
    jw_kv_str(j, "approvedAt", a->approved_at);
    jw_kv_str(j, "fullDue", a->full_due);
    jw_kv_bool(j, "extended", a->extended);
    jw_kv_str(j, "fullAt", a->full_at);
    jw_kv_str(j, "endedAt", a->ended_at);
    jw_kv_str(j, "endReason", a->end_reason);
    jw_kv_id(j, "memberId", a->member_id);
    jw_key(j, "contacts");
    jw_arr_begin(j);
    if (a->contact1)
        contact_write(j, a->contact1, a->contact1_name);
    if (a->contact2)
        contact_write(j, a->contact2, a->contact2_name);
    jw_arr_end(j);
    jw_kv_str(j, "nextStep", n.step);
    jw_kv_str(j, "earliestDate", n.earliest);
    jw_kv_str(j, "dueDate", n.due);
    jw_kv_bool(j, "overdue", n.overdue);
    jw_kv_time(j, "createdAt", a->created_at);
    if (with_steps) {
        jw_key(j, "steps");
        jw_arr_begin(j);
        struct db_stmt *st = db_query(req->db,
                                      "SELECT id, step, on_date, responsible, note, actor_id, at, "
                                      "note_sealed FROM applicant_steps WHERE applicant_id = ? "
                                      "ORDER BY id",
                                      "i", a->id);
        while (db_next(st)) {
            jw_obj_begin(j);
            jw_kv_int(j, "id", db_int(st, 0));
            jw_kv_str(j, "step", db_text(st, 1));
            jw_kv_str(j, "date", db_text(st, 2));
            jw_kv_str(j, "responsible", db_text(st, 3));
            jw_kv_str(j, "note", col_sealed(&req->arena, st, 7, 4));
            jw_kv_id(j, "actorId", db_int(st, 5));
            jw_kv_time(j, "at", db_int(st, 6));
            jw_obj_end(j);
        }
        db_done(st);
        jw_arr_end(j);
    }
    jw_obj_end(j);
}

static int applicant_respond(struct req *req, int64_t id, int status)
{
    struct applicant a;
    if (!applicant_load(req, id, &a))
        return req_fail(req, ERR_APPLICANT_NOT_FOUND, NULL);
    applicant_write(req, req_data(req), &a, true);
    return status;
}

/* A contact person: a member on the roster of the branch; 0 or an error. */
static int contact_check(struct req *req, const char *field, int64_t branch)
{
    const struct value *v = req_body(req, field);
    if (!v->present)
        return 0;
    struct member_rec m;
    if (!member_load(req->db, &req->arena, v->i, &m, false) || m.org_id != branch ||
        !member_status_counted(m.status))
        return req_fail_field(req, ERR_INVALID, field,
                              "the contact person is a member of the "
                              "applicant's branch");
    return 0;
}

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 30},
    {"gender", P_ENUM, P_REQUIRED, 0, 0, member_genders},
    {"birthDate", P_DATE, P_REQUIRED},
    {"idNumber", P_STR, 0, 18, 18},
    {"phone", P_PHONE, 0},
    {"ethnicity", P_STR, 0, 1, 10},
    {"education", P_STR, 0, 1, 10},
    {"occupation", P_STR, P_REQUIRED, 1, 10},
    {"appliedAt", P_DATE, P_REQUIRED},
    {"contact1Id", P_ID, 0},
    {"contact2Id", P_ID, 0},
    {NULL},
};

/* Checks the applicant's personal fields; 0 or the error. norm gets the
 * normalised ID number (empty when none). */
/* Checks an applicant's ID number against the birth date and gender, and
 * that nobody else (another live applicant than except, or a member) has it;
 * norm gets the normalised number. 0 or the error status. */
static int id_check(struct req *req, const char *idn, const char *birth, const char *gender,
                    int64_t except, char norm[IDNUM_LEN + 1])
{
    char b[11];
    const char *why = idnum_check(idn, norm, b);
    if (why)
        return req_fail_field(req, ERR_INVALID, "idNumber", "%s", why);
    if (strcmp(b, birth))
        return req_fail_field(req, ERR_INVALID, "idNumber",
                              "the birth date in the ID number differs from the birth date");
    if (((norm[16] - '0') % 2 == 1) != !strcmp(gender, "male"))
        return req_fail_field(req, ERR_INVALID, "idNumber",
                              "the ID number is for the other gender");
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("member.id", norm, h);
    const char *path = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_path FROM applicants WHERE id_hash = ? AND id <> ? "
                                  "AND deleted_at IS NULL AND stage NOT IN ('cancelled', "
                                  "'withdrawn')",
                                  "bi", h, sizeof(h), except);
    if (db_next(st))
        path = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    int64_t holder = 0;
    if (!path)
        holder = member_id_holder(req->db, &req->arena, norm, 0, &path);
    if (!path)
        return 0;
    /* Said only where the caller may reveal ID numbers: beyond, the neutral
     * answer (docs/SECURITY.md, the membership oracle). */
    if (member_id_in_reach(req->who, holder, path))
        return req_fail_field(req, ERR_INVALID, "idNumber",
                              "this person is already an applicant or a member");
    req_audit(req, "member.id_conflict", 0, NULL, "denied",
              "an applicant's ID number registered beyond the caller's reach (refused)");
    return req_fail_field(req, ERR_MEMBER_NEEDS_REVIEW, "idNumber", NULL);
}

static int create_check(struct req *req, char norm[IDNUM_LEN + 1])
{
    const char *birth = req_body_str(req, "birthDate"), *applied = req_body_str(req, "appliedAt");
    const char *idn = req_body_str(req, "idNumber"), *today = today_str(&req->arena);
    const char *eth = req_body_str(req, "ethnicity"), *edu = req_body_str(req, "education");
    norm[0] = '\0';
    if (strcmp(birth, today) > 0)
        return req_fail_field(req, ERR_INVALID, "birthDate", "the birth date is in the future");
    if (strcmp(applied, today) > 0)
        return req_fail_field(req, ERR_INVALID, "appliedAt",
                              "the application date is in the "
                              "future");
    if (strcmp(applied, add_months(&req->arena, birth, 18 * 12)) < 0)
        return req_fail_field(req, ERR_INVALID, "appliedAt", "an applicant is at least 18");
    if (eth && !member_enum_ok(member_ethnicities, eth))
        return req_fail_field(req, ERR_INVALID, "ethnicity", "not one of the 56 ethnic groups");
    if (edu && !member_enum_ok(member_educations, edu))
        return req_fail_field(req, ERR_INVALID, "education", "not a known education level");
    if (!member_enum_ok(member_occupations, req_body_str(req, "occupation")))
        return req_fail_field(req, ERR_INVALID, "occupation", "not a known occupation");
    if (!idn)
        return 0;
    return id_check(req, idn, birth, req_body_str(req, "gender"), 0, norm);
}

/*
 * POST /api/v1/applicants {orgId, name, gender, birthDate, idNumber?, phone?,
 *   ethnicity?, education?, occupation, appliedAt, contact1Id?, contact2Id?}
 *   -> 201 APPLICANT
 * Errors: org.not_found, request.invalid. roster.write on orgId (a branch).
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = NULL;
    bool branch = false;
    struct db_stmt *st = db_query(req->db, "SELECT path, level FROM orgs WHERE id = ?", "i", org);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        branch = !strcmp(db_text(st, 1), "branch");
    }
    db_done(st);
    if (!branch)
        return req_fail_field(req, ERR_INVALID, "orgId", "an applicant applies to a branch");
    char norm[IDNUM_LEN + 1];
    int rc = create_check(req, norm);
    if (!rc)
        rc = contact_check(req, "contact1Id", org);
    if (!rc)
        rc = contact_check(req, "contact2Id", org);
    if (rc)
        return rc;
    const char *phone = req_body_str(req, "phone");
    size_t idlen = 0, phlen = 0;
    unsigned char h[PDATA_HASH_BYTES];
    unsigned char *idseal = NULL, *phseal = NULL;
    if (*norm) {
        idseal = pdata_seal(&req->arena, "member.id", norm, &idlen);
        pdata_hash("member.id", norm, h);
    }
    if (phone)
        phseal = pdata_seal(&req->arena, "member.phone", phone, &phlen);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO applicants (org_id, org_path, name, gender, birth_date, ethnicity, "
            "education, occupation, id_hash, id_sealed, id_mask, phone_sealed, phone_mask, stage, "
            "applied_at, contact1_id, contact2_id, created_by, created_at, updated_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'applicant', ?, ?, ?, ?, ?, ?, ?)",
            "isssssssbbsbssIIiiii", org, path, req_body_str(req, "name"),
            req_body_str(req, "gender"), req_body_str(req, "birthDate"),
            req_body_str(req, "ethnicity"), req_body_str(req, "education"),
            req_body_str(req, "occupation"), *norm ? h : NULL, *norm ? sizeof(h) : 0, idseal, idlen,
            *norm ? idnum_mask(&req->arena, norm) : NULL, phseal, phlen,
            phone ? pdata_mask_phone(&req->arena, phone) : NULL, req_body_str(req, "appliedAt"),
            req_body_int(req, "contact1Id", 0), req_body_int(req, "contact2Id", 0),
            req->who->account_id, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    db_exec(req->db,
            "INSERT INTO applicant_steps (applicant_id, step, on_date, actor_id, at) "
            "VALUES (?, 'apply', ?, ?, ?)",
            "isii", id, req_body_str(req, "appliedAt"), req->who->account_id, now);
    org_counts_add(req->db, path, "stage", "applicant", 1);
    if (db_failed(req->db))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "applicant.create", org, arena_printf(&req->arena, "applicant:%" PRId64, id),
              "ok", NULL);
    return applicant_respond(req, id, 201);
}

static bool applicant_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return req_locate(req,
                      "SELECT a.org_id, o.path FROM applicants a JOIN orgs o ON o.id = a.org_id "
                      "WHERE a.id = ? AND a.deleted_at IS NULL",
                      id, o);
}

/* An applicant: on the branch they applied to. */
static const struct object_kind applicant_kind = {
    .name = "applicant",
    .not_found = ERR_APPLICANT_NOT_FOUND,
    .locate = applicant_locate,
};

/* The applicant of an object route, authorised by the dispatcher: its fields. */
static int applicant_get(struct req *req, struct applicant *a)
{
    if (!applicant_load(req, req->obj.id, a))
        return req_fail(req, ERR_APPLICANT_NOT_FOUND, NULL);
    return 0;
}

/*
 * GET /api/v1/applicants/{id} -> APPLICANT with steps: [{id, step, date,
 *   responsible, note, actorId, at}]
 * Errors: applicant.not_found (also outside scope). roster.read on its branch.
 */
static int h_get(struct req *req)
{
    struct applicant a;
    int rc = applicant_get(req, &a);
    if (rc)
        return rc;
    applicant_write(req, req_data(req), &a, true);
    return 200;
}

/* A step refused: 409 applicant.step with the reason. */
#define STEP_FAIL(...) req_fail(req, ERR_APPLICANT_STEP, __VA_ARGS__)

/* Creates the member record of an admitted applicant; 0 or the error. */
static int admit_member(struct req *req, const struct applicant *a, const char *date,
                        int64_t *member_id)
{
    const char *idn = NULL, *phone = NULL;
    struct db_stmt *st = db_query(
        req->db, "SELECT id_sealed, phone_sealed FROM applicants WHERE id = ?", "i", a->id);
    if (db_next(st)) {
        size_t n;
        const unsigned char *b = db_blob(st, 0, &n);
        if (b && n)
            idn = pdata_open(&req->arena, "member.id", b, n);
        b = db_blob(st, 1, &n);
        if (b && n)
            phone = pdata_open(&req->arena, "member.phone", b, n);
    }
    db_done(st);
    if (!idn)
        return req_fail_field(req, ERR_INVALID, "idNumber",
                              "the applicant's ID number is needed for the member record");
    const char *occ = a->occupation;
    struct member_rec m = {
        .org_id = a->org_id,
        .org_path = a->org_path,
        .name = a->name,
        .gender = a->gender,
        .ethnicity = a->ethnicity,
        .birth_date = a->birth_date,
        .education = a->education,
        .occupation = occ,
        .id_number = idn,
        .phone = phone,
        .joined_at = date,
        .category = "probationary",
        .status = "normal",
        .status_since = date,
        .added_how = "developed",
        .dues_basis = !strcmp(occ, "学生")   ? "student"
                      : !strcmp(occ, "无业") ? "unemployed"
                                             : "farmer",
        .dues_fen = 20,
    };
    const char *field, *why = member_validate(&m, &field);
    if (why)
        return req_fail_field(req, ERR_INVALID, field, "%s", why);
    if (member_find_by_id_number(req->db, m.id_number, 0))
        return req_fail_field(req, ERR_INVALID, "idNumber", "a member with this ID number exists");
    *member_id = member_insert(req->db, &req->arena, &m, req->who->account_id, "developed");
    return *member_id ? 0 : req_fail(req, ERR_DB, NULL);
}

/* Updates the applicant's member record for full membership or cancellation. */
static int member_step(struct req *req, int64_t member_id, const char *step, const char *date,
                       const char *note)
{
    struct member_rec m, old;
    if (!member_load(req->db, &req->arena, member_id, &m, false))
        return STEP_FAIL("the member record %" PRId64 " is gone", member_id);
    old = m;
    if (!strcmp(step, "full")) {
        m.category = "full";
        m.full_at = date;
    } else {
        m.status = "left";
        m.status_since = date;
    }
    const char *field, *why = !strcmp(step, "full") ? member_validate(&m, &field) : NULL;
    if (why)
        return req_fail_field(req, ERR_INVALID, "date", "%s", why);
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id,
                      !strcmp(step, "full") ? "development" : "status", note))
        return req_fail(req, ERR_DB, NULL);
    return 0;
}

/* Checks step on a at date against the stage and intervals; sets the new
 * stage (or keeps it) in *stage. 0 or the error. */
static int step_check(struct req *req, const struct applicant *a, const char *step,
                      const char *date, const char **stage)
{
    const char *s = a->stage, *prev = NULL;
    struct arena *ar = &req->arena;
    *stage = s;
    if (!strcmp(step, "talk")) {
        if (strcmp(s, "applicant") || a->talked_at)
            return STEP_FAIL("the talk follows an application (stage %s)", s);
        prev = a->applied_at;
    } else if (!strcmp(step, "activist")) {
        if (strcmp(s, "applicant") || !a->talked_at)
            return STEP_FAIL("an applicant becomes an activist after the talk (stage %s%s)", s,
                             a->talked_at ? "" : ", no talk yet");
        prev = a->talked_at;
        *stage = "activist";
    } else if (!strcmp(step, "target")) {
        if (strcmp(s, "activist"))
            return STEP_FAIL("only an activist becomes a development target (stage %s)", s);
        const char *earliest = add_months(ar, a->activist_at, DEV_ACTIVIST_MIN_MONTHS);
        if (strcmp(date, earliest) < 0)
            return STEP_FAIL("a development target needs at least a year as an activist "
                             "(since %s): the earliest date is %s",
                             a->activist_at, earliest);
        *stage = "target";
    } else if (!strcmp(step, "review") || !strcmp(step, "training")) {
        if (strcmp(s, "target") || (step[0] == 'r' ? a->reviewed_at : a->trained_at))
            return STEP_FAIL("the %s is held once for a development target (stage %s)", step, s);
        prev = a->target_at;
    } else if (!strcmp(step, "admit")) {
        if (strcmp(s, "target") || !a->reviewed_at || !a->trained_at)
            return STEP_FAIL("admission needs a development target with the political review "
                             "and the training done (stage %s)",
                             s);
        prev = strcmp(a->reviewed_at, a->trained_at) > 0 ? a->reviewed_at : a->trained_at;
        *stage = "probationary";
    } else if (!strcmp(step, "approve")) {
        if (strcmp(s, "probationary") || a->approved_at)
            return STEP_FAIL("the higher committee approves an admission once (stage %s)", s);
        prev = a->admitted_at;
    } else if (!strcmp(step, "extend")) {
        if (strcmp(s, "probationary") || !a->approved_at || a->extended)
            return STEP_FAIL("probation is extended once, after approval");
        prev = a->approved_at;
    } else if (!strcmp(step, "full")) {
        if (strcmp(s, "probationary") || !a->approved_at)
            return STEP_FAIL("full membership follows an approved probation (stage %s)", s);
        if (strcmp(date, a->full_due) < 0)
            return STEP_FAIL("the probation ends on %s: full membership from then on", a->full_due);
        *stage = "full";
    } else if (!strcmp(step, "cancel")) {
        if (!strcmp(s, "full") || !strcmp(s, "cancelled") || !strcmp(s, "withdrawn"))
            return STEP_FAIL("nothing to cancel (stage %s)", s);
        prev = a->applied_at;
        *stage = "cancelled";
    } else if (!strcmp(step, "withdraw")) {
        if (strcmp(s, "applicant") && strcmp(s, "activist") && strcmp(s, "target"))
            return STEP_FAIL("an application is withdrawn before admission (stage %s)", s);
        prev = a->applied_at;
        *stage = "withdrawn";
    }
    if (prev && strcmp(date, prev) < 0)
        return STEP_FAIL("the %s cannot be dated before %s", step, prev);
    if (strcmp(date, a->applied_at) < 0)
        return STEP_FAIL("the %s cannot be dated before the application (%s)", step, a->applied_at);
    return 0;
}

static const struct param step_body[] = {
    {"step", P_ENUM, P_REQUIRED, 0, 0, dev_steps},
    {"date", P_DATE, P_REQUIRED},
    {"responsible", P_STR, 0, 1, 30},
    {"note", P_STR, 0, 1, 500},
    {"months", P_INT, 0, 1, DEV_EXTEND_MAX_MONTHS},
    {NULL},
};

/*
 * POST /api/v1/applicants/{id}/steps {step, date, responsible?, note?, months?}
 *   -> 201 APPLICANT with steps
 * Errors: applicant.not_found, applicant.step (order, intervals),
 * request.invalid (date in the future; admit: the member record's fields),
 * auth.forbidden. roster.write on the branch; approve: transfer.approve on
 * the branch's parent (the township committee).
 */
static int h_step(struct req *req)
{
    struct applicant a;
    int rc = applicant_get(req, &a);
    if (rc)
        return rc;
    const char *step = req_body_str(req, "step"), *date = req_body_str(req, "date");
    const char *note = req_body_str(req, "note"), *stage;
    if (!strcmp(step, "approve")) {
        char *parent = arena_strdup(&req->arena, a.org_path);
        parent[strlen(parent) - 1] = '\0';
        *(strrchr(parent, '/') + 1) = '\0';
        if (!principal_can(req->who, PERM_TRANSFER_APPROVE, parent))
            return req_fail(req, ERR_FORBIDDEN, "approval is for the higher party committee");
    }
    if (strcmp(date, today_str(&req->arena)) > 0)
        return req_fail_field(req, ERR_INVALID, "date", "the date is in the future");
    if (!strcmp(step, "cancel") && !note)
        return req_fail_field(req, ERR_INVALID, "note", "a cancellation gives the reason");
    rc = step_check(req, &a, step, date, &stage);
    if (rc)
        return rc;
    int64_t member = a.member_id, id = a.id, acc = req->who->account_id, now = now_sec();
    if (!strcmp(step, "admit"))
        rc = admit_member(req, &a, date, &member);
    else if (member && (!strcmp(step, "full") || !strcmp(step, "cancel")))
        rc = member_step(req, member, step, date, note);
    if (rc)
        return rc;
    const char *full_due = a.full_due;
    if (!strcmp(step, "admit"))
        full_due = add_months(&req->arena, date, DEV_PROBATION_MONTHS);
    else if (!strcmp(step, "extend"))
        full_due = add_months(&req->arena, a.full_due,
                              (int)req_body_int(req, "months", DEV_EXTEND_MAX_MONTHS));
    bool ends = !strcmp(stage, "cancelled") || !strcmp(stage, "withdrawn");
    size_t nlen;
    unsigned char *sealed = note_seal(&req->arena, note, &nlen);
#define SET_IF(name, col) (!strcmp(step, name) ? date : a.col)
    db_exec(req->db,
            "UPDATE applicants SET stage = ?, talked_at = ?, activist_at = ?, target_at = ?, "
            "reviewed_at = ?, trained_at = ?, admitted_at = ?, approved_at = ?, full_due = ?, "
            "extended = ?, full_at = ?, ended_at = ?, end_reason_sealed = CASE WHEN ? THEN ? "
            "ELSE end_reason_sealed END, member_id = ?, updated_at = ?, seq = ? WHERE id = ?",
            "sssssssssissibIiii", stage, SET_IF("talk", talked_at), SET_IF("activist", activist_at),
            SET_IF("target", target_at), SET_IF("review", reviewed_at),
            SET_IF("training", trained_at), SET_IF("admit", admitted_at),
            SET_IF("approve", approved_at), full_due,
            (int64_t)(a.extended || !strcmp(step, "extend")), SET_IF("full", full_at),
            ends ? date : a.ended_at, (int64_t)ends, sealed, nlen, member, now,
            db_next_seq(req->db), id);
#undef SET_IF
    db_exec(req->db,
            "INSERT INTO applicant_steps (applicant_id, step, on_date, responsible, note_sealed, "
            "actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            "isssbii", id, step, date, req_body_str(req, "responsible"), sealed, nlen, acc, now);
    if (strcmp(stage, a.stage)) {
        org_counts_add(req->db, a.org_path, "stage", a.stage, -1);
        org_counts_add(req->db, a.org_path, "stage", stage, 1);
    }
    if (db_failed(req->db))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "applicant.step", a.org_id, arena_printf(&req->arena, "applicant:%" PRId64, id),
              "ok", "%s on %s", step, date);
    return applicant_respond(req, id, 201);
}

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"stage", P_ENUM, 0, 0, 0, dev_stages},
    {"overdue", P_BOOL, 0},
    PAGE_PARAMS,
    {NULL},
};

/* The overdue rules in SQL (parameters: talk cutoff, approval cutoff, today),
 * the same as applicant_next(). */
#define SQL_OVERDUE                                                                                \
    "((a.stage = 'applicant' AND a.talked_at IS NULL AND a.applied_at < ?) OR (a.stage = "         \
    "'probationary' AND a.approved_at IS NULL AND a.admitted_at < ?) OR (a.stage = "               \
    "'probationary' AND a.approved_at IS NOT NULL AND a.full_due < ?))"

/*
 * GET /api/v1/applicants?orgId=&stage=&overdue=&after=&limit= -> {items: [APPLICANT], next}
 * The subtree's applicants in (branch path, id) order. roster.read on orgId.
 */
static int h_list(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *after, *apath = "", *today = today_str(&req->arena);
    int64_t aid = 0;
    int rc = page_after_text(req, &after);
    if (rc)
        return rc;
    if (after) {
        const char *comma = strrchr(after, ',');
        if (!comma || !parse_i64(comma + 1, strlen(comma + 1), &aid))
            return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
        apath = arena_strndup(&req->arena, after, (size_t)(comma - after));
    }
    const struct value *ov = req_query(req, "overdue");
    int64_t overdue = ov->present ? ov->i : -1;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " APP_COLUMNS " WHERE a.org_path >= ? AND a.org_path < ? AND (a.org_path > ? OR "
        "(a.org_path = ? AND a.id > ?)) AND a.deleted_at IS NULL AND (? IS NULL OR a.stage = ?) "
        "AND (? < 0 OR " SQL_OVERDUE " = ?) ORDER BY a.org_path, a.id LIMIT ?",
        "ssssississsii", path, org_path_end(&req->arena, path), apath, apath, aid,
        req_query_str(req, "stage"), req_query_str(req, "stage"), overdue,
        add_months(&req->arena, today, -DEV_TALK_DUE_MONTHS),
        add_months(&req->arena, today, -DEV_APPROVE_DUE_MONTHS), today, overdue,
        (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct applicant a;
        applicant_read(&req->arena, st, &a);
        applicant_write(req, pg.j, &a, false);
        page_mark_text(&pg, arena_printf(&req->arena, "%s,%" PRId64, a.org_path, a.id));
    }
    return page_end(&pg, st);
}

/* {stage: count, ...} of an organisation from the counters. */
static void stage_counts_write(struct db *db, struct jw *j, int64_t org)
{
    jw_key(j, "stages");
    jw_obj_begin(j);
    for (const char *const *s = dev_stages; *s; s++) {
        int64_t n = 0;
        db_get_int(db, &n,
                   "SELECT n FROM org_counts WHERE org_id = ? AND dim = 'stage' AND key = ?", "is",
                   org, *s);
        jw_kv_int(j, *s, n);
    }
    jw_obj_end(j);
}

static const struct param summary_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {NULL},
};

/*
 * GET /api/v1/applicants/summary?orgId= -> {orgId, stages: {applicant, activist,
 *   target, probationary, full, cancelled, withdrawn}, overdue, children:
 *   [{orgId, name, level, stages}]}
 * Counts from the counters kept on the tree; overdue from the applicants of
 * the subtree. roster.read on orgId.
 */
static int h_summary(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org), *today = today_str(&req->arena);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", org);
    stage_counts_write(req->db, j, org);
    int64_t overdue = 0;
    db_get_int(req->db, &overdue,
               "SELECT COUNT(*) FROM applicants a WHERE a.org_path >= ? AND a.org_path < ? AND "
               "a.deleted_at IS NULL AND " SQL_OVERDUE,
               "sssss", path, org_path_end(&req->arena, path),
               add_months(&req->arena, today, -DEV_TALK_DUE_MONTHS),
               add_months(&req->arena, today, -DEV_APPROVE_DUE_MONTHS), today);
    jw_kv_int(j, "overdue", overdue);
    jw_key(j, "children");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, name, level FROM orgs WHERE parent_id = ? AND "
                                  "level <> 'group' AND deleted_at IS NULL ORDER BY id",
                                  "i", org);
    /* The counters are read with a second statement per child: collect first. */
    struct child {
        int64_t id;
        const char *name, *level;
        struct child *next;
    } *head = NULL, **tail = &head;
    while (db_next(st)) {
        struct child *c = arena_calloc(&req->arena, 1, sizeof(*c));
        c->id = db_int(st, 0);
        c->name = arena_strdup(&req->arena, db_text(st, 1));
        c->level = arena_strdup(&req->arena, db_text(st, 2));
        *tail = c;
        tail = &c->next;
    }
    db_done(st);
    for (struct child *c = head; c; c = c->next) {
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", c->id);
        jw_kv_str(j, "name", c->name);
        jw_kv_str(j, "level", c->level);
        stage_counts_write(req->db, j, c->id);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

static const struct param identity_body[] = {
    {"idNumber", P_STR, 0, 18, 18},
    {"phone", P_PHONE},
    {NULL},
};

/*
 * POST /api/v1/applicants/{id}/identity {idNumber?, phone?} -> APPLICANT
 * Adds or corrects the ID number or phone of an applicant not yet admitted
 * (admission needs the ID number). Errors: applicant.not_found,
 * applicant.step (already admitted or ended), request.invalid. roster.write.
 */
static int h_identity(struct req *req)
{
    struct applicant a;
    int rc = applicant_get(req, &a);
    if (rc)
        return rc;
    if (a.member_id || a.ended_at)
        return req_fail(req, ERR_APPLICANT_STEP,
                        "only an applicant not yet admitted has their identity corrected here");
    const char *idn = req_body_str(req, "idNumber"), *phone = req_body_str(req, "phone");
    if (!idn && !phone)
        return req_fail_field(req, ERR_INVALID, "idNumber", "send idNumber or phone");
    int64_t ts = now_sec();
    if (idn) {
        char norm[IDNUM_LEN + 1];
        rc = id_check(req, idn, a.birth_date, a.gender, a.id, norm);
        if (rc)
            return rc;
        size_t len;
        unsigned char *sealed = pdata_seal(&req->arena, "member.id", norm, &len);
        unsigned char h[PDATA_HASH_BYTES];
        pdata_hash("member.id", norm, h);
        db_exec(req->db,
                "UPDATE applicants SET id_hash = ?, id_sealed = ?, id_mask = ?, updated_at = ?, "
                "seq = ? WHERE id = ?",
                "bbsiii", h, sizeof(h), sealed, len, idnum_mask(&req->arena, norm), ts,
                db_next_seq(req->db), a.id);
    }
    if (phone) {
        size_t len;
        unsigned char *sealed = pdata_seal(&req->arena, "member.phone", phone, &len);
        db_exec(req->db,
                "UPDATE applicants SET phone_sealed = ?, phone_mask = ?, updated_at = ?, seq = ? "
                "WHERE id = ?",
                "bsiii", sealed, len, pdata_mask_phone(&req->arena, phone), ts,
                db_next_seq(req->db), a.id);
    }
    req_audit(req, "applicant.identity", a.org_id,
              arena_printf(&req->arena, "applicant:%" PRId64, a.id), "ok", "%s%s",
              idn ? "idNumber " : "", phone ? "phone" : "");
    return applicant_respond(req, a.id, 200);
}

const struct route development_routes[] = {
    {"POST", "/api/v1/applicants/{id}/identity", h_identity, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, identity_body, 0, &applicant_kind},
    {"GET", "/api/v1/applicants", h_list, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", list_query,
     NULL, 0},
    {"GET", "/api/v1/applicants/summary", h_summary, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId",
     summary_query, NULL, 0},
    {"GET", "/api/v1/applicants/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0,
     &applicant_kind},
    {"POST", "/api/v1/applicants", h_create, SCOPE_BODY_ORG, PERM_ROSTER_WRITE, "orgId", NULL,
     create_body, 0},
    {"POST", "/api/v1/applicants/{id}/steps", h_step, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     step_body, 0, &applicant_kind},
    {NULL},
};

int applicants_seal_legacy(struct db *db)
{
    struct arena a;
    arena_init(&a);
    int n = 0;
    size_t len;
    struct db_stmt *st =
        db_query(db, "SELECT id, end_reason FROM applicants WHERE end_reason IS NOT NULL", "");
    while (db_next(st)) {
        unsigned char *sealed = note_seal(&a, db_text(st, 1), &len);
        db_exec(db, "UPDATE applicants SET end_reason = NULL, end_reason_sealed = ? WHERE id = ?",
                "bi", sealed, len, db_int(st, 0));
        n++;
    }
    db_done(st);
    st = db_query(db, "SELECT id, note FROM applicant_steps WHERE note IS NOT NULL", "");
    while (db_next(st)) {
        unsigned char *sealed = note_seal(&a, db_text(st, 1), &len);
        db_exec(db, "UPDATE applicant_steps SET note = NULL, note_sealed = ? WHERE id = ?", "bi",
                sealed, len, db_int(st, 0));
        n++;
    }
    db_done(st);
    arena_release(&a);
    return db_failed(db) ? -1 : n;
}
