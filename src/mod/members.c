/*
 * members.c - the member registry: the roster of any subtree with filters,
 * one member's record (personal data masked; a full value only through the
 * audited reveal), create, edit, status changes with reasons and history,
 * sub-records (posts, rewards, penalties, training), and corrections a member
 * proposes to their own record for the secretary to decide.
 * Storage, validation and counters live in members_rec.c.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/members.h"
#include "mod/members_rec.h"
#include "mod/orgs.h"
#include "routes.h"

#define MEMBER_COLS(F, C)                                                                          \
    F(MEMBER_COL_ID, "m.id")                                                                       \
    C(MEMBER_COL_NAME, "m.name")                                                                   \
    C(MEMBER_COL_GENDER, "m.gender")                                                               \
    C(MEMBER_COL_BIRTH_DATE, "m.birth_date")                                                       \
    C(MEMBER_COL_OCCUPATION, "m.occupation")                                                       \
    C(MEMBER_COL_JOINED_AT, "m.joined_at")                                                         \
    C(MEMBER_COL_CATEGORY, "m.category")                                                           \
    C(MEMBER_COL_STATUS, "m.status")                                                               \
    C(MEMBER_COL_MIGRANT, "m.migrant")                                                             \
    C(MEMBER_COL_MIGRANT_PLACE, "m.migrant_place")                                                 \
    C(MEMBER_COL_ORG_ID, "m.org_id")                                                               \
    C(MEMBER_COL_ORG_NAME, "o.name")                                                               \
    C(MEMBER_COL_LOST_CONTACT, "m.lost_contact")                                                   \
    C(MEMBER_COL_PHONE_MASK, "m.phone_mask")                                                       \
    C(MEMBER_COL_ID_MASK, "m.id_mask")                                                             \
    C(MEMBER_COL_ORG_PATH, "m.org_path")
enum member_col { DB_COLUMN_ENUM(MEMBER_COLS) };
#define MEMBER_COLUMNS DB_COLUMNS(MEMBER_COLS)

/* Whole years from birth (YYYY-MM-DD) to today (Beijing). */
static int age_years(const char *birth)
{
    int y, m, d, ty, tm, td;
    if (!date_parse(birth, &y, &m, &d))
        return 0;
    civil_from_days(day_today(), &ty, &tm, &td);
    int age = ty - y;
    if (tm < m || (tm == m && td < d))
        age--;
    return age;
}

static void member_brief_write(struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, MEMBER_COL_ID));
    jw_kv_str(j, "name", db_text(st, MEMBER_COL_NAME));
    jw_kv_str(j, "gender", db_text(st, MEMBER_COL_GENDER));
    jw_kv_str(j, "birthDate", db_text(st, MEMBER_COL_BIRTH_DATE));
    jw_kv_int(j, "age", age_years(db_text(st, MEMBER_COL_BIRTH_DATE)));
    jw_kv_str(j, "occupation", db_text(st, MEMBER_COL_OCCUPATION));
    jw_kv_str(j, "joinedAt", db_text(st, MEMBER_COL_JOINED_AT));
    jw_kv_str(j, "category", db_text(st, MEMBER_COL_CATEGORY));
    jw_kv_str(j, "status", db_text(st, MEMBER_COL_STATUS));
    jw_kv_bool(j, "migrant", db_int(st, MEMBER_COL_MIGRANT) != 0);
    jw_kv_str(j, "migrantPlace", db_text(st, MEMBER_COL_MIGRANT_PLACE));
    jw_kv_int(j, "orgId", db_int(st, MEMBER_COL_ORG_ID));
    jw_kv_str(j, "orgName", db_text(st, MEMBER_COL_ORG_NAME));
    jw_kv_bool(j, "lostContact", db_int(st, MEMBER_COL_LOST_CONTACT) != 0);
    jw_kv_str(j, "phone", db_text(st, MEMBER_COL_PHONE_MASK));
    jw_kv_str(j, "idNumber", db_text(st, MEMBER_COL_ID_MASK));
    jw_obj_end(j);
}

/* ---- the roster ---- */

static const char *const age_bands[] = {"under35", "35to45", "46to60", "over60", NULL};

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"q", P_STR, 0, 1, 20},
    {"status", P_ENUM, 0, 0, 0, member_status_filters},
    {"category", P_ENUM, 0, 0, 0, member_categories},
    {"gender", P_ENUM, 0, 0, 0, member_genders},
    {"migrant", P_BOOL},
    {"lostContact", P_BOOL},
    {"ageBand", P_ENUM, 0, 0, 0, age_bands},
    {"occupation", P_ENUM, 0, 0, 0, member_occupations},
    {"education", P_ENUM, 0, 0, 0, member_educations},
    {"hosted", P_BOOL},
    PAGE_PARAMS,
    {NULL},
};

/*
 * The migrant members whose host organisation lies in the subtree of path
 * (hosted=true): they take part in its organisational life while their
 * membership stays home. In id order.
 */
