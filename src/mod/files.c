/*
 * files.c - uploads, stored files and their downloads.
 *
 * An upload is resumable: POST /uploads announces the name, the size and the
 * organisation (checked against its quota), then PATCH /uploads/{id} sends
 * chunks, each at the offset the server holds (Upload-Offset, as in the tus
 * protocol) with an optional Upload-Checksum; GET /uploads/{id} says where
 * to resume after a drop or a reload. The dispatcher spools each chunk to a
 * temporary file (ROUTE_UPLOAD), never to memory; the route's outside phase
 * (no transaction, see chunk_write) appends it to the upload's partial file
 * and fsyncs it, and only then does the handler move the offset, so the
 * offset in the database is always backed by bytes on disk. The last chunk
 * completes the upload: its type is decided by content (libmagic) against an
 * allow list, an Office container is checked for zip bombs, and the partial
 * file becomes a blob of the store (src/core/store.h) named by its SHA-256;
 * the same bytes stored twice are one blob with two references.
 *
 * A file is read through the object it is attached to
 * (GET /notices/{id}/files/{fileId}: whoever may read the notice), or by its
 * uploader and the roster keepers of its organisation (GET /files/{id}/content).
 */
#include "app.h"
#include "core/ebml.h"
#include "core/filehdr.h"
#include "core/media.h"
#include "core/store.h"
#include "mod/files.h"

#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <magic.h>
#include <nettle/sha1.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* ---- what may be stored: decided by content ---- */

struct file_type {
    const char *mime; /* as libmagic names it */
    const char *kind; /* files.kind */
    bool container;   /* a zip container to check (OOXML, ODF) */
};

static const struct file_type allowed_types[] = {
    {"application/pdf", "pdf"},
    {"application/msword", "office"},
    {"application/vnd.ms-excel", "office"},
    {"application/vnd.ms-powerpoint", "office"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "office", true},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "office", true},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "office", true},
    {"application/vnd.oasis.opendocument.text", "office", true},
    {"application/vnd.oasis.opendocument.spreadsheet", "office", true},
    {"application/vnd.oasis.opendocument.presentation", "office", true},
    {"image/jpeg", "image"},
    {"image/png", "image"},
    {"image/webp", "image"},
    {"audio/mpeg", "audio"},
    {"audio/ogg", "audio"},
    {"audio/x-wav", "audio"},
    {"audio/x-m4a", "audio"},
    {"audio/aac", "audio"},
    {"audio/flac", "audio"},
    {"audio/amr", "audio"},
    {"audio/webm", "audio"},
    {"video/mp4", "video"},
    {"video/webm", "video"},
    {"video/quicktime", "video"},
    {"video/x-matroska", "video"},
    {"video/3gpp", "video"},
};

/* An Office container may expand to at most this much, and at most this many
 * times its own size once it is past FILE_ZIP_RATIO_FROM bytes expanded. */
#define FILE_ZIP_MAX_BYTES (512LL << 20)
#define FILE_ZIP_MAX_ENTRIES 10000
#define FILE_ZIP_MAX_RATIO 100
#define FILE_ZIP_RATIO_FROM (16LL << 20)

/* Uploads untouched this long are dropped with their partial files. */
#define UPLOAD_STALE_DAYS 7

/* A thread's libmagic handle is closed when the thread ends. */
static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;

static void magic_release(void *cookie)
{
    magic_close(cookie);
}

static void magic_key_init(void)
{
    pthread_key_create(&magic_key, magic_release);
}

/* The MIME type of the file at path by its content, in out; false if libmagic
 * fails. One libmagic handle per thread (a handle is not thread-safe). */
static bool sniff_type(const char *path, char *out, size_t n)
{
    static _Thread_local magic_t cookie;
    if (!cookie) {
        cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (!cookie || magic_load(cookie, NULL)) {
            log_error("files: libmagic: %s", cookie ? magic_error(cookie) : "out of memory");
            if (cookie)
                magic_close(cookie);
            cookie = NULL;
            return false;
        }
        pthread_once(&magic_once, magic_key_init);
        pthread_setspecific(magic_key, cookie);
    }
    const char *t = magic_file(cookie, path);
    if (!t)
        return false;
    snprintf(out, n, "%s", t);
    return true;
}

static const struct file_type *type_allowed(const char *mime)
{
    for (size_t i = 0; i < ARRAY_SIZE(allowed_types); i++)
        if (!strcmp(allowed_types[i].mime, mime))
            return &allowed_types[i];
    return NULL;
}

/* Whether the zip container at path (size bytes) is sound and expands within
 * bounds, judged from its central directory without expanding anything. */
static bool container_ok(const char *path, int64_t size, const char **why)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!z) {
        *why = "the container is not a sound zip file";
        return false;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    int64_t total = 0;
    bool ok = n > 0 && n <= FILE_ZIP_MAX_ENTRIES;
    if (!ok)
        *why = "the container holds no entries or too many";
    for (zip_int64_t i = 0; ok && i < n; i++) {
        zip_stat_t st;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) || !(st.valid & ZIP_STAT_SIZE)) {
            *why = "an entry of the container cannot be read";
            ok = false;
            break;
        }
        total += (int64_t)st.size;
        if (total > FILE_ZIP_MAX_BYTES ||
            (total > FILE_ZIP_RATIO_FROM && total / FILE_ZIP_MAX_RATIO > size)) {
            *why = "the container expands too much (a zip bomb)";
            ok = false;
        }
    }
    zip_discard(z);
    return ok;
}

/* ---- quotas ---- */

static int64_t org_quota(struct db *db, int64_t org_id)
{
    int64_t q;
    if (db_get_int(db, &q, "SELECT bytes FROM file_quotas WHERE org_id = ?", "i", org_id))
        return q;
    return cfg.file_quota_mb << 20;
}

/* Bytes the organisation's live files and its other uploads in progress take
 * (an upload reserves its announced size). */
static int64_t org_used(struct db *db, int64_t org_id, int64_t except_upload)
{
    int64_t files = 0, uploads = 0;
    db_get_int(db, &files,
               "SELECT COALESCE(SUM(size), 0) FROM files WHERE org_id = ? AND deleted_at IS NULL",
               "i", org_id);
    db_get_int(db, &uploads,
               "SELECT COALESCE(SUM(size), 0) FROM file_uploads WHERE org_id = ? AND id <> ?", "ii",
               org_id, except_upload);
    return files + uploads;
}

static int quota_check(struct req *req, int64_t org_id, int64_t size, int64_t except_upload)
{
    int64_t quota = org_quota(req->db, org_id), used = org_used(req->db, org_id, except_upload);
    if (used + size > quota)
        return req_fail(req, ERR_FILE_QUOTA,
                        "the organisation stores %" PRId64 " of %" PRId64 " bytes: %" PRId64
                        " more do not fit",
                        used, quota, size);
    return 0;
}

/* ---- uploads ---- */

#define UPLOAD_COLS(F, C)                                                                          \
    F(UPLOAD_COL_ID, "id")                                                                         \
    C(UPLOAD_COL_ORG, "org_id")                                                                    \
    C(UPLOAD_COL_ORG_PATH, "org_path")                                                             \
    C(UPLOAD_COL_OWNER, "owner_id")                                                                \
    C(UPLOAD_COL_NAME, "name")                                                                     \
    C(UPLOAD_COL_SIZE, "size")                                                                     \
    C(UPLOAD_COL_RECEIVED, "received")                                                             \
    C(UPLOAD_COL_CREATED, "created_at")
enum upload_col { DB_COLUMN_ENUM(UPLOAD_COLS) };

