/*
 * orgs.c - the organisation tree: read an organisation, its children and
 * subtree; create, rename, move and close organisations.
 *
 * The tree is a materialised path (see migrations/0001_foundation.sql):
 * subtree tests are prefix tests, subtree lists are index range scans.
 */
#include "app.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "routes.h"

const char *const org_levels[] = {"province",       "city",   "county", "township",
                                  "general_branch", "branch", "group",  NULL};

/* Which level may sit under which: each parent level with its child levels. */
static const struct {
    const char *parent;
    const char *children[3];
} level_rules[] = {
    {NULL, {"province", "city", "county"}}, /* roots: a deployment's top */
    {"province", {"city", "county"}},
    {"city", {"county"}},
    {"county", {"township"}},
    {"township", {"general_branch", "branch"}},
    {"general_branch", {"branch"}},
    {"branch", {"group"}},
};

bool org_level_fits(const char *parent, const char *child)
{
    for (size_t i = 0; i < ARRAY_SIZE(level_rules); i++) {
        const char *p = level_rules[i].parent;
        if ((p == NULL) != (parent == NULL) || (p && strcmp(p, parent)))
            continue;
        for (size_t k = 0; k < ARRAY_SIZE(level_rules[i].children); k++)
            if (level_rules[i].children[k] && !strcmp(level_rules[i].children[k], child))
                return true;
    }
    return false;
}

char *org_path_end(struct arena *a, const char *path)
{
    char *end = arena_strdup(a, path);
    size_t n = strlen(end);
    assert(n > 0 && end[n - 1] == '/');
    end[n - 1] = '0'; /* '0' is the byte after '/' */
    return end;
}

void org_write_path(struct db *db, struct jw *j, const char *path)
{
    /* One primary-key lookup per level (at most 8): cheaper than an IN list,
     * which makes SQLite build a temporary index. */
    jw_arr_begin(j);
    for (const char *s = path; *s == '/' && s[1]; s = strchr(s + 1, '/')) {
        int64_t id = strtoll(s + 1, NULL, 10);
        struct db_stmt *st = db_query(db, "SELECT name, level FROM orgs WHERE id = ?", "i", id);
        if (db_next(st)) {
            jw_obj_begin(j);
            jw_kv_int(j, "id", id);
            jw_kv_str(j, "name", db_text(st, 0));
            jw_kv_str(j, "level", db_text(st, 1));
            jw_obj_end(j);
        }
        db_done(st);
    }
    jw_arr_end(j);
}

int64_t org_insert(struct db *db, struct arena *a, int64_t parent, const char *ppath,
                   const char *name, const char *level, const char **path_out)
{
    int64_t now = now_sec(), depth = 0;
    for (const char *s = ppath; (s = strchr(s + 1, '/'));)
        depth++;
    /* The path holds the new id: insert under a placeholder that cannot
     * collide (ids are digits), then set it. */
    db_exec(db,
            "INSERT INTO orgs (parent_id, path, depth, name, level, created_at, updated_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "Isissiii", parent, arena_printf(a, "%snew", ppath), depth, name, level, now, now,
            db_next_seq(db));
    if (db_failed(db))
        return 0;
    int64_t id = db_last_id(db);
    const char *path = arena_printf(a, "%s%" PRId64 "/", ppath, id);
    db_exec(db, "UPDATE orgs SET path = ? WHERE id = ?", "si", path, id);
    if (path_out)
        *path_out = path;
    return db_failed(db) ? 0 : id;
}

/* Adds delta to members_total of every organisation on path (the root
 * down to the organisation itself). */
static int64_t org_child_count(struct db *db, int64_t id)
{
    int64_t n = 0;
    db_get_int(db, &n, "SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND deleted_at IS NULL", "i",
               id);
    return n;
}

#define ORG_COLS(F, C)                                                                             \
    F(ORG_COL_ID, "id")                                                                            \
    C(ORG_COL_PARENT_ID, "parent_id")                                                              \
    C(ORG_COL_PATH, "path")                                                                        \
    C(ORG_COL_DEPTH, "depth")                                                                      \
    C(ORG_COL_NAME, "name")                                                                        \
    C(ORG_COL_LEVEL, "level")                                                                      \
    C(ORG_COL_CLOSED_AT, "closed_at")                                                              \
    C(ORG_COL_CREATED_AT, "created_at")                                                            \
    C(ORG_COL_UPDATED_AT, "updated_at")                                                            \
    C(ORG_COL_MEMBERS_TOTAL, "members_total")
