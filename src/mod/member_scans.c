/*
 * member_scans.c - scans on a member's record (身份证, 学历证书, 入党志愿书
 * 扫描件): a stored image or PDF is sealed as personal data (the plain upload
 * is withdrawn), listed without its content, and opened only by those who
 * may read the record, each opening audited.
 */
#include "app.h"
#include "mod/files.h"
#include "mod/members.h"
#include "routes.h"

static const struct param scan_body[] = {
    {"fileId", P_ID, P_REQUIRED},
    {NULL},
};

static void write_scan(struct req *req, struct jw *j, struct db_stmt *st)
{
    size_t n;
    const void *blob = db_blob(st, 1, &n);
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "name", pdata_open(&req->arena, "scan.title", blob, n));
    jw_kv_int(j, "size", db_int(st, 2));
    jw_kv_str(j, "type", db_text(st, 3));
    jw_kv_str(j, "kind", db_text(st, 4));
    jw_kv_time(j, "createdAt", db_int(st, 5));
    jw_obj_end(j);
}

#define SCAN_SELECT                                                                                \
    "SELECT id, title_sealed, size, mime, kind, created_at, sha256 FROM member_scans "

/*
 * POST /api/v1/members/{id}/scans {fileId} -> 201 {id, name, size, type,
 * kind, createdAt}: the stored file (an image or a PDF, the caller's upload
 * or one of the record's organisation) sealed onto the record; the plain
 * upload is withdrawn. Audited. Errors: member.not_found, file.not_found,
 * file.not_attachable, request.invalid (not an image or a PDF). roster.write.
 */
static int h_add(struct req *req)
{
    struct sealed_file f;
    int rc = files_seal(req, req_body_int(req, "fileId", 0), req->obj.org_path, "fileId", &f);
    if (rc)
        return rc;
    size_t n;
    const unsigned char *title = pdata_seal(&req->arena, "scan.title", f.name, &n);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO member_scans (member_id, title_sealed, sha256, size, mime, kind, "
            "added_by, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "ibsissiiii", req->obj.id, title, n, f.sha256, f.size, f.type, f.kind,
            req->who->account_id, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    req_audit(req, "member.scan_add", req->obj.org_id,
              arena_printf(&req->arena, "member:%" PRId64, req->obj.id), "ok",
              "scan %" PRId64 " (%s, sealed)", id, f.kind);
    struct db_stmt *st = db_query(req->db, SCAN_SELECT "WHERE id = ?", "i", id);
    if (db_next(st))
        write_scan(req, req_data(req), st);
    db_done(st);
    return 201;
}

/*
 * GET /api/v1/members/{id}/scans -> {items: [{id, name, size, type, kind,
 * createdAt}]}. Errors: member.not_found. roster.read; the member themself.
 */
static int h_list(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  SCAN_SELECT "WHERE member_id = ? AND deleted_at IS NULL "
                                              "ORDER BY id",
                                  "i", req->obj.id);
    while (db_next(st))
        write_scan(req, j, st);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* The scan path's second id on the member of the path; NULL statement when none. */
static struct db_stmt *scan_find(struct req *req)
{
    struct db_stmt *st = db_query(req->db,
                                  SCAN_SELECT "WHERE id = ? AND member_id = ? AND deleted_at IS "
                                              "NULL",
                                  "ii", req->path_ids[1], req->obj.id);
    if (db_next(st))
        return st;
    db_done(st);
    return NULL;
}

/*
 * GET /api/v1/members/{id}/scans/{scanId} -> the scan, opened into an
 * unlinked temporary file and sent as an attachment (Range). Audited
 * (member.scan_read). Errors: member.not_found, file.not_found.
 * roster.read; the member themself.
 */
static int h_get(struct req *req)
{
    struct db_stmt *st = scan_find(req);
    if (!st)
        return req_fail(req, ERR_FILE_NOT_FOUND, NULL);
    size_t n;
    const void *blob = db_blob(st, 1, &n);
    const char *name = pdata_open(&req->arena, "scan.title", blob, n);
    const char *type = arena_strdup(&req->arena, db_text(st, 3));
    const char *sha = arena_strdup(&req->arena, db_text(st, 6));
    db_done(st);
    req_audit(req, "member.scan_read", req->obj.org_id,
              arena_printf(&req->arena, "member:%" PRId64, req->obj.id), "ok", "scan %" PRId64,
              req->path_ids[1]);
    return files_send_sealed(req, sha, type, name ? name : "scan");
}

/*
 * DELETE /api/v1/members/{id}/scans/{scanId} -> {id, deleted: true}: removed
 * from the record (its sealed content goes with the next sweep). Audited.
 * Errors: member.not_found, file.not_found. roster.write.
 */
static int h_delete(struct req *req)
{
    struct db_stmt *st = scan_find(req);
    if (!st)
        return req_fail(req, ERR_FILE_NOT_FOUND, NULL);
    const char *sha = arena_strdup(&req->arena, db_text(st, 6));
    db_done(st);
    int64_t id = req->path_ids[1], now = now_sec();
    db_exec(req->db, "UPDATE member_scans SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiii", now, now, db_next_seq(req->db), id);
    files_blob_unref(req, sha);
    req_audit(req, "member.scan_delete", req->obj.org_id,
              arena_printf(&req->arena, "member:%" PRId64, req->obj.id), "ok", "scan %" PRId64, id);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_kv_bool(j, "deleted", true);
    jw_obj_end(j);
    return 200;
}

const struct route member_scans_routes[] = {
    {"GET", "/api/v1/members/{id}/scans", h_list, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL,
     0, &member_kind, PARTY_SELF},
    {"POST", "/api/v1/members/{id}/scans", h_add, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     scan_body, 0, &member_kind},
    {"GET", "/api/v1/members/{id}/scans/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL,
     NULL, ROUTE_RAW, &member_kind, PARTY_SELF},
    {"DELETE", "/api/v1/members/{id}/scans/{id}", h_delete, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, NULL, 0, &member_kind},
    {NULL},
};