struct upload {
    int64_t id, org_id, owner_id, size, received, created_at;
    const char *org_path, *name;
};

static bool upload_load(struct req *req, int64_t id, struct upload *u)
{
    struct db_stmt *st = db_query(
        req->db, "SELECT " DB_COLUMNS(UPLOAD_COLS) " FROM file_uploads WHERE id = ?", "i", id);
    bool found = db_next(st);
    if (found)
        *u = (struct upload){
            .id = db_int(st, UPLOAD_COL_ID),
            .org_id = db_int(st, UPLOAD_COL_ORG),
            .owner_id = db_int(st, UPLOAD_COL_OWNER),
            .size = db_int(st, UPLOAD_COL_SIZE),
            .received = db_int(st, UPLOAD_COL_RECEIVED),
            .created_at = db_int(st, UPLOAD_COL_CREATED),
            .org_path = arena_strdup(&req->arena, db_text(st, UPLOAD_COL_ORG_PATH)),
            .name = arena_strdup(&req->arena, db_text(st, UPLOAD_COL_NAME)),
        };
    db_done(st);
    return found;
}

/* An upload is its uploader's alone: anyone else finds nothing. */
static bool upload_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct upload u;
    if (!upload_load(req, id, &u))
        return false;
    o->org_id = u.org_id;
    o->org_path = u.org_path;
    o->party = req->who && req->who->account_id == u.owner_id ? PARTY_AUTHOR : 0;
    return true;
}

static const struct object_kind upload_kind = {
    .name = "upload",
    .not_found = ERR_UPLOAD_NOT_FOUND,
    .see_party = PARTY_AUTHOR,
    .locate = upload_locate,
};

static void write_upload(struct jw *j, const struct upload *u)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", u->id);
    jw_kv_int(j, "orgId", u->org_id);
    jw_kv_str(j, "name", u->name);
    jw_kv_int(j, "size", u->size);
    jw_kv_int(j, "offset", u->received);
    jw_kv_time(j, "createdAt", u->created_at);
    jw_obj_end(j);
}

/* The name as shown: the last component of whatever path the client sent
 * ("C:\\docs\\a.pdf", "../../x"), never used to name anything on disk. */
static const char *display_name(const char *name)
{
    const char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');
    const char *base = slash > back ? slash + 1 : back ? back + 1 : name;
    while (*base == ' ')
        base++;
    return strcmp(base, ".") && strcmp(base, "..") ? base : "";
}

static const struct param upload_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {"size", P_INT, P_REQUIRED, 0, INT64_MAX / 2},
    {NULL},
};

/* ---- the tus protocol (tus.io, 1.0.0: core, creation, checksum, termination) ---- */

#define TUS_VERSION "1.0.0"

/* Whether the request speaks tus (it names the protocol's version). */
static bool tus_request(struct req *req)
{
    return req_header(req, "Tus-Resumable") != NULL;
}

/* A tus request names version 1.0.0 (412 upload.tus_version otherwise), and
 * its answer names it too. A request without Tus-Resumable is the zhibu
 * client's and passes. */
static int tus_check(struct req *req)
{
    const char *v = req_header(req, "Tus-Resumable");
    if (!v)
        return 0;
    if (strcmp(v, TUS_VERSION)) {
        req_set_header(req, "Tus-Version", TUS_VERSION);
        return req_fail(req, ERR_UPLOAD_TUS_VERSION, "Tus-Resumable: %.20s is not spoken here", v);
    }
    req_set_header(req, "Tus-Resumable", TUS_VERSION);
    return 0;
}

/* The upload's place in tus headers: Upload-Offset, Upload-Length. */
static void tus_offset_headers(struct req *req, const struct upload *u)
{
    req_set_header(req, "Upload-Offset", arena_printf(&req->arena, "%" PRId64, u->received));
    req_set_header(req, "Upload-Length", arena_printf(&req->arena, "%" PRId64, u->size));
}

/*
 * Begins an upload of name (size bytes) to organisation org_id for the
 * caller; fills *u. 0, or an error status: request.invalid (no file name),
 * file.empty, file.too_large, file.quota, org.not_found. A member to their
 * own branch; org.read on the organisation (a member's account may hold no
 * role).
 */
static int upload_begin(struct req *req, int64_t org_id, const char *name, int64_t size,
                        const char *name_field, const char *size_field, struct upload *u)
{
    const char *path = NULL;
    int64_t own_branch = 0;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT o.path, (SELECT m.org_id FROM members m WHERE m.id = ?) "
                                  "FROM orgs o WHERE o.id = ? AND o.closed_at IS NULL",
                                  "ii", req->who->member_id, org_id);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        own_branch = db_int(st, 1);
    }
    db_done(st);
    /* Out of reach: the same answer as no organisation at all. */
    if (!path || (own_branch != org_id && !principal_can(req->who, PERM_ORG_READ, path)))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    name = display_name(name);
    if (!*name)
        return req_fail_field(req, ERR_INVALID, name_field, "the name has no file name in it");
    if (size == 0)
        return req_fail_field(req, ERR_FILE_EMPTY, size_field, NULL);
    if (size > cfg.file_max_mb << 20)
        return req_fail_field(req, ERR_FILE_TOO_LARGE, size_field,
                              "a file may hold %" PRId64 " MiB", cfg.file_max_mb);
    int rc = quota_check(req, org_id, size, 0);
    if (rc)
        return rc;
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO file_uploads (org_id, org_path, owner_id, name, size, received, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            "isisiii", org_id, path, req->who->account_id, name, size, now, now);
    *u = (struct upload){.id = db_last_id(req->db),
                         .org_id = org_id,
                         .owner_id = req->who->account_id,
                         .size = size,
                         .created_at = now,
                         .org_path = path,
                         .name = name};
    return 0;
}

/*
 * POST /api/v1/uploads {orgId, name, size} -> 201 {id, orgId, name, size,
 * offset: 0, createdAt}: an upload begins; its size is reserved against the
 * organisation's quota. Errors: request.invalid, file.empty, file.too_large,
 * file.quota, org.not_found. A member to their own branch; org.read on the
 * organisation (checked here: a member's account may hold no role).
 */
static int h_upload_create(struct req *req)
{
    struct upload u;
    int rc = upload_begin(req, req_body_int(req, "orgId", 0), req_body_str(req, "name"),
                          req_body_int(req, "size", 0), "name", "size", &u);
    if (rc)
        return rc;
    write_upload(req_data(req), &u);
    return 201;
}

/*
 * POST /api/v1/tus/uploads (tus creation: headers Tus-Resumable, Upload-Length,
 * Upload-Metadata with filename and orgId) -> 201, Location: /api/v1/uploads/{id}
 * (where HEAD, PATCH and DELETE go), and the upload as POST /uploads answers.
 * Errors: upload.tus_version (412), request.invalid (field Upload-Length or
 * Upload-Metadata), and those of POST /uploads. As POST /uploads.
 */