static int list_hosted(struct req *req, const char *path)
{
    int64_t after;
    const char *raw;
    int rc = page_after_text(req, &raw);
    if (rc)
        return rc;
    after = 0;
    if (raw) {
        const char *bar = strchr(raw, '|');
        if (!bar || !parse_i64(bar + 1, strlen(bar + 1), &after))
            return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    }
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = m.org_id JOIN orgs h ON "
        "h.id = m.host_org_id WHERE h.path >= ? AND h.path < ? AND m.id > ? AND m.deleted_at IS "
        "NULL AND m.status IN " ROSTER_STATUSES " ORDER BY m.id LIMIT ?",
        "ssii", path, org_path_end(&req->arena, path), after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        member_brief_write(pg.j, st);
        page_mark_text(&pg, arena_printf(&req->arena, "h|%" PRId64, db_int(st, MEMBER_COL_ID)));
    }
    return page_end(&pg, st);
}

/* The birth-date range (lo, hi] of an age band, as of today. */
static void age_band_range(struct arena *a, const char *band, const char **lo, const char **hi)
{
    int from = 0, to = 200; /* ages [from, to] */
    if (!strcmp(band, "under35"))
        to = 34;
    else if (!strcmp(band, "35to45"))
        from = 35, to = 45;
    else if (!strcmp(band, "46to60"))
        from = 46, to = 60;
    else
        from = 61;
    char now[11];
    date_today(now);
    int y = atoi(now);
    /* age >= from  <=> birth <= today - from years; age <= to <=> birth > today - (to+1) years */
    *hi = arena_printf(a, "%04d%s", y - from, now + 4);
    *lo = arena_printf(a, "%04d%s", y - to - 1, now + 4);
}

/* A search text that is a whole ID number (17 digits and a check character)
 * or a whole phone number (11 digits): found through the keyed hash. */
enum exact_kind { EXACT_NONE, EXACT_ID, EXACT_PHONE };

static enum exact_kind exact_kind_of(const char *q)
{
    size_t n = q ? strlen(q) : 0, digits = q ? strspn(q, "0123456789") : 0;
    if (n == IDNUM_LEN && digits >= IDNUM_LEN - 1 && strchr("0123456789Xx", q[n - 1]))
        return EXACT_ID;
    if (n == 11 && digits == 11)
        return EXACT_PHONE;
    return EXACT_NONE;
}

/*
 * An exact search confirms whether a number belongs to somebody, so it is a
 * reveal: pdata.reveal on the organisation searched, at most
 * exact_search_per_hour an account, one audit row each (the number masked),
 * and the answer is never cached (the next caller may not reveal). 0 to go
 * on, else the error status.
 */
static int exact_search_allowed(struct req *req, int64_t org, const char *path, const char *q,
                                enum exact_kind kind)
{
    req->no_cache = true;
    const char *what = kind == EXACT_ID ? "ID number" : "phone number";
    const char *masked =
        kind == EXACT_ID ? idnum_mask(&req->arena, q) : pdata_mask_phone(&req->arena, q);
    const char *target = arena_printf(&req->arena, "org:%" PRId64, org);
    if (!principal_can(req->who, PERM_PDATA_REVEAL, path)) {
        req_audit(req, "member.search", org, target, "denied", "by %s %s: needs pdata.reveal", what,
                  masked);
        return req_fail(req, ERR_MEMBER_EXACT_SEARCH, NULL);
    }
    int rc = req_rate_limit(req, "member.search", cfg.exact_search_per_hour);
    if (rc)
        return rc;
    req_audit(req, "member.search", org, target, "ok", "by %s %s", what, masked);
    return 0;
}