enum org_col { DB_COLUMN_ENUM(ORG_COLS) };
#define ORG_COLUMNS DB_COLUMNS(ORG_COLS)

/* Writes an organisation from a row of ORG_COLUMNS; full adds the path and dates. */
static void org_write(struct req *req, struct jw *j, struct db_stmt *st, bool full)
{
    int64_t id = db_int(st, ORG_COL_ID);
    const char *path = arena_strdup(&req->arena, db_text(st, ORG_COL_PATH));
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_key(j, "parentId");
    if (db_isnull(st, ORG_COL_PARENT_ID))
        jw_null(j);
    else
        jw_int(j, db_int(st, ORG_COL_PARENT_ID));
    jw_kv_str(j, "name", db_text(st, ORG_COL_NAME));
    jw_kv_str(j, "level", db_text(st, ORG_COL_LEVEL));
    jw_kv_int(j, "depth", db_int(st, ORG_COL_DEPTH));
    jw_kv_bool(j, "closed", !db_isnull(st, ORG_COL_CLOSED_AT));
    if (full) {
        jw_kv_time(j, "createdAt", db_int(st, ORG_COL_CREATED_AT));
        jw_kv_time(j, "updatedAt", db_int(st, ORG_COL_UPDATED_AT));
    }
    jw_kv_int(j, "childCount", org_child_count(req->db, id));
    jw_kv_int(j, "memberCount", db_int(st, ORG_COL_MEMBERS_TOTAL));
    if (full) {
        jw_key(j, "path");
        org_write_path(req->db, j, path);
    }
    jw_obj_end(j);
}

/* Writes the organisation id as the response; 404 if it vanished. */
static int org_respond(struct req *req, int64_t id, int status)
{
    struct db_stmt *st = db_query(
        req->db, "SELECT " ORG_COLUMNS " FROM orgs WHERE id = ? AND deleted_at IS NULL", "i", id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    }
    org_write(req, req_data(req), st, true);
    db_done(st);
    return status;
}

/*
 * GET /api/v1/orgs/{id} -> the organisation with its path, counts, dates.
 * Cached until the next write. Errors: org.not_found (also outside the
 * caller's subtree). org.read on it.
 */
static int h_get(struct req *req)
{
    return org_respond(req, req_id(req), 200);
}

/* Writes the page of ORG_COLUMNS rows; the cursor is the id, or the path. */
static int org_list_respond(struct page *pg, struct db_stmt *st, bool by_path)
{
    while (page_next(pg, st)) {
        org_write(pg->req, pg->j, st, false);
        if (by_path)
            page_mark_text(pg, db_text(st, ORG_COL_PATH));
        else
            page_mark_id(pg, db_int(st, ORG_COL_ID));
    }
    return page_end(pg, st);
}

/*
 * GET /api/v1/orgs/{id}/children?after=&limit= -> {items, next}
 * The organisation's direct children in id order. org.read.
 */
static int h_children(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " ORG_COLUMNS " FROM orgs WHERE parent_id = ? AND id > ? "
                                  "AND deleted_at IS NULL ORDER BY id LIMIT ?",
                                  "iii", req_id(req), after, (int64_t)pg.limit + 1);
    return org_list_respond(&pg, st, false);
}

/*
 * GET /api/v1/orgs/{id}/subtree?after=&limit= -> {items, next}
 * Every organisation below (and including) this one, parents before their
 * children. org.read.
 */
static int h_subtree(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_id(req));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *after;
    int rc = page_after_text(req, &after);
    if (rc)
        return rc;
    if (after && strncmp(after, path, strlen(path)))
        return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    const char *from = after ? after : path;
    bool exclusive = after != NULL;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 exclusive ? "SELECT " ORG_COLUMNS " FROM orgs WHERE path > ? AND "
                             "path < ? AND deleted_at IS NULL ORDER BY path LIMIT ?"
                           : "SELECT " ORG_COLUMNS " FROM orgs WHERE path >= ? AND "
                             "path < ? AND deleted_at IS NULL ORDER BY path LIMIT ?",
                 "ssi", from, org_path_end(&req->arena, path), (int64_t)pg.limit + 1);
    return org_list_respond(&pg, st, true);
}

static const struct param create_body[] = {
    {"parentId", P_ID, P_REQUIRED},
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 60},
    {"level", P_ENUM, P_REQUIRED, 0, 0, org_levels},
    {NULL},
};

/*
 * POST /api/v1/orgs {parentId, name, level} -> 201 the new organisation
 * Errors: org.not_found, org.bad_parent, org.closed. org.admin on the parent.
 */