static int h_tus_create(struct req *req)
{
    int rc = tus_check(req);
    if (rc)
        return rc;
    int64_t size, org_id;
    if (!upload_offset_parse(req_header(req, "Upload-Length"), &size))
        return req_fail_field(req, ERR_INVALID, "Upload-Length",
                              "Upload-Length is the decimal size of the file (no deferred length)");
    const char *meta = req_header(req, "Upload-Metadata");
    char name[601], org[24];
    size_t len;
    int has_name = upload_metadata_get(meta, "filename", name, sizeof(name), &len);
    if (has_name == 0)
        has_name = upload_metadata_get(meta, "name", name, sizeof(name), &len);
    int has_org = upload_metadata_get(meta, "orgId", org, sizeof(org), &len);
    if (has_name < 0 || has_org < 0)
        return req_fail_field(req, ERR_INVALID, "Upload-Metadata",
                              "Upload-Metadata is \"key base64,...\" with distinct keys");
    if (has_name != 1 || has_org != 1 || !parse_i64(org, len, &org_id) || org_id <= 0)
        return req_fail_field(req, ERR_INVALID, "Upload-Metadata",
                              "Upload-Metadata names the file (filename) and the organisation "
                              "(orgId)");
    long chars = utf8_chars(name, strlen(name));
    if (chars < 1 || chars > 200)
        return req_fail_field(req, ERR_INVALID, "Upload-Metadata",
                              "the file name is 1-200 characters of UTF-8 without control ones");
    struct upload u;
    rc = upload_begin(req, org_id, name, size, "Upload-Metadata", "Upload-Length", &u);
    if (rc)
        return rc;
    req_set_header(req, "Location", arena_printf(&req->arena, "/api/v1/uploads/%" PRId64, u.id));
    tus_offset_headers(req, &u);
    write_upload(req_data(req), &u);
    return 201;
}

/*
 * OPTIONS /api/v1/tus/uploads -> 204 with the server's tus capabilities:
 * Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm. Public.
 */
static int h_tus_options(struct req *req)
{
    req_set_header(req, "Tus-Resumable", TUS_VERSION);
    req_set_header(req, "Tus-Version", TUS_VERSION);
    req_set_header(req, "Tus-Extension", "creation,checksum,termination");
    req_set_header(req, "Tus-Max-Size",
                   arena_printf(&req->arena, "%" PRId64, cfg.file_max_mb << 20));
    req_set_header(req, "Tus-Checksum-Algorithm", "sha1,sha256");
    return 204;
}

/*
 * GET (or HEAD) /api/v1/uploads/{id} -> {id, orgId, name, size, offset,
 * createdAt} and the headers Upload-Offset, Upload-Length: where to resume
 * (the tus HEAD). Errors: upload.not_found, upload.tus_version. Its uploader.
 */
static int h_upload_get(struct req *req)
{
    int rc = tus_check(req);
    if (rc)
        return rc;
    struct upload u;
    if (!upload_load(req, req->obj.id, &u))
        return req_fail(req, ERR_UPLOAD_NOT_FOUND, NULL);
    tus_offset_headers(req, &u);
    write_upload(req_data(req), &u);
    return 200;
}

/* Kept although the answer is an error: a refused upload leaves nothing. */
static int upload_forget(struct req *req, void *arg)
{
    const int64_t *id = arg;
    char path[700];
    db_exec(req->db, "DELETE FROM file_uploads WHERE id = ?", "i", *id);
    store_partial_path(file_store, *id, path, sizeof(path));
    unlink(path);
    return 0;
}

/* Kept although the answer is an error: the upload starts again from 0. */
static int upload_restart(struct req *req, void *arg)
{
    const int64_t *id = arg;
    char path[700];
    db_exec(req->db, "UPDATE file_uploads SET received = 0 WHERE id = ?", "i", *id);
    store_partial_path(file_store, *id, path, sizeof(path));
    unlink(path);
    return 0;
}

/* Appends len bytes of src (from offset 0) to dst at offset at. */
static bool copy_chunk(int src, int dst, int64_t at, int64_t len)
{
    loff_t in = 0, out = at;
    while (in < len) {
        ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(len - in), 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 ||
            !(errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
            return false;
        /* No copy_file_range between these: through a buffer. */
        static _Thread_local char chunk[1 << 16];
        while (in < len) {
            ssize_t r = pread(src, chunk, sizeof(chunk), in);
            if (r <= 0 || pwrite(dst, chunk, (size_t)r, out) != r)
                return false;
            in += r;
            out += r;
        }
    }
    return true;
}

#define FILE_COLS(F, C)                                                                            \
    F(FILE_COL_ID, "f.id")                                                                         \
    C(FILE_COL_ORG, "f.org_id")                                                                    \
    C(FILE_COL_NAME, "f.name")                                                                     \
    C(FILE_COL_SHA, "f.sha256")                                                                    \
    C(FILE_COL_SIZE, "f.size")                                                                     \
    C(FILE_COL_MIME, "f.mime")                                                                     \
    C(FILE_COL_KIND, "f.kind")                                                                     \
    C(FILE_COL_OWNER, "f.owner_id")                                                                \
    C(FILE_COL_CREATED, "f.created_at")
enum file_col { DB_COLUMN_ENUM(FILE_COLS) };
#define FILE_COLUMNS DB_COLUMNS(FILE_COLS)

/* processing (the media queue's state: queued, running, done, failed; null
 * for none) and variants: [{name, type, size}] in name order. */
static void write_variants(struct req *req, struct jw *j, const char *sha)
{
    struct db_stmt *st =
        db_query(req->db, "SELECT state FROM file_jobs WHERE source_sha256 = ?", "s", sha);
    jw_kv_str(j, "processing", db_next(st) ? db_text(st, 0) : NULL);
    db_done(st);
    jw_key(j, "variants");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT name, mime, size FROM file_variants WHERE source_sha256 = ? ORDER BY "
                  "length(name), name",
                  "s", sha);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_str(j, "name", db_text(st, 0));
        jw_kv_str(j, "type", db_text(st, 1));
        jw_kv_int(j, "size", db_int(st, 2));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
}

static void write_file_row(struct req *req, struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, FILE_COL_ID));
    jw_kv_int(j, "orgId", db_int(st, FILE_COL_ORG));
    jw_kv_str(j, "name", db_text(st, FILE_COL_NAME));
    jw_kv_int(j, "size", db_int(st, FILE_COL_SIZE));
    jw_kv_str(j, "type", db_text(st, FILE_COL_MIME));
    jw_kv_str(j, "kind", db_text(st, FILE_COL_KIND));
    jw_kv_str(j, "sha256", db_text(st, FILE_COL_SHA));
    jw_kv_time(j, "createdAt", db_int(st, FILE_COL_CREATED));
    write_variants(req, j, db_text(st, FILE_COL_SHA));
    jw_obj_end(j);
}

static void write_file(struct req *req, struct jw *j, int64_t id)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " FILE_COLUMNS " FROM files f WHERE f.id = ? AND "
                                  "f.deleted_at IS NULL",
                                  "i", id);
    if (db_next(st))
        write_file_row(req, j, st);
    else
        jw_null(j);
    db_done(st);
}

void files_write_ref(struct req *req, struct jw *j, int64_t file_id)
{
    write_file(req, j, file_id);
}

void files_write_attached_one(struct req *req, struct jw *j, const char *kind, int64_t object_id,
                              int64_t file_id)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " FILE_COLUMNS " FROM file_refs r JOIN files f ON f.id "
                                  "= r.file_id WHERE r.object_kind = ? AND r.object_id = ? AND "
                                  "r.file_id = ? AND f.deleted_at IS NULL",
                                  "sii", kind, object_id, file_id);
    if (db_next(st))
        write_file_row(req, j, st);
    else
        jw_null(j);
    db_done(st);
}

void files_write_attached(struct req *req, struct jw *j, const char *key, const char *kind,
                          int64_t object_id)
{
    jw_key(j, key);
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " FILE_COLUMNS " FROM file_refs r JOIN files f ON f.id "
                                  "= r.file_id WHERE r.object_kind = ? AND r.object_id = ? AND "
                                  "f.deleted_at IS NULL ORDER BY r.created_at, f.id",
                                  "si", kind, object_id);
    while (db_next(st))
        write_file_row(req, j, st);
    db_done(st);
    jw_arr_end(j);
}