/*
 * GET /api/v1/members?orgId=&q=&status=&category=&gender=&migrant=&lostContact=
 *     &ageBand=&occupation=&education=&after=&limit= -> {items, next}
 * Members of the organisation's subtree in roster order (branch, then id);
 * a party group lists the members assigned to it. status: active (default:
 * normal, retired, temporarily out), all, or one status. q: a part of the
 * name, or a whole ID number or phone number (found through the keyed hash:
 * pdata.reveal on orgId, audited, rate-limited). Errors: org.not_found,
 * request.invalid, member.exact_search, request.rate_limited. roster.read
 * on orgId.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), group = 0;
    const char *path = NULL, *level = NULL;
    struct db_stmt *st = db_query(
        req->db, "SELECT path, level FROM orgs WHERE id = ? AND deleted_at IS NULL", "i", org);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        level = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const struct value *hosted = req_query(req, "hosted");
    if (hosted && hosted->present && hosted->i)
        return list_hosted(req, path);
    if (!strcmp(level, "group")) {
        /* A group's members sit on its branch: "/1/2/3/7/" -> "/1/2/3/". */
        group = org;
        char *p = arena_strdup(&req->arena, path);
        p[strlen(p) - 1] = '\0';
        strrchr(p, '/')[1] = '\0';
        path = p;
    }
    const char *raw, *after_path = "";
    int64_t after_id = 0;
    int rc = page_after_text(req, &raw);
    if (rc)
        return rc;
    if (raw) {
        const char *bar = strchr(raw, '|');
        if (!bar || !parse_i64(bar + 1, strlen(bar + 1), &after_id))
            return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
        after_path = arena_strndup(&req->arena, raw, (size_t)(bar - raw));
    }
    const char *q = req_query_str(req, "q"), *like = NULL;
    unsigned char qhash[PDATA_HASH_BYTES];
    const void *id_hash = NULL, *phone_hash = NULL;
    enum exact_kind exact = exact_kind_of(q);
    if (exact) {
        rc = exact_search_allowed(req, org, path, q, exact);
        if (rc)
            return rc;
        char norm[IDNUM_LEN + 1], birth[11];
        if (exact == EXACT_ID && !idnum_check(q, norm, birth)) {
            pdata_hash("member.id", norm, qhash);
            id_hash = qhash;
        } else if (exact == EXACT_PHONE && valid_phone(q)) {
            pdata_hash("member.phone", q, qhash);
            phone_hash = qhash;
        } else {
            like = ""; /* a malformed number matches nobody (and no name) */
        }
    } else if (q) {
        like = db_like_pattern(&req->arena, q);
    }
    const char *status = req_query_str(req, "status");
    if (!status)
        status = "active";
    const char *band = req_query_str(req, "ageBand"), *blo = NULL, *bhi = NULL;
    if (band)
        age_band_range(&req->arena, band, &blo, &bhi);
    const struct value *mig = req_query(req, "migrant"), *lost = req_query(req, "lostContact");
    struct page pg;
    page_begin(req, &pg);
    st = db_query(
        req->db,
        "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = m.org_id "
        "WHERE m.org_path >= ? AND m.org_path < ? AND (m.org_path, m.id) > (?, ?) "
        "AND m.deleted_at IS NULL "
        "AND (? = 'all' OR (? = 'active' AND m.status IN " ROSTER_STATUSES ") OR m.status = ?) "
        "AND (? = 0 OR m.group_id = ?) "
        "AND (? IS NULL OR m.name LIKE ? ESCAPE '\\') "
        "AND (? IS NULL OR m.id_hash = ?) AND (? IS NULL OR m.phone_hash = ?) "
        "AND (? IS NULL OR m.category = ?) AND (? IS NULL OR m.gender = ?) "
        "AND (? < 0 OR m.migrant = ?) AND (? < 0 OR m.lost_contact = ?) "
        "AND (? IS NULL OR (m.birth_date > ? AND m.birth_date <= ?)) "
        "AND (? IS NULL OR m.occupation = ?) AND (? IS NULL OR m.education = ?) "
        "ORDER BY m.org_path, m.id LIMIT ?",
        "sssisssiissbbbbssssiiiisssssssi", path, org_path_end(&req->arena, path), after_path,
        after_id, status, status, status, group, group, like, like, id_hash,
        id_hash ? (size_t)PDATA_HASH_BYTES : 0, id_hash, id_hash ? (size_t)PDATA_HASH_BYTES : 0,
        phone_hash, phone_hash ? (size_t)PDATA_HASH_BYTES : 0, phone_hash,
        phone_hash ? (size_t)PDATA_HASH_BYTES : 0, req_query_str(req, "category"),
        req_query_str(req, "category"), req_query_str(req, "gender"), req_query_str(req, "gender"),
        mig->present ? mig->i : -1, mig->present ? mig->i : -1, lost->present ? lost->i : -1,
        lost->present ? lost->i : -1, band, blo, bhi, req_query_str(req, "occupation"),
        req_query_str(req, "occupation"), req_query_str(req, "education"),
        req_query_str(req, "education"), (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        member_brief_write(pg.j, st);
        page_mark_text(&pg,
                       arena_printf(&req->arena, "%s|%" PRId64, db_text(st, MEMBER_COL_ORG_PATH),
                                    db_int(st, MEMBER_COL_ID)));
    }
    return page_end(&pg, st);
}

/* ---- one member ---- */

static bool member_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT m.org_id, m.org_path, m.host_org_id, h.path FROM members "
                                  "m LEFT JOIN orgs h ON h.id = m.host_org_id AND h.deleted_at IS "
                                  "NULL WHERE m.id = ? AND m.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, true);
        o->party = req->who->member_id == id ? PARTY_SELF : 0;
    }
    db_done(st);
    return found;
}

const struct object_kind member_kind = {
    .name = "member",
    .not_found = ERR_MEMBER_NOT_FOUND,
    .locate = member_locate,
};

int member_get(struct req *req, struct member_rec *m, bool personal)
{
    if (!member_load(req->db, &req->arena, req->obj.id, m, personal))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    return 0;
}

static const char *org_name(struct req *req, int64_t id)
{
    const char *name = NULL;
    if (!id)
        return NULL;
    struct db_stmt *st = db_query(req->db, "SELECT name FROM orgs WHERE id = ?", "i", id);
    if (db_next(st))
        name = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return name;
}