static int h_create(struct req *req)
{
    int64_t parent = req_body_int(req, "parentId", 0);
    const char *level = req_body_str(req, "level");
    const char *plevel = NULL, *ppath = NULL;
    bool closed = false;
    struct db_stmt *st = db_query(
        req->db, "SELECT level, path, closed_at IS NOT NULL FROM orgs WHERE id = ?", "i", parent);
    if (db_next(st)) {
        plevel = arena_strdup(&req->arena, db_text(st, 0));
        ppath = arena_strdup(&req->arena, db_text(st, 1));
        closed = db_int(st, 2) != 0;
    }
    db_done(st);
    if (!ppath)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (closed)
        return req_fail(req, ERR_ORG_CLOSED, "organisation %" PRId64 " is closed", parent);
    if (!org_level_fits(plevel, level))
        return req_fail_field(req, ERR_ORG_BAD_PARENT, "level", "a %s cannot be placed under a %s",
                              level, plevel);
    int64_t id =
        org_insert(req->db, &req->arena, parent, ppath, req_body_str(req, "name"), level, NULL);
    if (!id)
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "org.create", id, arena_printf(&req->arena, "org:%" PRId64, id), "ok",
              "%s under org %" PRId64, level, parent);
    return org_respond(req, id, 201);
}

static bool org_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return req_locate(req, "SELECT id, path FROM orgs WHERE id = ? AND deleted_at IS NULL", id, o);
}

/* An organisation as an object: read and seen with org.read on it, changed
 * with org.admin on the organisation above it (a root: on itself, and only
 * by a system admin there: org_for_change). */
static const struct object_kind org_kind = {
    .name = "org",
    .not_found = ERR_ORG_NOT_FOUND,
    .see_perm = PERM_ORG_READ,
    .forbidden = ERR_FORBIDDEN,
    .locate = org_locate,
};

/* Loads the organisation of a change (the dispatcher checked org.admin above
 * it). A root has nothing above it: only a system admin on it changes it.
 * Returns 0 and fills the out-parameters, or an error status. */
static int org_for_change(struct req *req, int64_t id, const char **path, const char **level,
                          int64_t *parent)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT path, level, parent_id FROM orgs WHERE id = ? AND "
                                  "deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        *path = arena_strdup(&req->arena, db_text(st, 0));
        *level = arena_strdup(&req->arena, db_text(st, 1));
        *parent = db_int(st, 2);
    }
    db_done(st);
    if (!found)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    bool ok = *parent != 0;
    for (size_t i = 0; i < req->who->nroles && !ok; i++)
        ok = req->who->roles[i].role == ROLE_SYSTEM_ADMIN &&
             !strcmp(req->who->roles[i].org_path, *path);
    if (!ok) {
        req_audit(req, "access.denied", id, arena_printf(&req->arena, "org:%" PRId64, id), "denied",
                  "%s %s: a root is changed by a system admin on it", req->method, req->path);
        return req_fail(req, ERR_FORBIDDEN,
                        "only an administrator above this organisation may change it");
    }
    return 0;
}

static const struct param rename_body[] = {
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 60},
    {NULL},
};

/*
 * PATCH /api/v1/orgs/{id} {name} -> the organisation
 * Errors: org.not_found, auth.forbidden. org.admin above the organisation.
 */
static int h_rename(struct req *req)
{
    int64_t id = req_id(req), parent;
    const char *path, *level;
    int rc = org_for_change(req, id, &path, &level, &parent);
    if (rc)
        return rc;
    db_exec(req->db, "UPDATE orgs SET name = ?, updated_at = ?, seq = ? WHERE id = ?", "siii",
            req_body_str(req, "name"), now_sec(), db_next_seq(req->db), id);
    auth_changed(req->db); /* roles name and place their organisation */
    req_audit(req, "org.rename", id, arena_printf(&req->arena, "org:%" PRId64, id), "ok", NULL);
    return org_respond(req, id, 200);
}

static const struct param move_body[] = {
    {"parentId", P_ID, P_REQUIRED},
    {NULL},
};

/*
 * POST /api/v1/orgs/{id}/move {parentId} -> the organisation
 * Moves the whole subtree. Errors: org.not_found, org.bad_parent, org.cycle,
 * org.closed, auth.forbidden. org.admin above the organisation and on the
 * new parent.
 */