/*
 * A chunk is stored in three steps, so that the slow part holds no lock:
 *   chunk_read (a read transaction): the headers against the upload as it
 *     stands; what the rest needs goes into a struct chunk.
 *   chunk_write (the slow lane, no transaction): under an flock of the
 *     partial file, held past the commit until the answer (req->hold_fd), the chunk is
 *     checked against its checksum, appended and synced; the last one has the
 *     whole file hashed, typed and put into the store.
 *   h_upload_chunk (the write transaction): the offset moves if it still
 *     stands where chunk_read saw it, and the file is recorded.
 * The offset in the database is always backed by synced bytes on disk; bytes
 * past it are nobody's (a commit that failed, a crash) and are cut off by the
 * next chunk's write transaction, which alone knows the offset is current.
 */
enum chunk_disk {
    CHUNK_WRITTEN, /* appended at the offset and synced */
    CHUNK_GONE,    /* the file holds less than the offset: the bytes are lost */
    CHUNK_AHEAD,   /* the file holds more than the offset: nothing written */
};

struct chunk {
    struct upload u; /* as chunk_read saw it */
    char partial[700];
    bool has_sum;
    enum upload_hash alg;  /* the Upload-Checksum's algorithm */
    unsigned char sum[32]; /* and its digest */
    enum chunk_disk disk;
    bool last;                    /* this chunk completes the upload */
    char sha[STORE_HASH_HEX];     /* the last: the whole file's */
    char mime[128];               /* the last: its type by content */
    const struct file_type *type; /* the last: NULL if refused */
    const char *why;              /* a container refused: why */
    bool dup;                     /* the last: the store held these bytes already */
};

/* Puts a copy of the partial file into the store as blob sha (a hard link
 * consumed by the store: the partial file stays until the commit). */
static int partial_put(const struct chunk *c, bool *dup)
{
    char tmp[700];
    snprintf(tmp, sizeof(tmp), "%s/tmp/upload-%" PRId64, file_store->root, c->u.id);
    unlink(tmp);
    if (link(c->partial, tmp))
        return -1;
    int rc = store_put_path(file_store, tmp, c->sha, dup);
    if (rc)
        unlink(tmp);
    return rc;
}

/* libmagic names every WebM and Matroska file a video: one whose tracks are
 * all audio (a phone's voice recording) is audio/webm, kind audio. */
static void audio_only_refine(int fd, char *mime, size_t len)
{
    if (strcmp(mime, "video/webm") && strcmp(mime, "video/x-matroska"))
        return;
    unsigned char *head = xmalloc(EBML_HEAD_BYTES);
    ssize_t n = pread(fd, head, EBML_HEAD_BYTES, 0);
    if (n > 0 && ebml_audio_only(head, (size_t)n))
        snprintf(mime, len, "audio/webm");
    free(head);
}

/* The whole file is on disk: hashed, typed by content, a container checked,
 * and if allowed put into the store. False on a failure of the server's own. */
static bool chunk_finish(struct chunk *c, int pfd)
{
    if (store_hash_fd(pfd, c->u.size, c->sha) || !sniff_type(c->partial, c->mime, sizeof(c->mime)))
        return false;
    audio_only_refine(pfd, c->mime, sizeof(c->mime));
    c->type = type_allowed(c->mime);
    if (c->type && c->type->container && !container_ok(c->partial, c->u.size, &c->why))
        c->type = NULL;
    return !c->type || partial_put(c, &c->dup) == 0;
}

/* The finished file could not go into the store. Nothing is recorded: with
 * the store down (EAGAIN: an S3 store unreachable) the last chunk is sent
 * again once it is back. */
static int store_failed(struct req *req, const struct chunk *c)
{
    int err = errno;
    log_error("files: cannot store upload %" PRId64 ": %s", c->u.id, strerror(err));
    return req_fail(req, err == EAGAIN ? ERR_FILE_STORE_DOWN : ERR_INTERNAL,
                    "cannot store the file");
}

/* Whether the first size bytes of fd match the chunk's Upload-Checksum. */
static bool chunk_sum_ok(const struct chunk *c, int fd, int64_t size)
{
    if (c->alg == UPLOAD_SHA256) {
        char want[STORE_HASH_HEX], got[STORE_HASH_HEX];
        hex_encode(c->sum, 32, want);
        return store_hash_fd(fd, size, got) == 0 && !strcmp(got, want);
    }
    struct sha1_ctx ctx;
    uint8_t got[SHA1_DIGEST_SIZE];
    static _Thread_local uint8_t chunk[1 << 16];
    sha1_init(&ctx);
    for (int64_t at = 0; at < size;) {
        size_t want = size - at < (int64_t)sizeof(chunk) ? (size_t)(size - at) : sizeof(chunk);
        ssize_t n = pread(fd, chunk, want, at);
        if (n <= 0)
            return false;
        sha1_update(&ctx, (size_t)n, chunk);
        at += n;
    }
    sha1_digest(&ctx, sizeof(got), got);
    return !memcmp(got, c->sum, sizeof(got));
}

/* Checks the chunk's headers against the upload; 0 or an error status. */
static int chunk_check(struct req *req, struct chunk *c)
{
    const struct upload *u = &c->u;
    int64_t offset;
    if (!upload_offset_parse(req_header(req, "Upload-Offset"), &offset))
        return req_fail_field(req, ERR_INVALID, "Upload-Offset",
                              "Upload-Offset is the decimal offset of the chunk");
    if (offset != u->received) {
        req_fail(req, ERR_UPLOAD_OFFSET, "the upload stands at %" PRId64, u->received);
        req_fail_details(req, "offset", arena_printf(&req->arena, "%" PRId64, u->received));
        return err_table[ERR_UPLOAD_OFFSET].status;
    }
    if (req->body_size > u->size - u->received)
        return req_fail(req, ERR_UPLOAD_OVERRUN, "%" PRId64 " bytes remain", u->size - u->received);
    const char *sum = req_header(req, "Upload-Checksum");
    if (sum && !upload_checksum_parse(sum, &c->alg, c->sum))
        return req_fail_field(req, ERR_INVALID, "Upload-Checksum",
                              "Upload-Checksum is \"sha1|sha256 <base64 digest>\"");
    c->has_sum = sum != NULL;
    return quota_check(req, u->org_id, u->size, u->id);
}

/* PATCH /uploads/{id}, in a read transaction: the chunk's headers. */
static int chunk_read(struct req *req)
{
    struct chunk *c = arena_calloc(&req->arena, 1, sizeof(*c));
    req->state = c;
    int rc = tus_check(req);
    if (rc)
        return rc;
    const char *type = req_header(req, "Content-Type");
    if (tus_request(req) && (!type || strcasecmp(type, "application/offset+octet-stream")))
        return req_fail(req, ERR_UPLOAD_CONTENT_TYPE, NULL);
    if (!upload_load(req, req->obj.id, &c->u))
        return req_fail(req, ERR_UPLOAD_NOT_FOUND, NULL);
    store_partial_path(file_store, c->u.id, c->partial, sizeof(c->partial));
    return chunk_check(req, c);
}

/* The partial file's lock, waited for a little: a lock is also held for a
 * moment by a child the media thread forks (it shares the open file until
 * its exec closes it), and the previous chunk's answer may have just gone.
 * False when another chunk of the upload still holds it. */
static bool partial_lock(int fd)
{
    for (int i = 0; i < 150; i++) {
        if (!flock(fd, LOCK_EX | LOCK_NB))
            return true;
        if (errno != EWOULDBLOCK)
            return false;
        usleep(20 * 1000);
    }
    return false;
}