static void member_full_write(struct req *req, struct jw *j, const struct member_rec *m)
{
    int64_t created = 0, pending = 0;
    bool has_address = false;
    struct db_stmt *st =
        db_query(req->db, "SELECT created_at, address_sealed IS NOT NULL FROM members WHERE id = ?",
                 "i", m->id);
    if (db_next(st)) {
        created = db_int(st, 0);
        has_address = db_int(st, 1) != 0;
    }
    db_done(st);
    db_get_int(req->db, &pending,
               "SELECT COUNT(*) FROM member_corrections WHERE member_id = ? AND state = 'pending'",
               "i", m->id);
    jw_obj_begin(j);
    jw_kv_int(j, "id", m->id);
    jw_kv_str(j, "name", m->name);
    jw_kv_str(j, "gender", m->gender);
    jw_kv_str(j, "ethnicity", m->ethnicity);
    jw_kv_str(j, "birthDate", m->birth_date);
    jw_kv_int(j, "age", age_years(m->birth_date));
    jw_kv_str(j, "idNumber", m->id_mask);
    jw_kv_str(j, "nativePlace", m->native_place);
    jw_kv_str(j, "education", m->education);
    jw_kv_str(j, "occupation", m->occupation);
    jw_kv_str(j, "phone", m->phone_mask);
    jw_kv_str(j, "address", has_address ? "******" : NULL);
    jw_kv_str(j, "joinedAt", m->joined_at);
    jw_kv_str(j, "fullAt", m->full_at);
    jw_kv_str(j, "category", m->category);
    jw_kv_str(j, "status", m->status);
    jw_kv_str(j, "statusSince", m->status_since);
    jw_kv_str(j, "addedHow", m->added_how);
    jw_kv_int(j, "orgId", m->org_id);
    jw_kv_str(j, "orgName", org_name(req, m->org_id));
    jw_key(j, "path");
    org_write_path(req->db, j, m->org_path);
    jw_kv_id(j, "groupId", m->group_id);
    jw_kv_str(j, "groupName", org_name(req, m->group_id));
    jw_kv_bool(j, "migrant", m->migrant);
    jw_kv_str(j, "migrantPlace", m->migrant_place);
    jw_kv_str(j, "migrantSince", m->migrant_since);
    jw_kv_id(j, "hostOrgId", m->host_org_id);
    jw_kv_str(j, "hostOrgName", org_name(req, m->host_org_id));
    jw_kv_bool(j, "lostContact", m->lost_contact);
    jw_kv_str(j, "lostContactSince", m->lost_contact_since);
    jw_kv_str(j, "duesBasis", m->dues_basis);
    jw_kv_int(j, "duesFen", m->dues_fen);
    jw_kv_str(j, "duesPaidThrough", m->dues_paid_through);
    jw_kv_int(j, "pendingCorrections", pending);
    bool self = req->who->member_id == m->id;
    jw_kv_bool(j, "self", self);
    jw_kv_bool(j, "canEdit", principal_can(req->who, PERM_ROSTER_WRITE, m->org_path));
    jw_kv_bool(j, "canReveal", self || principal_can(req->who, PERM_PDATA_REVEAL, m->org_path));
    jw_kv_int(j, "seq", m->seq);
    jw_kv_time(j, "createdAt", created);
    jw_kv_time(j, "updatedAt", m->updated_at);
    jw_obj_end(j);
}

/*
 * GET /api/v1/members/{id} -> the member (ID number, phone, address masked)
 * A member may read their own record; otherwise roster.read on the member's
 * branch. Errors: member.not_found (also outside scope).
 */
static int h_get(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    member_full_write(req, req_data(req), &m);
    return 200;
}

/* ---- create and edit ---- */

#define RECORD_FIELDS                                                                              \
    {"groupId", P_ID}, {"name", P_STR, P_NONBLANK, 1, 30},                                         \
        {"gender", P_ENUM, 0, 0, 0, member_genders},                                               \
        {"ethnicity", P_ENUM, 0, 0, 0, member_ethnicities}, {"birthDate", P_DATE},                 \
        {"idNumber", P_STR, 0, 18, 18}, {"nativePlace", P_STR, 0, 1, 60},                          \
        {"education", P_ENUM, 0, 0, 0, member_educations},                                         \
        {"occupation", P_ENUM, 0, 0, 0, member_occupations}, {"phone", P_PHONE},                   \
        {"address", P_STR, 0, 1, 120}, {"joinedAt", P_DATE}, {"fullAt", P_DATE},                   \
        {"category", P_ENUM, 0, 0, 0, member_categories},                                          \
        {"addedHow", P_ENUM, 0, 0, 0, member_added_hows}, {"migrant", P_BOOL},                     \
        {"migrantPlace", P_STR, 0, 1, 60}, {"migrantSince", P_DATE}, {"hostOrgId", P_ID},          \
        {"lostContact", P_BOOL}, {"lostContactSince", P_DATE},                                     \
        {"duesBasis", P_ENUM, 0, 0, 0, member_dues_bases},                                         \
    {                                                                                              \
        "duesFen", P_INT, 0, 1, 10000000                                                           \
    }

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    RECORD_FIELDS,
    {NULL},
};
static const struct param edit_body[] = {
    RECORD_FIELDS,
    {NULL},
};
const struct param member_correction_fields[] = {
    {"name", P_STR, P_NONBLANK, 1, 30},
    {"gender", P_ENUM, 0, 0, 0, member_genders},
    {"ethnicity", P_ENUM, 0, 0, 0, member_ethnicities},
    {"birthDate", P_DATE},
    {"idNumber", P_STR, 0, 18, 18},
    {"nativePlace", P_STR, 0, 1, 60},
    {"education", P_ENUM, 0, 0, 0, member_educations},
    {"occupation", P_ENUM, 0, 0, 0, member_occupations},
    {"phone", P_PHONE},
    {"address", P_STR, 0, 1, 120},
    {"joinedAt", P_DATE},
    {"fullAt", P_DATE},
    {"migrant", P_BOOL},
    {"migrantPlace", P_STR, 0, 1, 60},
    {"migrantSince", P_DATE},
    {"note", P_STR, 0, 1, 200},
    {NULL},
};