static int h_move(struct req *req)
{
    int64_t id = req_id(req), parent, to = req_body_int(req, "parentId", 0);
    const char *path, *level;
    int rc = org_for_change(req, id, &path, &level, &parent);
    if (rc)
        return rc;
    if (!req_allowed(req, PERM_ORG_ADMIN, to))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *to_path = NULL, *to_level = NULL;
    int64_t to_depth = 0;
    bool closed = false;
    struct db_stmt *st =
        db_query(req->db, "SELECT path, level, depth, closed_at IS NOT NULL FROM orgs WHERE id = ?",
                 "i", to);
    if (db_next(st)) {
        to_path = arena_strdup(&req->arena, db_text(st, 0));
        to_level = arena_strdup(&req->arena, db_text(st, 1));
        to_depth = db_int(st, 2);
        closed = db_int(st, 3) != 0;
    }
    db_done(st);
    if (!to_path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (!strncmp(to_path, path, strlen(path)))
        return req_fail_field(req, ERR_ORG_CYCLE, "parentId",
                              "organisation %" PRId64 " is inside the subtree being moved", to);
    if (closed)
        return req_fail(req, ERR_ORG_CLOSED, "organisation %" PRId64 " is closed", to);
    if (!org_level_fits(to_level, level))
        return req_fail_field(req, ERR_ORG_BAD_PARENT, "parentId",
                              "a %s cannot be placed under a %s", level, to_level);
    if (to == parent)
        return org_respond(req, id, 200);
    const char *new_path = arena_printf(&req->arena, "%s%" PRId64 "/", to_path, id);
    int64_t old_depth = 0, total = 0;
    db_get_int(req->db, &old_depth, "SELECT depth FROM orgs WHERE id = ?", "i", id);
    db_get_int(req->db, &total, "SELECT members_total FROM orgs WHERE id = ?", "i", id);
    /* The members move with the subtree: off the old ancestors, onto the new
     * (a party group's count is its own and never rolls up). */
    if (total && strcmp(level, "group")) {
        /* "/1/2/3/" -> "/1/2/" */
        char *old_parent = arena_strdup(&req->arena, path);
        old_parent[strlen(old_parent) - 1] = '\0';
        strrchr(old_parent, '/')[1] = '\0';
        org_total_add(req->db, old_parent, -total);
        org_total_add(req->db, to_path, total);
    }
    if (strcmp(level, "group")) {
        char *old_parent = arena_strdup(&req->arena, path);
        old_parent[strlen(old_parent) - 1] = '\0';
        strrchr(old_parent, '/')[1] = '\0';
        org_counts_move(req->db, id, old_parent, to_path);
    }
    int64_t seq = db_next_seq(req->db), now = now_sec();
    db_exec(req->db,
            "UPDATE orgs SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ?, "
            "seq = ? WHERE path >= ? AND path < ?",
            "siiiiss", new_path, (int64_t)strlen(path) + 1, to_depth + 1 - old_depth, now, seq,
            path, org_path_end(&req->arena, path));
    db_exec(req->db, "UPDATE orgs SET parent_id = ? WHERE id = ?", "ii", to, id);
    /* Records that keep their organisation's path follow it. */
    static const char *const moved[] = {
        "UPDATE members SET org_path = ? || substr(org_path, ?) WHERE org_path >= ? AND "
        "org_path < ?",
        "UPDATE applicants SET org_path = ? || substr(org_path, ?) WHERE org_path >= ? AND "
        "org_path < ?",
        "UPDATE transfers SET from_path = ? || substr(from_path, ?) WHERE from_path >= ? AND "
        "from_path < ?",
        "UPDATE transfers SET to_path = ? || substr(to_path, ?) WHERE to_path >= ? AND "
        "to_path < ?",
    };
    for (size_t i = 0; i < ARRAY_SIZE(moved); i++)
        db_exec(req->db, moved[i], "siss", new_path, (int64_t)strlen(path) + 1, path,
                org_path_end(&req->arena, path));
    auth_changed(req->db); /* roles name and place their organisation */
    req_audit(req, "org.move", id, arena_printf(&req->arena, "org:%" PRId64, id), "ok",
              "from org %" PRId64 " to org %" PRId64, parent, to);
    return org_respond(req, id, 200);
}

/*
 * POST /api/v1/orgs/{id}/close -> the organisation (closed: true)
 * Only an empty organisation closes: no open children, no members.
 * Errors: org.not_found, org.not_empty, auth.forbidden. org.admin above it.
 */
static int h_close(struct req *req)
{
    int64_t id = req_id(req), parent, n = 0;
    const char *path, *level;
    int rc = org_for_change(req, id, &path, &level, &parent);
    if (rc)
        return rc;
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND closed_at IS NULL AND "
               "deleted_at IS NULL",
               "i", id);
    int64_t members = 0;
    db_get_int(req->db, &members, "SELECT members_total FROM orgs WHERE id = ?", "i", id);
    if (n || members)
        return req_fail(req, ERR_ORG_NOT_EMPTY, NULL);
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE orgs SET closed_at = COALESCE(closed_at, ?), updated_at = ?, seq = ? WHERE "
            "id = ?",
            "iiii", now, now, db_next_seq(req->db), id);
    auth_changed(req->db); /* roles name and place their organisation */
    req_audit(req, "org.close", id, arena_printf(&req->arena, "org:%" PRId64, id), "ok", NULL);
    return org_respond(req, id, 200);
}