/* PATCH /uploads/{id}, on the slow lane: the chunk onto the disk. */
static int chunk_write(struct req *req)
{
    struct chunk *c = req->state;
    if (c->has_sum && !chunk_sum_ok(c, req->body_fd, req->body_size))
        return req_fail(req, ERR_UPLOAD_CHECKSUM, NULL);
    int pfd = open(c->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (pfd < 0) {
        log_error("files: upload %" PRId64 ": %s: %s", c->u.id, c->partial, strerror(errno));
        return req_fail(req, ERR_INTERNAL, "cannot store the chunk");
    }
    if (!partial_lock(pfd)) {
        close(pfd);
        return req_fail(req, ERR_UPLOAD_LOCKED, NULL);
    }
    req->hold_fd = pfd; /* the lock lasts past the commit */
    struct stat sb;
    if (fstat(pfd, &sb))
        return req_fail(req, ERR_INTERNAL, "cannot store the chunk");
    if (sb.st_size != c->u.received) {
        c->disk = sb.st_size < c->u.received ? CHUNK_GONE : CHUNK_AHEAD;
        return 0;
    }
    if (!copy_chunk(req->body_fd, pfd, c->u.received, req->body_size) || fsync(pfd)) {
        log_error("files: upload %" PRId64 ": cannot write: %s", c->u.id, strerror(errno));
        return req_fail(req, ERR_INTERNAL, "cannot store the chunk");
    }
    c->disk = CHUNK_WRITTEN;
    c->last = c->u.received + req->body_size == c->u.size;
    if (c->last && !chunk_finish(c, pfd))
        return store_failed(req, c);
    return 0;
}

/* After the commit: the partial file of a completed upload goes. */
static int partial_drop_after(struct req *req, void *arg)
{
    unlink(arg);
    return 200;
}

/* After the commit: the media thread finds the new job at once. */
static int media_wake_after(struct req *req, void *arg)
{
    files_media_wake();
    return 200;
}

/* 409 upload.offset: resume at offset. */
static int chunk_refuse(struct req *req, int64_t offset, const char *why)
{
    req_fail(req, ERR_UPLOAD_OFFSET, "%s", why);
    req_fail_details(req, "offset", arena_printf(&req->arena, "%" PRId64, offset));
    return err_table[ERR_UPLOAD_OFFSET].status;
}

/*
 * The last chunk is in and typed: record the file, or the refusal (the upload
 * is then forgotten, whatever the answer). Returns the new file's id, or 0.
 */
static int64_t upload_complete(struct req *req, struct chunk *c)
{
    const struct upload *u = &c->u;
    if (!c->type) {
        int64_t *keep = arena_alloc(&req->arena, sizeof(*keep));
        *keep = u->id;
        req_keep(req, upload_forget, keep);
        req_audit(req, "file.refused", u->org_id,
                  arena_printf(&req->arena, "upload:%" PRId64, u->id), "denied", "%s%s%s", c->mime,
                  c->why ? ": " : "", c->why ? c->why : "");
        if (c->why)
            req_fail(req, ERR_FILE_CONTAINER, "%s", c->why);
        else
            req_fail(req, ERR_FILE_TYPE, "a file of type %s is not accepted", c->mime);
        return 0;
    }
    /* The sweep may have removed a blob of the same bytes since the put (it
     * runs under this lock, so not between here and the commit). */
    int64_t size;
    if (store_stat(file_store, c->sha, &size) && (errno != ENOENT || partial_put(c, &c->dup))) {
        store_failed(req, c);
        return 0;
    }
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO file_blobs (sha256, size, refs, created_at) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (sha256) DO UPDATE SET refs = file_blobs.refs + 1, unref_at = NULL",
            "sii", c->sha, u->size, now);
    db_exec(req->db,
            "INSERT INTO files (org_id, org_path, owner_id, name, sha256, size, mime, kind, "
            "created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isississiii", u->org_id, u->org_path, u->owner_id, u->name, c->sha, u->size, c->mime,
            c->type->kind, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    db_exec(req->db, "DELETE FROM file_uploads WHERE id = ?", "i", u->id);
    files_media_enqueue(req->db, c->sha, c->type->kind);
    req_after_commit(req, partial_drop_after, c->partial);
    req_after_commit(req, media_wake_after, NULL);
    req_audit(req, "file.upload", u->org_id, arena_printf(&req->arena, "file:%" PRId64, id), "ok",
              "%s, %" PRId64 " bytes%s", c->mime, u->size, c->dup ? ", stored once already" : "");
    return id;
}

/*
 * PATCH /api/v1/uploads/{id} (headers Upload-Offset, Upload-Checksum?; the
 * body is the chunk) -> {upload: {id, ..., offset}, file: null | {id, name,
 * size, type, kind, sha256, createdAt}}: the chunk is stored at the offset
 * and synced; the last one completes the file. A tus request (Tus-Resumable,
 * Content-Type application/offset+octet-stream) gets 204 with Upload-Offset
 * and, when the file is complete, Zhibu-File-Id. Errors: upload.not_found,
 * upload.tus_version, upload.content_type,
 * request.invalid (a header), upload.offset (with the offset to resume at),
 * upload.locked (another chunk is being written), upload.overrun,
 * upload.checksum_mismatch, file.quota, file.type_refused and
 * file.container_refused (the upload is then dropped), file.store_unavailable
 * (nothing recorded: send the last chunk again). Its uploader.
 */
static int h_upload_chunk(struct req *req)
{
    struct chunk *c = req->state;
    struct upload u;
    if (!upload_load(req, c->u.id, &u))
        return req_fail(req, ERR_UPLOAD_NOT_FOUND, NULL);
    /* Another chunk moved it since chunk_read: this one was not written
     * (the file held more than chunk_read's offset) or lies past it. */
    if (u.received != c->u.received)
        return chunk_refuse(req, u.received, "the upload moved on meanwhile");
    if (c->disk == CHUNK_GONE) {
        /* The bytes the offset stood for are gone (a lost disk, a restore):
         * the upload starts again rather than hold a hole. */
        int64_t *id = arena_alloc(&req->arena, sizeof(*id));
        *id = u.id;
        req_keep(req, upload_restart, id);
        return chunk_refuse(req, 0, "the upload must start again");
    }
    if (c->disk == CHUNK_AHEAD) {
        /* Bytes past the offset from a commit that never came (a crash, a
         * failed commit): cut off, and the chunk written here, under the
         * lock, now that the offset is known to be current. Rare. */
        if (ftruncate(req->hold_fd, u.received) ||
            !copy_chunk(req->body_fd, req->hold_fd, u.received, req->body_size) ||
            fsync(req->hold_fd))
            return req_fail(req, ERR_INTERNAL, "cannot store the chunk");
        c->last = u.received + req->body_size == u.size;
        if (c->last && !chunk_finish(c, req->hold_fd))
            return store_failed(req, c);
    }
    int rc = quota_check(req, u.org_id, u.size, u.id);
    if (rc)
        return rc;
    u.received += req->body_size;
    db_exec(req->db, "UPDATE file_uploads SET received = ?, updated_at = ? WHERE id = ?", "iii",
            u.received, now_sec(), u.id);
    int64_t file_id = c->last ? upload_complete(req, c) : 0;
    if (c->last && !file_id)
        return err_table[req->err].status;
    req_set_header(req, "Upload-Offset", arena_printf(&req->arena, "%" PRId64, u.received));
    if (tus_request(req)) { /* tus: 204, the file's id in a header of its own */
        if (file_id)
            req_set_header(req, "Zhibu-File-Id", arena_printf(&req->arena, "%" PRId64, file_id));
        return 204;
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "upload");
    write_upload(j, &u);
    jw_key(j, "file");
    if (file_id)
        write_file(req, j, file_id);
    else
        jw_null(j);
    jw_obj_end(j);
    return 200;
}

/*
 * DELETE /api/v1/uploads/{id} -> {id, deleted: true} (a tus request: 204,
 * the termination extension): an upload abandoned; its reserved quota and
 * partial file are freed. Errors: upload.not_found, upload.tus_version. Its
 * uploader.
 */
static int h_upload_delete(struct req *req)
{
    int rc = tus_check(req);
    if (rc)
        return rc;
    int64_t *id = arena_alloc(&req->arena, sizeof(*id));
    *id = req->obj.id;
    upload_forget(req, id);
    if (tus_request(req)) /* tus termination */
        return 204;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", *id);
    jw_kv_bool(j, "deleted", true);
    jw_obj_end(j);
    return 200;
}

/* ---- stored files ---- */

/* A file is its uploader's, and its organisation's roster keepers'. Anyone
 * else reads it through an object it is attached to. */
static bool file_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT f.org_id, o.path, f.owner_id FROM files f JOIN orgs o "
                                  "ON o.id = f.org_id WHERE f.id = ? AND f.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, false);
        o->party = req->who && req->who->account_id == db_int(st, 2) ? PARTY_AUTHOR : 0;
    }
    db_done(st);
    return found;
}

