/*
 * members.c - the branch roster: list members of an organisation's subtree
 * and read one member. (The member-records module extends this file's
 * table with the full standard record, transfers, development and dues.)
 */
#include "app.h"
#include "mod/mod.h"

#define MEMBER_COLUMNS                                                                           \
    "m.id, m.name, m.gender, m.birth_date, m.occupation, m.joined_at, m.category, m.status, "    \
    "m.migrant, m.migrant_place, m.org_id, o.name, m.ethnicity, m.education, m.full_at, "        \
    "m.group_id, m.created_at, m.updated_at"

/* Whole years from birth (YYYY-MM-DD) to today (UTC). */
static int age_years(const char *birth)
{
    int y, m, d;
    if (!date_parse(birth, &y, &m, &d))
        return 0;
    time_t t = time(NULL);
    struct tm now;
    gmtime_r(&t, &now);
    int age = now.tm_year + 1900 - y;
    if (now.tm_mon + 1 < m || (now.tm_mon + 1 == m && now.tm_mday < d))
        age--;
    return age;
}

static void member_write(struct jw *j, struct db_stmt *st, bool full)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "name", db_text(st, 1));
    jw_kv_str(j, "gender", db_text(st, 2));
    jw_kv_str(j, "birthDate", db_text(st, 3));
    jw_kv_int(j, "age", age_years(db_text(st, 3)));
    jw_kv_str(j, "occupation", db_text(st, 4));
    jw_kv_str(j, "joinedAt", db_text(st, 5));
    jw_kv_str(j, "category", db_text(st, 6));
    jw_kv_str(j, "status", db_text(st, 7));
    jw_kv_bool(j, "migrant", db_int(st, 8) != 0);
    jw_kv_str(j, "migrantPlace", db_text(st, 9));
    jw_kv_int(j, "orgId", db_int(st, 10));
    jw_kv_str(j, "orgName", db_text(st, 11));
    if (full) {
        jw_kv_str(j, "ethnicity", db_text(st, 12));
        jw_kv_str(j, "education", db_text(st, 13));
        jw_kv_str(j, "fullAt", db_text(st, 14));
        jw_key(j, "groupId");
        if (db_isnull(st, 15))
            jw_null(j);
        else
            jw_int(j, db_int(st, 15));
        jw_kv_time(j, "createdAt", db_int(st, 16));
        jw_kv_time(j, "updatedAt", db_int(st, 17));
    }
    jw_obj_end(j);
}

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"q", P_STR, 0, 1, 20},
    {"after", P_STR, 0, 1, 40},
    {"limit", P_INT, 0, 1, 200},
    {NULL},
};

/* "%q%" with LIKE's wildcards escaped (ESCAPE '\'). */
static char *like_pattern(struct arena *a, const char *q)
{
    struct buf b;
    buf_init_arena(&b, a);
    buf_addch(&b, '%');
    for (const char *s = q; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            buf_addch(&b, '\\');
        buf_addch(&b, *s);
    }
    buf_addch(&b, '%');
    return b.data;
}

/*
 * GET /api/v1/members?orgId=&q=&after=&limit= -> {items, next}
 * Members of the organisation's subtree in id order; q filters by a part of
 * the name. Errors: org.not_found. roster.read on orgId.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), after;
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
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *q = req_query_str(req, "q");
    const char *like = q ? like_pattern(&req->arena, q) : NULL;
    struct page pg;
    page_begin(req, &pg);
    /* A party group lists the members assigned to it, a branch its own
     * members (both straight from an index in id order); a higher
     * organisation the members of the branches in its subtree. */
    if (!strcmp(level, "group"))
        st = db_query(req->db,
                      "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = m.org_id "
                      "WHERE m.group_id = ? AND m.id > ? AND m.deleted_at IS NULL "
                      "AND (? IS NULL OR m.name LIKE ? ESCAPE '\\') ORDER BY m.id LIMIT ?",
                      "iissi", org, after, like, like, (int64_t)pg.limit + 1);
    else if (!strcmp(level, "branch"))
        st = db_query(req->db,
                      "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = m.org_id "
                      "WHERE m.org_id = ? AND m.id > ? AND m.deleted_at IS NULL "
                      "AND (? IS NULL OR m.name LIKE ? ESCAPE '\\') ORDER BY m.id LIMIT ?",
                      "iissi", org, after, like, like, (int64_t)pg.limit + 1);
    else
        st = db_query(req->db,
                      "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = m.org_id "
                      "WHERE o.path >= ? AND o.path < ? AND m.id > ? AND m.deleted_at IS NULL "
                      "AND (? IS NULL OR m.name LIKE ? ESCAPE '\\') ORDER BY m.id LIMIT ?",
                      "ssissi", path, org_path_end(&req->arena, path), after, like, like,
                      (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        member_write(pg.j, st, false);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/members/{id} -> the member
 * A member may read their own record; otherwise roster.read on the
 * member's organisation. Errors: member.not_found (also outside scope).
 */
static int h_get(struct req *req)
{
    int64_t id = req_id(req);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " MEMBER_COLUMNS " FROM members m JOIN orgs o ON o.id = "
                                  "m.org_id WHERE m.id = ? AND m.deleted_at IS NULL",
                                  "i", id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    }
    int64_t org = db_int(st, 10);
    if (req->who->member_id != id && !req_allowed(req, PERM_ROSTER_READ, org)) {
        db_done(st);
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    }
    member_write(req_data(req), st, true);
    db_done(st);
    return 200;
}

const struct route members_routes[] = {
    {"GET", "/api/v1/members", h_list, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", list_query,
     NULL, 0},
    {"GET", "/api/v1/members/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0},
    {NULL},
};