static const char *const search_levels[] = {"branch", "general_branch", "township", "county", NULL};

static const struct param search_query[] = {
    {"q", P_STR, P_REQUIRED, 2, 30},
    {"level", P_ENUM, 0, 0, 0, search_levels},
    {NULL},
};

/*
 * GET /api/v1/orgs/search?q=&level=branch -> {items: [{id, name, level,
 * pathNames}]}: up to 20 open organisations anywhere in the deployment whose
 * name contains q (at least 2 characters), e.g. the branch a member moves
 * to. Only names and the names above them: what a transfer needs, nothing
 * of the organisation's members. Any logged-in caller.
 */
static int h_search(struct req *req)
{
    const char *level = req_query_str(req, "level");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT id, name, level, path FROM orgs WHERE name LIKE ? ESCAPE '\\' AND level = "
        "COALESCE(?, level) AND level <> 'group' AND deleted_at IS NULL AND closed_at IS NULL "
        "ORDER BY length(name), id LIMIT 20",
        "ss", db_like_pattern(&req->arena, req_query_str(req, "q")), level);
    struct arena a;
    arena_init(&a);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_str(j, "level", db_text(st, 2));
        /* "云岭县委 / 东岭镇党委 / 下湾村党支部" */
        struct buf names;
        buf_init_arena(&names, &a);
        const char *path = db_text(st, 3);
        for (const char *p = path; *p == '/' && p[1]; p = strchr(p + 1, '/')) {
            struct db_stmt *o = db_query(req->db, "SELECT name FROM orgs WHERE id = ?", "i",
                                         (int64_t)strtoll(p + 1, NULL, 10));
            if (db_next(o)) {
                if (names.len)
                    buf_addstr(&names, " / ");
                buf_addstr(&names, db_text(o, 0));
            }
            db_done(o);
        }
        jw_kv_str(j, "pathNames", names.len ? names.data : "");
        jw_obj_end(j);
    }
    db_done(st);
    arena_release(&a);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

const struct route orgs_routes[] = {
    {"GET", "/api/v1/orgs/search", h_search, SCOPE_LOGIN, PERM_NONE, NULL, search_query, NULL, 0},
    {"GET", "/api/v1/orgs/{id}", h_get, SCOPE_OBJECT, PERM_ORG_READ, NULL, NULL, NULL, ROUTE_CACHE,
     &org_kind, 0, SIDE_ORG},
    {"GET", "/api/v1/orgs/{id}/children", h_children, SCOPE_PATH_ORG, PERM_ORG_READ, NULL,
     page_query, NULL, 0},
    {"GET", "/api/v1/orgs/{id}/subtree", h_subtree, SCOPE_PATH_ORG, PERM_ORG_READ, NULL, page_query,
     NULL, 0},
    {"POST", "/api/v1/orgs", h_create, SCOPE_BODY_ORG, PERM_ORG_ADMIN, "parentId", NULL,
     create_body, 0},
    /* org.admin above the organisation (SIDE_PARENT; a root: see org_for_change). */
    {"PATCH", "/api/v1/orgs/{id}", h_rename, SCOPE_OBJECT, PERM_ORG_ADMIN, NULL, NULL, rename_body,
     ROUTE_SEEN_FORBIDS, &org_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/orgs/{id}/move", h_move, SCOPE_OBJECT, PERM_ORG_ADMIN, NULL, NULL, move_body,
     ROUTE_SEEN_FORBIDS, &org_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/orgs/{id}/close", h_close, SCOPE_OBJECT, PERM_ORG_ADMIN, NULL, NULL, NULL,
     ROUTE_SEEN_FORBIDS, &org_kind, 0, SIDE_PARENT},
    {NULL},
};