static const struct object_kind file_kind = {
    .name = "file",
    .not_found = ERR_FILE_NOT_FOUND,
    .see_perm = PERM_ROSTER_READ,
    .see_party = PARTY_AUTHOR,
    .locate = file_locate,
};

/*
 * GET /api/v1/files/{id} -> {id, orgId, name, size, type, kind, sha256,
 * createdAt}. Errors: file.not_found. Its uploader; roster.read on its
 * organisation.
 */
static int h_file_get(struct req *req)
{
    write_file(req, req_data(req), req->obj.id);
    return 200;
}

const struct param files_download_query[] = {
    {"download", P_BOOL},
    {"variant", P_STR, 0, 1, 20},
    {NULL},
};

/* Whether If-None-Match names etag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (!strcmp(inm, "*"))
        return true;
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)); p += n)
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

/* Answers the file of the current row of st (FILE_COLS): the whole of it, a
 * range, or 304. */
static int send_row(struct req *req, struct db_stmt *st)
{
    const char *sha = db_text(st, FILE_COL_SHA), *kind = db_text(st, FILE_COL_KIND);
    const char *mime = db_text(st, FILE_COL_MIME), *name = db_text(st, FILE_COL_NAME);
    const char *variant = req_query_str(req, "variant");
    int64_t size = db_int(st, FILE_COL_SIZE);
    if (variant) { /* a version for weak links, of the same file */
        struct db_stmt *v = db_query(req->db,
                                     "SELECT sha256, mime, size FROM file_variants WHERE "
                                     "source_sha256 = ? AND name = ?",
                                     "ss", sha, variant);
        if (!db_next(v)) {
            db_done(v);
            return req_fail(req, ERR_FILE_NOT_FOUND, "no version %s of this file (yet)", variant);
        }
        sha = arena_strdup(&req->arena, db_text(v, 0));
        mime = arena_strdup(&req->arena, db_text(v, 1));
        size = db_int(v, 2);
        name = arena_printf(&req->arena, "%s.%s", variant, strchr(mime, '/') + 1);
        kind = "variant";
        db_done(v);
    }
    char etag[STORE_HASH_HEX + 2];
    /* A strong validator: the content's hash in quotes (RFC 9110 8.8.3). */
    etag[0] = '"';
    memcpy(etag + 1, sha, STORE_HASH_HEX - 1);
    etag[STORE_HASH_HEX] = '"';
    etag[STORE_HASH_HEX + 1] = '\0';
    if (etag_matches(req_header(req, "If-None-Match"), etag))
        return req_not_modified(req, etag);
    /* The range from the recorded size, so that a remote store is asked for
     * that part only; the store's own size must agree. */
    struct file_part part = {.offset = 0, .length = size, .total = size, .etag = etag};
    const char *if_range = req_header(req, "If-Range");
    if (!if_range || !strcmp(if_range, etag)) {
        switch (range_parse(req_header(req, "Range"), size, &part.offset, &part.length)) {
        case RANGE_NONE:
        case RANGE_OK:
            break;
        case RANGE_UNSATISFIABLE:
            req->file_total = size;
            return req_fail(req, ERR_FILE_RANGE, "the file holds %" PRId64 " bytes", size);
        }
    }
    int64_t stored = -1;
    bool whole = part.offset == 0 && part.length == size;
    int fd = store_open_range(file_store, sha, part.offset, whole ? 0 : part.length, &stored);
    if (fd < 0 || stored != size) {
        int err = fd < 0 ? errno : EIO;
        if (fd >= 0)
            close(fd);
        log_error("files: blob %s of file %" PRId64 ": %s", sha, db_int(st, FILE_COL_ID),
                  fd < 0 ? strerror(err) : "its size differs from the recorded one");
        if (err == EAGAIN)
            return req_fail(req, ERR_FILE_STORE_DOWN, NULL);
        return req_fail(req, ERR_INTERNAL, "the file's content is missing");
    }
    const struct value *dl = req_query(req, "download");
    part.inline_ = !(dl && dl->present && dl->i) && strcmp(kind, "office");
    return req_send_part(req, fd, &part, mime, name);
}

/*
 * GET /api/v1/files/{id}/content?download= -> the file (Range: 206 / 416,
 * ETag and If-None-Match: 304; inline under a sandboxing CSP for PDF, images,
 * audio and video unless download=true; Office documents always download).
 * Errors: file.not_found, file.range_not_satisfiable. As GET /files/{id}.
 */
static int h_file_content(struct req *req)
{
    return files_send(req, req->obj.id);
}

int files_send(struct req *req, int64_t file_id)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " FILE_COLUMNS " FROM files f WHERE f.id = ? AND "
                                  "f.deleted_at IS NULL",
                                  "i", file_id);
    int rc = db_next(st) ? send_row(req, st) : req_fail(req, ERR_FILE_NOT_FOUND, NULL);
    db_done(st);
    return rc;
}

int files_send_attached(struct req *req, const char *kind, int64_t object_id, int64_t file_id)
{
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT " FILE_COLUMNS " FROM file_refs r JOIN files f ON f.id = r.file_id "
                 "WHERE r.object_kind = ? AND r.object_id = ? AND r.file_id = ? AND "
                 "f.deleted_at IS NULL",
                 "sii", kind, object_id, file_id);
    int rc = db_next(st) ? send_row(req, st) : req_fail(req, ERR_FILE_NOT_FOUND, NULL);
    db_done(st);
    return rc;
}

/*
 * DELETE /api/v1/files/{id} -> {id, deleted: true}: the uploader withdraws
 * the file: it leaves every object it was attached to, and its content goes
 * when no other file holds the same bytes. Errors: file.not_found. Its
 * uploader only.
 */
/* The file leaves every object and its blob loses a reference. */
static void file_withdraw(struct req *req, int64_t id)
{
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE file_blobs SET refs = refs - 1, unref_at = CASE WHEN refs = 1 THEN ? ELSE "
            "unref_at END WHERE sha256 = (SELECT sha256 FROM files WHERE id = ?)",
            "ii", now, id);
    db_exec(req->db, "UPDATE files SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiii", now, now, db_next_seq(req->db), id);
    db_exec(req->db, "DELETE FROM file_refs WHERE file_id = ?", "i", id);
}

