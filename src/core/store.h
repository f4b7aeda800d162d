/*
 * store.h - where file contents live: blobs named by their SHA-256.
 *
 * A blob is put once (content-addressed, so the same bytes uploaded twice are
 * stored once), opened for sending, and removed when nothing refers to it any
 * more. Who refers to a blob is the database's business (file_blobs.refs,
 * src/mod/files.c): the store only keeps bytes. The operations are a small
 * vtable so that another backend plugs in beside the local directory:
 *
 *   local (the default): DATA/files/ab/cd/<sha256>, written as a temporary
 *   file in DATA/files/tmp, fsync'ed, renamed into place, the directory
 *   fsync'ed; a put of a blob that exists already drops the new copy.
 *
 *   s3 (store_s3.c): an S3-compatible object store (AWS S3, MinIO, Tencent
 *   COS, ...) by path-style URLs ENDPOINT/BUCKET/ab/cd/<sha256>,
 *   requests signed with AWS Signature V4. put = HEAD (the blob is there
 *   already: a duplicate), else PUT Object whose signed payload hash is the
 *   blob's own name, or a multipart upload above s3_part_mb (aborted when a
 *   part fails: nothing half-stored); open = GET into an unlinked temporary
 *   file under DATA/files/tmp, open_range = the same with a Range header
 *   (downloads fetch only the part asked for); stat = HEAD; remove = DELETE; each =
 *   ListObjectsV2. Several zhibu instances on one database share one bucket:
 *   the key is the content, so de-duplication holds across them.
 *
 * Every function returns 0 on success or -1 with errno set (ENOENT: no such
 * blob; EAGAIN: the store cannot be reached or failed on its side, a request
 * may try again later: 503 file.store_unavailable). Thread-safe: the local
 * backend keeps no state beyond its root, the S3 one a connection per thread.
 */
#ifndef ZHIBU_STORE_H
#define ZHIBU_STORE_H

#define STORE_HASH_HEX 65 /* 64 hex digits and a NUL */

struct store;

struct store_ops {
    const char *name;
    /* Stores the bytes of the file at path (size bytes, whose SHA-256 is
     * sha) and consumes it: afterwards path no longer exists. When the blob
     * exists already, the file is dropped (*dup set true). */
    int (*put_path)(struct store *s, const char *path, const char *sha, bool *dup);
    /* Opens the blob for reading; its size in *size. The descriptor is the
     * caller's to close. */
    int (*open)(struct store *s, const char *sha, int64_t *size);
    /* Opens the blob to read its bytes [offset, offset + length) at those
     * offsets of the descriptor (local: the blob itself; S3: a sparse
     * unlinked temporary file holding just those bytes, fetched by a Range
     * request); the blob's whole size in *size. The caller's to close. */
    int (*open_range)(struct store *s, const char *sha, int64_t offset, int64_t length,
                      int64_t *size);
    /* The blob's size, without opening it. */
    int (*stat)(struct store *s, const char *sha, int64_t *size);
    /* Removes the blob; a missing one is not an error. */
    int (*remove)(struct store *s, const char *sha);
    /* A local file name to read the blob from, for external tools (local:
     * the blob itself; S3: a copy fetched into dir, the caller's scratch
     * directory, which the caller removes). */
    int (*local_path)(struct store *s, const char *sha, const char *dir, char *out, size_t n);
    /* Calls fn for every blob with its modification time (orphan scans);
     * stops early when fn returns false. */
    int (*each)(struct store *s, bool (*fn)(const char *sha, int64_t mtime, void *arg), void *arg);
};

struct s3_conf;

struct store {
    const struct store_ops *ops;
    char root[512];           /* local: DATA/files; S3: where tmp/ and partial/ are */
    const struct s3_conf *s3; /* S3: the endpoint, bucket and keys (cfg.s3) */
};

/* The process's store (the local directory under data_dir), set up by
 * store_init_local; NULL before. */
extern struct store *file_store;

/*
 * Sets up the local backend under dir (DATA/files): creates dir, dir/tmp and
 * dir/partial (mode 0700). Returns 0, or -1 with errno.
 */
int store_init_local(struct store *s, const char *dir);

/*
 * Sets up the S3 backend: dir (DATA/files) keeps the uploads' partial files
 * and temporary files as for the local one; the blobs go to the bucket of
 * conf, which must outlive s. Looks at the bucket once: -1 with errno when it
 * does not exist or the keys are refused (EACCES); an unreachable store is
 * only logged (requests then answer 503 until it is back).
 */
int store_init_s3(struct store *s, const char *dir, const struct s3_conf *conf);

/* One request to sign (AWS Signature V4). */
struct s3_request {
    const char *method;
    const char *path;           /* the canonical URI, already percent-encoded */
    const char *query;          /* the canonical query string: sorted, encoded ("" none) */
    const char *const *headers; /* "name:value", names in lower case, sorted by name */
    size_t nheaders;
    const char *payload; /* the hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
};

/*
 * Writes the Authorization header's value for r into out: the credential of
 * access_key for the day of amz_date (YYYYMMDD'T'HHMMSS'Z', UTC), region and
 * service, the signed headers and the signature. Returns 0, or -1 when out is
 * too small.
 */
int s3_sign(const struct s3_request *r, const char *access_key, const char *secret_key,
            const char *region, const char *service, const char *amz_date, char *out, size_t n);

/*
 * Reads one page of a ListObjectsV2 answer (len bytes of XML, untrusted: no
 * NUL needed): calls fn for each key that names a blob (ab/cd/<sha256>) with
 * its LastModified time; sets *more and token (the continuation, token_n
 * bytes at most) when another page follows. Returns 1 when fn stopped it, 0.
 */
int s3_parse_list(const char *xml, size_t len,
                  bool (*fn)(const char *sha, int64_t mtime, void *arg), void *arg, char *token,
                  size_t token_n, bool *more);

/* Where an upload's partial file and temporary files live (dir/partial, dir/tmp). */
void store_partial_path(const struct store *s, int64_t upload_id, char *out, size_t n);

/* Whether sha is 64 lower-case hex digits (a blob name, never a path trick). */
bool store_hash_ok(const char *sha);

/* SHA-256 of the first size bytes of fd (read with pread from offset 0), as
 * lower-case hex. Returns 0, or -1 with errno (a short file: EIO). */
int store_hash_fd(int fd, int64_t size, char out[STORE_HASH_HEX]);
/* The same of size bytes from offset (an S3 part). */
int store_hash_range(int fd, int64_t offset, int64_t size, char out[STORE_HASH_HEX]);

/* Makes the entries of directory dir durable (fsync of the directory); false with errno. */
bool store_sync_dir(const char *dir);

static inline int store_put_path(struct store *s, const char *path, const char *sha, bool *dup)
{
    return s->ops->put_path(s, path, sha, dup);
}
static inline int store_open(struct store *s, const char *sha, int64_t *size)
{
    return s->ops->open(s, sha, size);
}
static inline int store_open_range(struct store *s, const char *sha, int64_t offset, int64_t length,
                                   int64_t *size)
{
    return s->ops->open_range(s, sha, offset, length, size);
}
static inline int store_stat(struct store *s, const char *sha, int64_t *size)
{
    return s->ops->stat(s, sha, size);
}
static inline int store_local_path(struct store *s, const char *sha, const char *dir, char *out,
                                   size_t n)
{
    return s->ops->local_path(s, sha, dir, out, n);
}
static inline int store_remove(struct store *s, const char *sha)
{
    return s->ops->remove(s, sha);
}

#endif