static const struct value *value_named(const struct value *vals, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (vals[i].name && !strcmp(vals[i].name, name))
            return &vals[i];
    return NULL;
}

void member_fields_apply(struct member_rec *m, const struct value *vals, size_t n)
{
#define STR(name, field)                                                                           \
    do {                                                                                           \
        const struct value *v = value_named(vals, n, name);                                        \
        if (v && v->present)                                                                       \
            m->field = v->s;                                                                       \
        else if (v && v->null)                                                                     \
            m->field = NULL;                                                                       \
    } while (0)
#define NUM(name, field)                                                                           \
    do {                                                                                           \
        const struct value *v = value_named(vals, n, name);                                        \
        if (v && v->present)                                                                       \
            m->field = v->i;                                                                       \
        else if (v && v->null)                                                                     \
            m->field = 0;                                                                          \
    } while (0)
    NUM("groupId", group_id);
    STR("name", name);
    STR("gender", gender);
    STR("ethnicity", ethnicity);
    STR("birthDate", birth_date);
    STR("idNumber", id_number);
    STR("nativePlace", native_place);
    STR("education", education);
    STR("occupation", occupation);
    STR("phone", phone);
    STR("address", address);
    STR("joinedAt", joined_at);
    STR("fullAt", full_at);
    STR("category", category);
    STR("addedHow", added_how);
    STR("migrantPlace", migrant_place);
    STR("migrantSince", migrant_since);
    NUM("hostOrgId", host_org_id);
    STR("lostContactSince", lost_contact_since);
    STR("duesBasis", dues_basis);
    NUM("duesFen", dues_fen);
    const struct value *v = value_named(vals, n, "migrant");
    if (v && v->present)
        m->migrant = v->i != 0;
    v = value_named(vals, n, "lostContact");
    if (v && v->present)
        m->lost_contact = v->i != 0;
#undef STR
#undef NUM
}

/* Checks the record and what it refers to: the party group belongs to the
 * branch, the host organisation exists. 0 or the error status. */
int member_fields_check(struct req *req, struct member_rec *m)
{
    const char *field;
    const char *why = member_validate(m, &field);
    if (why)
        return req_fail_field(req, ERR_MEMBER_INVALID, field, "%s", why);
    if (m->group_id) {
        int64_t ok = 0;
        db_get_int(req->db, &ok,
                   "SELECT COUNT(*) FROM orgs WHERE id = ? AND parent_id = ? AND level = 'group' "
                   "AND deleted_at IS NULL AND closed_at IS NULL",
                   "ii", m->group_id, m->org_id);
        if (!ok)
            return req_fail_field(req, ERR_MEMBER_INVALID, "groupId",
                                  "not a party group of the member's branch");
    }
    if (m->host_org_id &&
        (m->host_org_id == m->org_id || !org_path(req->db, &req->arena, m->host_org_id)))
        return req_fail_field(req, ERR_MEMBER_INVALID, "hostOrgId",
                              "the host organisation does not exist or is the home branch");
    return 0;
}

int member_id_check(struct req *req, const struct member_rec *m, bool defer_beyond)
{
    const char *path;
    int64_t holder =
        m->id_number ? member_id_holder(req->db, &req->arena, m->id_number, m->id, &path) : 0;
    if (!holder)
        return 0;
    if (member_id_in_reach(req->who, holder, path))
        return req_fail_field(req, ERR_MEMBER_DUPLICATE, "idNumber", NULL);
    /* Registered where the caller may not look: audited on the caller's side
     * (without the holder, whom this side's auditors may not see either); the
     * caller learns only that an administrator must look at it. */
    req_audit(req, "member.id_conflict", m->org_id,
              arena_printf(&req->arena, "org:%" PRId64, m->org_id), defer_beyond ? "ok" : "denied",
              "an ID number registered beyond the caller's reach (%s)",
              defer_beyond ? "a proposal, checked when it is decided" : "refused");
    if (defer_beyond)
        return 0;
    return req_fail_field(req, ERR_MEMBER_NEEDS_REVIEW, "idNumber", NULL);
}

int member_record_check(struct req *req, struct member_rec *m)
{
    int rc = member_fields_check(req, m);
    return rc ? rc : member_id_check(req, m, false);
}