static int h_file_withdraw(struct req *req)
{
    int64_t id = req->obj.id;
    file_withdraw(req, id);
    req_audit(req, "file.withdraw", req->obj.org_id, arena_printf(&req->arena, "file:%" PRId64, id),
              "ok", "withdrawn by its uploader");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_kv_bool(j, "deleted", true);
    jw_obj_end(j);
    return 200;
}

static const struct param mine_query[] = {PAGE_PARAMS, {NULL}};

/*
 * GET /api/v1/files?after=&limit= -> {items: [file], next}: the caller's own
 * uploads, newest first. Any logged-in account.
 */
static int h_files_mine(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT " FILE_COLUMNS " FROM files f WHERE f.owner_id = ? AND "
                 "f.deleted_at IS NULL AND (? = 0 OR f.id < ?) ORDER BY f.id "
                 "DESC LIMIT ?",
                 "iiii", req->who->account_id, after, after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        write_file_row(req, pg.j, st);
        page_mark_id(&pg, db_int(st, FILE_COL_ID));
    }
    return page_end(&pg, st);
}

/* ---- attaching ---- */

int files_check_attachable(struct req *req, int64_t file_id, const char *org_path,
                           const char *field, struct file_info *info)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT owner_id, org_path, size, mime, kind FROM files WHERE "
                                  "id = ? AND deleted_at IS NULL",
                                  "i", file_id);
    bool found = db_next(st);
    bool mine = found && db_int(st, 0) == req->who->account_id;
    const char *path = found ? arena_strdup(&req->arena, db_text(st, 1)) : NULL;
    if (found)
        *info = (struct file_info){.size = db_int(st, 2),
                                   .type = arena_strdup(&req->arena, db_text(st, 3)),
                                   .kind = arena_strdup(&req->arena, db_text(st, 4))};
    db_done(st);
    if (!found || (!mine && !principal_can(req->who, PERM_ROSTER_READ, path)))
        return req_fail_field(req, ERR_FILE_NOT_FOUND, field, "no file %" PRId64, file_id);
    /* The file's organisation on the object's path: the object's audience is
     * in the file's organisation or below it, or the file is from below. */
    if (strncmp(path, org_path, strlen(org_path)) && strncmp(org_path, path, strlen(path)))
        return req_fail_field(req, ERR_FILE_NOT_ATTACHABLE, field,
                              "file %" PRId64 " belongs to another organisation", file_id);
    return 0;
}

void files_attach(struct req *req, int64_t file_id, const char *kind, int64_t object_id)
{
    db_exec(req->db,
            "INSERT INTO file_refs (file_id, object_kind, object_id, created_at) VALUES (?, ?, "
            "?, ?) ON CONFLICT DO NOTHING",
            "isii", file_id, kind, object_id, now_sec());
}

void files_detach_all(struct req *req, const char *kind, int64_t object_id)
{
    db_exec(req->db, "DELETE FROM file_refs WHERE object_kind = ? AND object_id = ?", "si", kind,
            object_id);
}

/* ---- sealed files (personal data) ---- */

/* After a commit, in a write transaction: removes blob arg (a hash) from the
 * store if nothing refers to it any more. */
static int blob_drop_if_unused(struct req *req, void *arg)
{
    const char *sha = arg;
    int64_t refs = -1;
    if (db_get_int(req->db, &refs, "SELECT refs FROM file_blobs WHERE sha256 = ?", "s", sha) &&
        refs == 0 && store_remove(file_store, sha) == 0)
        db_exec(req->db, "DELETE FROM file_blobs WHERE sha256 = ?", "s", sha);
    return 200;
}

void files_blob_unref(struct req *req, const char *sha256)
{
    db_exec(req->db,
            "UPDATE file_blobs SET refs = refs - 1, unref_at = CASE WHEN refs = 1 THEN ? ELSE "
            "unref_at END WHERE sha256 = ?",
            "is", now_sec(), sha256);
}

int files_seal(struct req *req, int64_t file_id, const char *org_path, const char *field,
               struct sealed_file *out)
{
    struct file_info info;
    int rc = files_check_attachable(req, file_id, org_path, field, &info);
    if (rc)
        return rc;
    if (strcmp(info.kind, "image") && strcmp(info.kind, "pdf"))
        return req_fail_field(req, ERR_INVALID, field, "a scan is an image or a PDF");
    char sha[STORE_HASH_HEX], tmp[700];
    struct db_stmt *st =
        db_query(req->db, "SELECT sha256, name FROM files WHERE id = ?", "i", file_id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail_field(req, ERR_FILE_NOT_FOUND, field, NULL);
    }
    snprintf(sha, sizeof(sha), "%s", db_text(st, 0));
    out->name = arena_strdup(&req->arena, db_text(st, 1));
    db_done(st);
    int64_t size = 0;
    int in = store_open(file_store, sha, &size);
    snprintf(tmp, sizeof(tmp), "%s/tmp/seal-XXXXXX", file_store->root);
    int fd = in >= 0 ? mkstemp(tmp) : -1;
    bool ok = fd >= 0 && pdata_seal_file(in, size, fd) == 0 &&
              store_hash_fd(fd, lseek(fd, 0, SEEK_END), out->sha256) == 0;
    bool dup = false;
    ok = ok && store_put_path(file_store, tmp, out->sha256, &dup) == 0;
    if (in >= 0)
        close(in);
    if (fd >= 0)
        close(fd);
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        log_error("files: cannot seal file %" PRId64 ": %s", file_id, strerror(errno));
        return req_fail(req, ERR_INTERNAL, "cannot seal the file");
    }
    db_exec(req->db,
            "INSERT INTO file_blobs (sha256, size, refs, created_at) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (sha256) DO UPDATE SET refs = file_blobs.refs + 1, unref_at = NULL",
            "sii", out->sha256, size, now_sec());
    file_withdraw(req, file_id);
    /* The plain bytes go as soon as the sealing commits, not at the next sweep. */
    req_after_commit(req, blob_drop_if_unused, arena_strdup(&req->arena, sha));
    out->size = size;
    out->type = info.type;
    out->kind = info.kind;
    return 0;
}

int files_send_sealed(struct req *req, const char *sha256, const char *type, const char *name)
{
    char dir[600];
    int64_t sealed_size, size = 0;
    snprintf(dir, sizeof(dir), "%s/tmp", file_store->root);
    int in = store_open(file_store, sha256, &sealed_size);
    int out = in >= 0 ? tmpfile_in(dir) : -1;
    bool ok = out >= 0 && pdata_open_file(in, out, &size) == 0;
    if (in >= 0)
        close(in);
    if (!ok) {
        if (out >= 0)
            close(out);
        log_error("files: cannot open sealed blob %s", sha256);
        return req_fail(req, ERR_INTERNAL, "cannot open the sealed file");
    }
    char etag[STORE_HASH_HEX + 2];
    etag[0] = '"';
    memcpy(etag + 1, sha256, STORE_HASH_HEX - 1);
    etag[STORE_HASH_HEX] = '"';
    etag[STORE_HASH_HEX + 1] = '\0';
    struct file_part part = {.offset = 0, .length = size, .total = size, .etag = etag};
    if (range_parse(req_header(req, "Range"), size, &part.offset, &part.length) ==
        RANGE_UNSATISFIABLE) {
        close(out);
        req->file_total = size;
        return req_fail(req, ERR_FILE_RANGE, "the file holds %" PRId64 " bytes", size);
    }
    return req_send_part(req, out, &part, type, name);
}

/* ---- housekeeping ---- */

