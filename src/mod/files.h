/*
 * files.h - stored files as other modules use them: attaching a file to an
 * object (a notice, a meeting, a post, a member record) and answering a
 * download under that object's own route, so that whoever may see the object
 * may read its files and nobody else (src/mod/files.c).
 */
#ifndef ZHIBU_FILES_H
#define ZHIBU_FILES_H

/* What an attachment shows before it is opened (sizes first, for weak links). */
struct file_info {
    int64_t size;
    const char *type; /* MIME type (arena) */
    const char *kind; /* pdf, office, image, audio, video (arena) */
};

/*
 * Checks that file_id is a live file the caller may attach to an object of
 * the organisation at org_path: their own upload or one of an organisation
 * whose roster they keep, from that organisation's path (above it, it or
 * below it). Fills info. 0, or records file.not_found / file.not_attachable
 * naming field and returns its status.
 */
int files_check_attachable(struct req *req, int64_t file_id, const char *org_path,
                           const char *field, struct file_info *info);

/* Records that object (kind "notice", "meeting", "post", "member", id) refers
 * to file_id; attaching twice is one reference. */
void files_attach(struct req *req, int64_t file_id, const char *kind, int64_t object_id);
/* Forgets every file the object referred to (before attaching its new list). */
void files_detach_all(struct req *req, const char *kind, int64_t object_id);

/*
 * Answers GET .../files/{fileId} of an object the dispatcher authorised:
 * the file when the object refers to it (else file.not_found), with Range,
 * ETag / If-None-Match and Content-Disposition (see files.c). Returns the
 * status (200, 206, 304, or an error).
 */
int files_send_attached(struct req *req, const char *kind, int64_t object_id, int64_t file_id);

/* Answers the live file file_id for a route whose object carries it (the
 * route checked that): as files_send_attached, without file_refs. */
int files_send(struct req *req, int64_t file_id);

/* Writes {id, name, size, type, kind, sha256, createdAt} of a live file, or
 * null when there is none (arena-free: reads and writes at once). */
void files_write_ref(struct req *req, struct jw *j, int64_t file_id);

/* Writes the FILE file_id when the object refers to it and it is live, else
 * null (a value: the caller wrote the key). */
void files_write_attached_one(struct req *req, struct jw *j, const char *kind, int64_t object_id,
                              int64_t file_id);

/* Writes key: [FILE, ...], the live files the object refers to, oldest first. */
void files_write_attached(struct req *req, struct jw *j, const char *key, const char *kind,
                          int64_t object_id);

/* A file sealed for a member's record (files_seal). */
struct sealed_file {
    char sha256[65];                /* of the sealed bytes: the blob's name */
    int64_t size;                   /* of the plain text */
    const char *type, *kind, *name; /* arena */
};

/*
 * Seals stored file file_id (attachable at org_path, see above; an image or
 * a PDF) as personal data: its bytes are written sealed (pdata_seal_file) as
 * a new blob with one reference, and the plain file is withdrawn (its blob
 * goes with the next sweep unless other files hold the same bytes). 0, or an
 * error status recorded on req (field names the input).
 */
int files_seal(struct req *req, int64_t file_id, const char *org_path, const char *field,
               struct sealed_file *out);
/* Answers a sealed blob opened into an unlinked temporary file (Range, ETag
 * of the sealed bytes), always as an attachment. Returns the status. */
int files_send_sealed(struct req *req, const char *sha256, const char *type, const char *name);
/* One reference fewer to blob sha256 (a sealed file removed). */
void files_blob_unref(struct req *req, const char *sha256);

/* The store's periodic work (jobs.h): blobs nothing refers to, stale uploads,
 * and at start-up orphans of a crash. */
int files_sweep(struct db *db);
int files_orphans(struct db *db);

/* The download query ({download}: attachment even for a viewable type). */
extern const struct param files_download_query[];

#endif