/*
 * POST /api/v1/members {orgId, name, gender, birthDate, idNumber, occupation,
 *     joinedAt, category, ...} -> 201 the member
 * orgId is the member's branch. Every field is checked; a bad record is
 * refused whole with the field named. Errors: member.invalid,
 * member.duplicate, org.not_found. roster.write on orgId.
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    struct member_rec m = {.org_id = org,
                           .status = "normal",
                           .added_how = "other",
                           .dues_basis = "farmer",
                           .dues_fen = 20,
                           .category = "full"};
    const char *level = NULL;
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT path, level, closed_at IS NOT NULL FROM orgs WHERE id = ? AND "
                 "deleted_at IS NULL",
                 "i", org);
    bool closed = false;
    if (db_next(st)) {
        m.org_path = arena_strdup(&req->arena, db_text(st, 0));
        level = arena_strdup(&req->arena, db_text(st, 1));
        closed = db_int(st, 2) != 0;
    }
    db_done(st);
    if (!m.org_path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (closed)
        return req_fail(req, ERR_ORG_CLOSED, NULL);
    if (strcmp(level, "branch") && strcmp(level, "general_branch"))
        return req_fail_field(req, ERR_MEMBER_INVALID, "orgId",
                              "members belong to a branch (a party group is set with groupId)");
    member_fields_apply(&m, req->body, req->nbody);
    if (!m.id_number)
        return req_fail_field(req, ERR_MEMBER_INVALID, "idNumber",
                              "the ID number is part of the standard record");
    int rc = member_record_check(req, &m);
    if (rc)
        return rc;
    if (!member_insert(req->db, &req->arena, &m, req->who->account_id, "created"))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "member.create", org, arena_printf(&req->arena, "member:%" PRId64, m.id), "ok",
              NULL);
    member_full_write(req, req_data(req), &m);
    return 201;
}

/*
 * PATCH /api/v1/members/{id} {any record field; null clears an optional one}
 * -> the member. Not the branch (that is a transfer), the status (POST
 * .../status) or dues paid (the dues module). The whole record is checked
 * again. Errors: member.not_found, member.invalid, member.duplicate.
 * roster.write on the member's branch.
 */
static int h_edit(struct req *req)
{
    struct member_rec old, m;
    int rc = member_get(req, &old, true);
    if (rc)
        return rc;
    m = old;
    member_fields_apply(&m, req->body, req->nbody);
    if (!m.id_number && old.id_number)
        return req_fail_field(req, ERR_MEMBER_INVALID, "idNumber",
                              "the ID number cannot be removed from the record");
    rc = member_record_check(req, &m);
    if (rc)
        return rc;
    const char *fields = member_changed_fields(&req->arena, &old, &m);
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "edited", NULL))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "member.edit", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id),
              "ok", "fields %s", fields ? fields : "none");
    member_full_write(req, req_data(req), &m);
    return 200;
}

static const struct param status_body[] = {
    {"status", P_ENUM, P_REQUIRED, 0, 0, member_statuses},
    {"date", P_DATE, P_REQUIRED},
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/members/{id}/status {status, date, reason} -> the member
 * Retired, temporarily out, left the party, deceased, or back to normal,
 * with the date and the reason (kept sealed in the history). Transfers out
 * happen through transfers. Errors: member.not_found, member.invalid.
 * roster.write on the member's branch.
 */
static int h_status(struct req *req)
{
    struct member_rec old, m;
    int rc = member_get(req, &old, false);
    if (rc)
        return rc;
    const char *status = req_body_str(req, "status"), *date = req_body_str(req, "date");
    char now[11];
    date_today(now);
    if (!strcmp(status, "transferred_out"))
        return req_fail_field(req, ERR_MEMBER_INVALID, "status",
                              "a member leaves through a transfer (POST /api/v1/transfers)");
    if (!strcmp(status, old.status))
        return req_fail_field(req, ERR_MEMBER_INVALID, "status", "the member is already %s",
                              status);
    if (strcmp(date, now) > 0 || strcmp(date, old.joined_at) < 0)
        return req_fail_field(req, ERR_MEMBER_INVALID, "date",
                              "the date lies between joining and today");
    m = old;
    m.status = status;
    m.status_since = date;
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "status",
                      req_body_str(req, "reason")))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "member.status", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id),
              "ok", "%s -> %s", old.status, status);
    member_full_write(req, req_data(req), &m);
    return 200;
}

/*
 * POST /api/v1/members/{id}/reveal -> {idNumber, phone, address} in full
 * For pdata.reveal on the member's branch, or the member's own record.
 * Every reveal is audited (without the values). Errors: member.not_found.
 */
static int h_reveal(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, true);
    if (rc)
        return rc;
    req_audit(req, "member.reveal", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id),
              "ok", "%s", req->who->member_id == m.id ? "own record" : "ID number, phone, address");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", m.id);
    jw_kv_str(j, "idNumber", m.id_number);
    jw_kv_str(j, "phone", m.phone);
    jw_kv_str(j, "address", m.address);
    jw_obj_end(j);
    return 200;
}

/* Sealed text (reasons, notes) opened for somebody else's record is a
 * sensitive read: one audit row per answer that showed any. */
static void audit_sealed_read(struct req *req, const struct member_rec *m, const char *action,
                              int64_t opened, const char *what)
{
    if (opened && req->who->member_id != m->id)
        req_audit(req, action, m->org_id, arena_printf(&req->arena, "member:%" PRId64, m->id), "ok",
                  "%" PRId64 " sealed %s shown", opened, what);
}

/*
 * GET /api/v1/members/{id}/history -> {items, next}: newest first
 * {id, at, kind, actor, orgId, orgName, detail, reason}. The member's own
 * record or roster.read; reasons shown to anyone but the member are audited
 * (member.history.read). Errors: member.not_found.
 */
