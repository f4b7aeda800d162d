#include "app.h"
#include "core/store.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The local directory backend: DATA/files/ab/cd/<sha256>. A blob is never
 * rewritten in place: it appears whole by rename(2) after its bytes and then
 * its directory were synced, so a crash leaves either no blob or all of it.
 */

struct store *file_store;

bool store_hash_ok(const char *sha)
{
    if (!sha || strlen(sha) != 64)
        return false;
    for (const char *p = sha; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static void blob_dir(const struct store *s, const char *sha, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%.2s", s->root, sha, sha + 2);
}

static void blob_path(const struct store *s, const char *sha, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%.2s/%s", s->root, sha, sha + 2, sha);
}

void store_partial_path(const struct store *s, int64_t upload_id, char *out, size_t n)
{
    snprintf(out, n, "%s/partial/%" PRId64, s->root, upload_id);
}

bool store_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc == 0;
}

static int mkdir_one(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int store_hash_range(int fd, int64_t offset, int64_t size, char out[STORE_HASH_HEX])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    static _Thread_local unsigned char chunk[1 << 16];
    for (int64_t at = 0; at < size;) {
        size_t want = size - at < (int64_t)sizeof(chunk) ? (size_t)(size - at) : sizeof(chunk);
        ssize_t n = pread(fd, chunk, want, offset + at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        crypto_hash_sha256_update(&st, chunk, (size_t)n);
        at += n;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    hex_encode(h, sizeof(h), out);
    return 0;
}

int store_hash_fd(int fd, int64_t size, char out[STORE_HASH_HEX])
{
    return store_hash_range(fd, 0, size, out);
}

static int local_put_path(struct store *s, const char *path, const char *sha, bool *dup)
{
    char dir[600], dst[700];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    *dup = false;
    blob_path(s, sha, dst, sizeof(dst));
    if (access(dst, F_OK) == 0) {
        *dup = true;
        return unlink(path);
    }
    /* The bytes first, then the name: fsync the file, rename, fsync the directory. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    if (rc)
        return -1;
    snprintf(dir, sizeof(dir), "%s/%.2s", s->root, sha);
    if (mkdir_one(dir))
        return -1;
    blob_dir(s, sha, dir, sizeof(dir));
    if (mkdir_one(dir))
        return -1;
    if (rename(path, dst))
        return -1;
    return store_sync_dir(dir) ? 0 : -1;
}

static int local_open(struct store *s, const char *sha, int64_t *size)
{
    char path[700];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_path(s, sha, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb)) {
        close(fd);
        return -1;
    }
    if (fd >= 0)
        *size = sb.st_size;
    return fd;
}

static int local_open_range(struct store *s, const char *sha, int64_t offset, int64_t length,
                            int64_t *size)
{
    return local_open(s, sha, size);
}

static int local_stat(struct store *s, const char *sha, int64_t *size)
{
    char path[700];
    struct stat sb;
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_path(s, sha, path, sizeof(path));
    if (stat(path, &sb))
        return -1;
    *size = sb.st_size;
    return 0;
}

static int local_remove(struct store *s, const char *sha)
{
    char path[700];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_path(s, sha, path, sizeof(path));
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int local_local_path(struct store *s, const char *sha, const char *dir, char *out, size_t n)
{
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_path(s, sha, out, n);
    return access(out, R_OK);
}

/* The two levels of two hex digits, then the blobs. */
static int local_each(struct store *s, bool (*fn)(const char *sha, int64_t mtime, void *arg),
                      void *arg)
{
    DIR *d1 = opendir(s->root);
    if (!d1)
        return -1;
    bool go = true;
    struct dirent *e1;
    while (go && (e1 = readdir(d1))) {
        if (strlen(e1->d_name) != 2 || !isxdigit((unsigned char)e1->d_name[0]))
            continue;
        char p1[800];
        snprintf(p1, sizeof(p1), "%s/%s", s->root, e1->d_name);
        DIR *d2 = opendir(p1);
        struct dirent *e2;
        while (go && d2 && (e2 = readdir(d2))) {
            if (strlen(e2->d_name) != 2)
                continue;
            char p2[1100];
            snprintf(p2, sizeof(p2), "%s/%s", p1, e2->d_name);
            DIR *d3 = opendir(p2);
            struct dirent *e3;
            while (go && d3 && (e3 = readdir(d3))) {
                char p3[1400];
                struct stat sb;
                snprintf(p3, sizeof(p3), "%s/%s", p2, e3->d_name);
                if (store_hash_ok(e3->d_name) && stat(p3, &sb) == 0)
                    go = fn(e3->d_name, sb.st_mtime, arg);
            }
            if (d3)
                closedir(d3);
        }
        if (d2)
            closedir(d2);
    }
    closedir(d1);
    return 0;
}

static const struct store_ops local_ops = {
    .name = "local",
    .put_path = local_put_path,
    .open = local_open,
    .open_range = local_open_range,
    .stat = local_stat,
    .remove = local_remove,
    .local_path = local_local_path,
    .each = local_each,
};

int store_init_local(struct store *s, const char *dir)
{
    char sub[600];
    s->ops = &local_ops;
    s->s3 = NULL;
    if (snprintf(s->root, sizeof(s->root), "%s", dir) >= (int)sizeof(s->root)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkdir_one(dir))
        return -1;
    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    if (mkdir_one(sub))
        return -1;
    snprintf(sub, sizeof(sub), "%s/partial", dir);
    return mkdir_one(sub);
}