int files_sweep(struct db *db)
{
    if (!file_store)
        return 0;
    int n = 0;
    /* Blobs nothing refers to: removed under the write lock, so that no upload
     * of the same bytes can count on one between the check and the unlink. */
    struct db_stmt *st = db_query(db,
                                  "SELECT sha256 FROM file_blobs WHERE refs = 0 ORDER BY "
                                  "unref_at LIMIT 200",
                                  "");
    while (db_next(st)) {
        /* Its versions lose their reference (removed by a later sweep). */
        db_exec(db,
                "UPDATE file_blobs SET refs = refs - 1, unref_at = ? WHERE sha256 IN (SELECT "
                "sha256 FROM file_variants WHERE source_sha256 = ?)",
                "is", now_sec(), db_text(st, 0));
        db_exec(db, "DELETE FROM file_variants WHERE source_sha256 = ?", "s", db_text(st, 0));
        db_exec(db, "DELETE FROM file_jobs WHERE source_sha256 = ?", "s", db_text(st, 0));
        if (store_remove(file_store, db_text(st, 0)) == 0) {
            db_exec(db, "DELETE FROM file_blobs WHERE sha256 = ? AND refs = 0", "s",
                    db_text(st, 0));
            n++;
        }
    }
    db_done(st);
    /* Uploads abandoned for days. */
    st = db_query(db, "SELECT id FROM file_uploads WHERE updated_at < ? LIMIT 200", "i",
                  now_sec() - UPLOAD_STALE_DAYS * 86400);
    while (db_next(st)) {
        char path[700];
        int64_t id = db_int(st, 0);
        store_partial_path(file_store, id, path, sizeof(path));
        unlink(path);
        db_exec(db, "DELETE FROM file_uploads WHERE id = ?", "i", id);
        n++;
    }
    db_done(st);
    return db_failed(db) ? -1 : n;
}

struct orphan_scan {
    struct db *db;
    int removed;
};

static bool blob_orphan(const char *sha, int64_t mtime, void *arg)
{
    struct orphan_scan *s = arg;
    int64_t one;
    /* A young blob may be the media queue's output or a completed upload
     * between its store and its commit (both put it outside any transaction):
     * left to a later scan. */
    if (mtime > time(NULL) - 3600)
        return true;
    if (!db_get_int(s->db, &one, "SELECT 1 FROM file_blobs WHERE sha256 = ?", "s", sha) &&
        !db_failed(s->db) && store_remove(file_store, sha) == 0)
        s->removed++;
    return !db_failed(s->db);
}

int files_orphans(struct db *db)
{
    if (!file_store)
        return 0;
    struct orphan_scan s = {db, 0};
    /* Blobs renamed into place by an upload whose transaction never committed. */
    file_store->ops->each(file_store, blob_orphan, &s);
    /* Partial files of uploads that no longer exist, and temporary files. */
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/partial", file_store->root);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int64_t id, one;
        if (!parse_i64(e->d_name, strlen(e->d_name), &id))
            continue;
        if (!db_get_int(db, &one, "SELECT 1 FROM file_uploads WHERE id = ?", "i", id) &&
            !db_failed(db)) {
            if (unlinkat(dirfd(d), e->d_name, 0) == 0)
                s.removed++;
        }
    }
    if (d)
        closedir(d);
    return db_failed(db) ? -1 : s.removed;
}

/* ---- a member's media settings ---- */

static void write_media_settings(struct req *req)
{
    int64_t wifi = 1, audio = 0, budget = 0;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT video_wifi_only, audio_only, monthly_budget_mb FROM "
                                  "media_settings WHERE account_id = ?",
                                  "i", req->who->account_id);
    if (db_next(st)) {
        wifi = db_int(st, 0);
        audio = db_int(st, 1);
        budget = db_int(st, 2);
    }
    db_done(st);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "videoWifiOnly", wifi);
    jw_kv_bool(j, "audioOnly", audio);
    jw_kv_int(j, "monthlyBudgetMb", budget);
    jw_obj_end(j);
}

/*
 * GET /api/v1/me/media -> {videoWifiOnly, audioOnly, monthlyBudgetMb}: how
 * the caller wants media on a weak link (the client honours it; defaults:
 * video on Wi-Fi only, no budget). Any logged-in caller.
 */
static int h_media_get(struct req *req)
{
    write_media_settings(req);
    return 200;
}

static const struct param media_body[] = {
    {"videoWifiOnly", P_BOOL},
    {"audioOnly", P_BOOL},
    {"monthlyBudgetMb", P_INT, 0, 0, 1024 * 1024},
    {NULL},
};

/*
 * PUT /api/v1/me/media {videoWifiOnly?, audioOnly?, monthlyBudgetMb? (0: none)}
 * -> the settings. Any logged-in caller, for themself.
 */
static int h_media_put(struct req *req)
{
    const struct value *w = req_body(req, "videoWifiOnly"), *a = req_body(req, "audioOnly");
    const struct value *b = req_body(req, "monthlyBudgetMb");
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO media_settings (account_id, video_wifi_only, audio_only, "
            "monthly_budget_mb, updated_at) VALUES (?, 1, 0, 0, ?) ON CONFLICT DO NOTHING",
            "ii", req->who->account_id, now);
    db_exec(req->db,
            "UPDATE media_settings SET video_wifi_only = CASE WHEN ? THEN ? ELSE "
            "video_wifi_only END, audio_only = CASE WHEN ? THEN ? ELSE audio_only END, "
            "monthly_budget_mb = CASE WHEN ? THEN ? ELSE monthly_budget_mb END, updated_at = ? "
            "WHERE account_id = ?",
            "iiiiiiii", (int64_t)w->present, w->i, (int64_t)a->present, a->i, (int64_t)b->present,
            b->i, now, req->who->account_id);
    write_media_settings(req);
    return 200;
}

/* ---- routes ---- */

const struct route files_routes[] = {
    {"POST", "/api/v1/uploads", h_upload_create, SCOPE_LOGIN, PERM_NONE, NULL, NULL, upload_body,
     0},
    {"OPTIONS", "/api/v1/tus/uploads", h_tus_options, SCOPE_PUBLIC, PERM_NONE, NULL, NULL, NULL, 0},
    {"POST", "/api/v1/tus/uploads", h_tus_create, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {"GET", "/api/v1/uploads/{id}", h_upload_get, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL, 0,
     &upload_kind, PARTY_AUTHOR},
    {"PATCH", "/api/v1/uploads/{id}", h_upload_chunk, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL,
     ROUTE_UPLOAD, &upload_kind, PARTY_AUTHOR, .prepare = chunk_read, .outside = chunk_write},
    {"DELETE", "/api/v1/uploads/{id}", h_upload_delete, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL,
     0, &upload_kind, PARTY_AUTHOR},
    {"GET", "/api/v1/me/media", h_media_get, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {"PUT", "/api/v1/me/media", h_media_put, SCOPE_LOGIN, PERM_NONE, NULL, NULL, media_body, 0},
    {"GET", "/api/v1/files", h_files_mine, SCOPE_LOGIN, PERM_NONE, NULL, mine_query, NULL, 0},
    {"GET", "/api/v1/files/{id}", h_file_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0,
     &file_kind, PARTY_AUTHOR},
    {"GET", "/api/v1/files/{id}/content", h_file_content, SCOPE_OBJECT, PERM_ROSTER_READ, NULL,
     files_download_query, NULL, ROUTE_RAW, &file_kind, PARTY_AUTHOR},
    {"DELETE", "/api/v1/files/{id}", h_file_withdraw, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL, 0,
     &file_kind, PARTY_AUTHOR},
    {NULL},
};