static int h_history(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    int64_t after;
    rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    int64_t opened = 0;
    struct db_stmt *st = db_query(
        req->db,
        "SELECT h.id, h.at, h.kind, a.name, h.org_id, o.name, h.detail, h.note_sealed "
        "FROM member_history h LEFT JOIN accounts a ON a.id = h.actor_id LEFT JOIN orgs o ON "
        "o.id = h.org_id WHERE h.member_id = ? AND (? = 0 OR h.id < ?) ORDER BY h.id DESC "
        "LIMIT ?",
        "iiii", m.id, after, after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct jw *j = pg.j;
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_time(j, "at", db_int(st, 1));
        jw_kv_str(j, "kind", db_text(st, 2));
        jw_kv_str(j, "actor", db_text(st, 3));
        jw_kv_int(j, "orgId", db_int(st, 4));
        jw_kv_str(j, "orgName", db_text(st, 5));
        jw_key(j, "detail");
        if (db_isnull(st, 6))
            jw_null(j);
        else
            jw_raw(j, db_text(st, 6), db_text_len(st, 6));
        size_t n;
        const unsigned char *b = db_blob(st, 7, &n);
        jw_kv_str(j, "reason", b && n ? pdata_open(&req->arena, "member.note", b, n) : NULL);
        jw_obj_end(j);
        page_mark_id(&pg, db_int(st, 0));
        opened += b && n;
    }
    audit_sealed_read(req, &m, "member.history.read", opened, "reasons");
    return page_end(&pg, st);
}

/* ---- sub-records: posts, rewards, penalties, training ---- */

static const char *const record_kinds[] = {"post", "reward", "penalty", "training", NULL};

static const struct param record_body[] = {
    {"kind", P_ENUM, P_REQUIRED, 0, 0, record_kinds},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"issuer", P_STR, 0, 1, 100},
    {"startDate", P_DATE, P_REQUIRED},
    {"endDate", P_DATE},
    {"note", P_STR, 0, 1, 500},
    {NULL},
};

#define RECORD_COLS(F, C)                                                                          \
    F(RECORD_COL_ID, "id")                                                                         \
    C(RECORD_COL_KIND, "kind")                                                                     \
    C(RECORD_COL_TITLE, "title")                                                                   \
    C(RECORD_COL_ISSUER, "issuer")                                                                 \
    C(RECORD_COL_TITLE_SEALED, "title_sealed")                                                     \
    C(RECORD_COL_ISSUER_SEALED, "issuer_sealed")                                                   \
    C(RECORD_COL_START_DATE, "start_date")                                                         \
    C(RECORD_COL_END_DATE, "end_date")                                                             \
    C(RECORD_COL_NOTE_SEALED, "note_sealed")                                                       \
    C(RECORD_COL_CREATED_AT, "created_at")
enum record_col { DB_COLUMN_ENUM(RECORD_COLS) };
#define RECORD_COLUMNS DB_COLUMNS(RECORD_COLS)

/* Column sealed of st opened (domain "member.note"), or the plain column
 * plain of a row written before it was sealed; NULL when neither is set. */
static const char *sealed_text(struct req *req, struct db_stmt *st, int sealed, int plain)
{
    size_t n;
    const unsigned char *b = db_blob(st, sealed, &n);
    if (b && n)
        return pdata_open(&req->arena, "member.note", b, n);
    return db_isnull(st, plain) ? NULL : arena_strdup(&req->arena, db_text(st, plain));
}

/* Writes one sub-record; returns whether it showed what is sensitive to read:
 * a sealed note, or a penalty (its sealed title names the sanction). */
static int record_write(struct req *req, struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, RECORD_COL_ID));
    jw_kv_str(j, "kind", db_text(st, RECORD_COL_KIND));
    jw_kv_str(j, "title", sealed_text(req, st, RECORD_COL_TITLE_SEALED, RECORD_COL_TITLE));
    jw_kv_str(j, "issuer", sealed_text(req, st, RECORD_COL_ISSUER_SEALED, RECORD_COL_ISSUER));
    jw_kv_str(j, "startDate", db_text(st, RECORD_COL_START_DATE));
    jw_kv_str(j, "endDate", db_text(st, RECORD_COL_END_DATE));
    size_t n;
    const unsigned char *b = db_blob(st, RECORD_COL_NOTE_SEALED, &n);
    jw_kv_str(j, "note", b && n ? pdata_open(&req->arena, "member.note", b, n) : NULL);
    jw_kv_time(j, "createdAt", db_int(st, RECORD_COL_CREATED_AT));
    jw_obj_end(j);
    return (b && n) || !strcmp(db_text(st, RECORD_COL_KIND), "penalty");
}

/*
 * GET /api/v1/members/{id}/records -> {items: [{id, kind, title, issuer,
 * startDate, endDate, note, createdAt}]} (all of them, by kind and date).
 * The member's own record or roster.read; sealed notes or penalties shown to
 * anyone but the member are audited (member.record.read). Errors:
 * member.not_found.
 */
static int h_records(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " RECORD_COLUMNS " FROM member_records WHERE member_id "
                                  "= ? AND deleted_at IS NULL ORDER BY kind, start_date, id",
                                  "i", m.id);
    int64_t opened = 0;
    while (db_next(st))
        opened += record_write(req, j, st);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    audit_sealed_read(req, &m, "member.record.read", opened, "notes or penalties");
    return 200;
}

/*
 * POST /api/v1/members/{id}/records {kind, title, issuer?, startDate,
 * endDate?, note?} -> 201 the sub-record (title, issuer and note sealed).
 * Errors: member.not_found, member.invalid. roster.write.
 */
static int h_record_add(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    const char *start = req_body_str(req, "startDate"), *end = req_body_str(req, "endDate");
    char now[11];
    date_today(now);
    if (strcmp(start, now) > 0 || strcmp(start, m.birth_date) < 0)
        return req_fail_field(req, ERR_MEMBER_INVALID, "startDate", "not a date in the past");
    if (end && strcmp(end, start) < 0)
        return req_fail_field(req, ERR_MEMBER_INVALID, "endDate", "before the start date");
    /* Title, issuer and note are sealed: a penalty's title names the sanction
     * (docs/SECURITY.md); the kind stays in clear for the list's order. */
    const char *note = req_body_str(req, "note"), *issuer = req_body_str(req, "issuer");
    size_t len = 0, tlen, ilen = 0;
    unsigned char *sealed = note ? pdata_seal(&req->arena, "member.note", note, &len) : NULL;
    unsigned char *title =
        pdata_seal(&req->arena, "member.note", req_body_str(req, "title"), &tlen);
    unsigned char *by = issuer ? pdata_seal(&req->arena, "member.note", issuer, &ilen) : NULL;
    int64_t ts = now_sec();
    db_exec(req->db,
            "INSERT INTO member_records (member_id, kind, title, title_sealed, issuer_sealed, "
            "start_date, end_date, note_sealed, created_by, created_at, updated_at, seq) VALUES "
            "(?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isbbssbiiii", m.id, req_body_str(req, "kind"), title, tlen, by, ilen, start, end,
            sealed, len, req->who->account_id, ts, ts, db_next_seq(req->db));
    int64_t rid = db_last_id(req->db);
    member_history_add(req->db, &req->arena, m.id, req->who->account_id, "record", m.org_id,
                       jw_small(arena_alloc(&req->arena, 96), 96, "is", "recordId", rid, "kind",
                                req_body_str(req, "kind")),
                       NULL);
    req_audit(req, "member.record.add", m.org_id,
              arena_printf(&req->arena, "member:%" PRId64, m.id), "ok", "%s",
              req_body_str(req, "kind"));
    struct db_stmt *st =
        db_query(req->db, "SELECT " RECORD_COLUMNS " FROM member_records WHERE id = ?", "i", rid);
    if (db_next(st))
        record_write(req, req_data(req), st);
    db_done(st);
    return 201;
}

/*
 * DELETE /api/v1/members/{id}/records/{id} -> {id, deleted: true}
 * Removes a sub-record (a tombstone stays). Errors: member.not_found,
 * member.record_not_found. roster.write.
 */
static int h_record_delete(struct req *req)
{
    struct member_rec m;
    int rc = member_get(req, &m, false);
    if (rc)
        return rc;
    int64_t rid = req->path_ids[1], ts = now_sec();
    db_exec(req->db,
            "UPDATE member_records SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ? AND "
            "member_id = ? AND deleted_at IS NULL",
            "iiiii", ts, ts, db_next_seq(req->db), rid, m.id);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_MEMBER_RECORD_NOT_FOUND, NULL);
    member_history_add(req->db, &req->arena, m.id, req->who->account_id, "record_deleted", m.org_id,
                       jw_small(arena_alloc(&req->arena, 48), 48, "i", "recordId", rid), NULL);
    req_audit(req, "member.record.delete", m.org_id,
              arena_printf(&req->arena, "member:%" PRId64, m.id), "ok", "record %" PRId64, rid);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", rid);
    jw_kv_bool(j, "deleted", true);
    jw_obj_end(j);
    return 200;
}

const struct route members_routes[] = {
    {"GET", "/api/v1/members", h_list, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", list_query, NULL,
     ROUTE_CACHE},
    {"POST", "/api/v1/members", h_create, SCOPE_BODY_ORG, PERM_ROSTER_WRITE, "orgId", NULL,
     create_body, 0},
    {"GET", "/api/v1/members/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0,
     &member_kind, PARTY_SELF, SIDE_EITHER},
    {"PATCH", "/api/v1/members/{id}", h_edit, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     edit_body, 0, &member_kind},
    {"POST", "/api/v1/members/{id}/status", h_status, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     status_body, 0, &member_kind},
    {"POST", "/api/v1/members/{id}/reveal", h_reveal, SCOPE_OBJECT, PERM_PDATA_REVEAL, NULL, NULL,
     NULL, ROUTE_NO_IDEM, &member_kind, PARTY_SELF},
    {"GET", "/api/v1/members/{id}/history", h_history, SCOPE_OBJECT, PERM_ROSTER_READ, NULL,
     page_query, NULL, 0, &member_kind, PARTY_SELF, SIDE_EITHER},
    {"GET", "/api/v1/members/{id}/records", h_records, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL,
     NULL, 0, &member_kind, PARTY_SELF, SIDE_EITHER},
    {"POST", "/api/v1/members/{id}/records", h_record_add, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, record_body, 0, &member_kind},
    {"DELETE", "/api/v1/members/{id}/records/{id}", h_record_delete, SCOPE_OBJECT,
     PERM_ROSTER_WRITE, NULL, NULL, NULL, 0, &member_kind},
    {NULL},
};
