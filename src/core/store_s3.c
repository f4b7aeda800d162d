#include "app.h"
#include "core/store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The S3-compatible backend (store.h): blobs are the objects ab/cd/<sha256>
 * of one bucket, reached by path-style URLs ENDPOINT/BUCKET/KEY (as AWS,
 * MinIO and COS take them; not virtual-hosted BUCKET.ENDPOINT) and signed
 * with AWS Signature V4. The store holds no state but its configuration: each
 * thread keeps one libcurl handle, so connections to the store are reused.
 *
 * Nothing is half-stored: a single PUT appears whole or not at all, and a
 * multipart upload either completes or is aborted (the parts of an upload that
 * neither completed nor could be aborted are the bucket's lifecycle rule's to
 * drop: docs/OPERATIONS.md).
 */

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MAX_PARTS 10000 /* S3's limit on the parts of one upload */

/* ---- AWS Signature V4 ---- */

static void hmac(const unsigned char *key, size_t keylen, const char *msg, size_t len,
                 unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
    crypto_auth_hmacsha256_final(&st, out);
}

static void sha256_hex(const char *data, size_t len, char out[STORE_HASH_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    hex_encode(h, sizeof(h), out);
}

/* A header's value as the canonical request has it: without the spaces
 * around it, runs of inner spaces as one. */
static void add_trimmed(struct buf *b, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    bool space = false;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            space = true;
            continue;
        }
        if (space)
            buf_addch(b, ' ');
        space = false;
        buf_addch(b, *v);
    }
}

int s3_sign(const struct s3_request *r, const char *access_key, const char *secret_key,
            const char *region, const char *service, const char *amz_date, char *out, size_t n)
{
    char date[9], request_hash[STORE_HASH_HEX], sig_hex[STORE_HASH_HEX];
    snprintf(date, sizeof(date), "%.8s", amz_date);
    struct buf canon, names;
    buf_init(&canon);
    buf_init(&names);
    buf_printf(&canon, "%s\n%s\n%s\n", r->method, r->path, r->query);
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *colon = strchr(r->headers[i], ':');
        assert(colon);
        buf_printf(&canon, "%.*s:", (int)(colon - r->headers[i]), r->headers[i]);
        add_trimmed(&canon, colon + 1);
        buf_addch(&canon, '\n');
        buf_printf(&names, "%s%.*s", i ? ";" : "", (int)(colon - r->headers[i]), r->headers[i]);
    }
    buf_printf(&canon, "\n%s\n%s", names.len ? names.data : "", r->payload);
    sha256_hex(canon.data, canon.len, request_hash);
    buf_reset(&canon);
    buf_printf(&canon, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date, region,
               service, request_hash);

    /* The signing key: HMAC chain from "AWS4" + secret over date, region, service. */
    unsigned char k[crypto_auth_hmacsha256_BYTES], sig[crypto_auth_hmacsha256_BYTES];
    char first[4 + 256];
    int flen = snprintf(first, sizeof(first), "AWS4%s", secret_key);
    assert(flen > 0 && (size_t)flen < sizeof(first));
    hmac((const unsigned char *)first, (size_t)flen, date, strlen(date), k);
    sodium_memzero(first, sizeof(first));
    hmac(k, sizeof(k), region, strlen(region), k);
    hmac(k, sizeof(k), service, strlen(service), k);
    hmac(k, sizeof(k), "aws4_request", 12, k);
    hmac(k, sizeof(k), canon.data, canon.len, sig);
    sodium_memzero(k, sizeof(k));
    hex_encode(sig, sizeof(sig), sig_hex);
    int len = snprintf(out, n,
                       "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                       "SignedHeaders=%s, Signature=%s",
                       access_key, date, region, service, names.len ? names.data : "", sig_hex);
    buf_release(&canon);
    buf_release(&names);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* ---- one request ---- */

/* What one request sends and receives. */
struct call {
    const char *method;
    const char *key;   /* the object's key, NULL: the bucket */
    const char *query; /* canonical query string, also sent as is ("" none) */
    /* The body: size bytes of fd from offset, or data (len bytes), or none. */
    int up_fd;
    int64_t up_offset, up_size;
    const char *data;
    size_t data_len;
    const char *payload; /* the body's hex SHA-256 */
    const char *range;   /* a Range header's value, NULL none */
    /* The answer's body: into fd, or into reply (small XML answers). */
    int down_fd;
    struct buf reply;
    /* Filled in. */
    long status;
    int64_t length; /* Content-Length of the answer, -1 unknown */
    int64_t total;  /* the whole object's size from Content-Range, -1 none */
    char etag[128];
    char err[CURL_ERROR_SIZE];
};

/* A thread's connection to the store is closed when the thread ends. */
static _Thread_local CURL *curl;
static pthread_key_t curl_key;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_release(void *handle)
{
    curl_easy_cleanup(handle);
}

static void curl_key_init(void)
{
    pthread_key_create(&curl_key, curl_release);
}

/* This thread's handle, made at its first request; NULL if none can be. */
static CURL *thread_curl(void)
{
    if (!curl && (curl = curl_easy_init())) {
        pthread_once(&curl_once, curl_key_init);
        pthread_setspecific(curl_key, curl);
    }
    return curl;
}

/* Closes this thread's handle now (a thread that made one request and goes
 * on with other work, as the start-up's look at the bucket). */
static void thread_curl_close(void)
{
    if (curl) {
        pthread_setspecific(curl_key, NULL);
        curl_easy_cleanup(curl);
        curl = NULL;
    }
}

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct call *c = arg;
    size_t want = size * nmemb;
    if ((int64_t)want > c->up_size)
        want = (size_t)c->up_size;
    if (!want)
        return 0;
    ssize_t n;
    do
        n = pread(c->up_fd, ptr, want, c->up_offset);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return CURL_READFUNC_ABORT; /* a short file: the request fails, nothing stored */
    c->up_offset += n;
    c->up_size -= n;
    return (size_t)n;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct call *c = arg;
    size_t len = size * nmemb;
    if (c->down_fd < 0 || c->status / 100 != 2) {
        if (c->reply.len < 64 * 1024 * 1024) /* a listing's page is about 300 kB */
            buf_add(&c->reply, ptr, len);
        return len;
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = write(c->down_fd, ptr + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return 0; /* a full disk: the transfer fails */
        done += (size_t)n;
    }
    return len;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct call *c = arg;
    size_t len = size * nmemb;
    if (!strncmp(ptr, "HTTP/", 5)) { /* a new answer (after a 100 Continue) */
        int64_t code = 0;
        const char *sp = memchr(ptr, ' ', len);
        if (sp && sp + 4 <= ptr + len && parse_i64(sp + 1, 3, &code))
            c->status = (long)code;
    } else if (len > 14 && !strncasecmp(ptr, "content-range:", 14)) {
        /* "bytes FIRST-LAST/TOTAL" */
        const char *slash = memchr(ptr, '/', len);
        size_t digits = slash ? strspn(slash + 1, "0123456789") : 0;
        int64_t total;
        if (slash && digits && slash + 1 + digits <= ptr + len &&
            parse_i64(slash + 1, digits, &total))
            c->total = total;
    } else if (len > 5 && !strncasecmp(ptr, "etag:", 5)) {
        size_t from = 5, to = len;
        while (from < to && (ptr[from] == ' ' || ptr[from] == '\t'))
            from++;
        while (to > from && (ptr[to - 1] == '\r' || ptr[to - 1] == '\n' || ptr[to - 1] == ' '))
            to--;
        if (to - from < sizeof(c->etag)) {
            memcpy(c->etag, ptr + from, to - from);
            c->etag[to - from] = '\0';
        }
    }
    return len;
}

/* The host[:port] of the endpoint, as the Host header carries it. */
static void endpoint_host(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    snprintf(out, n, "%.*s", (int)strcspn(p, "/?#"), p);
}

/* The text of the first <tag>...</tag> in [p, end) into out; false if none. */
static bool xml_text(const char *p, const char *end, const char *tag, char *out, size_t n,
                     const char **next)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *a = memmem(p, (size_t)(end - p), open, strlen(open));
    if (!a)
        return false;
    a += strlen(open);
    const char *b = memmem(a, (size_t)(end - a), close, strlen(close));
    if (!b || (size_t)(b - a) >= n)
        return false;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    if (next)
        *next = b + strlen(close);
    return true;
}

/*
 * Sends c to the store. Returns 0 when an answer came (c->status, which may
 * be an error), or -1 with errno EAGAIN when the store could not be reached
 * or the transfer broke.
 */
static int call_run(struct store *s, struct call *c)
{
    const struct s3_conf *conf = s->s3;
    if (!thread_curl()) {
        errno = ENOMEM;
        return -1;
    }
    char host[256], amz_date[17], path[512], url[4096], auth[512];
    time_t now = time(NULL); /* the wall clock: the store checks it against its own */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    endpoint_host(conf->endpoint, host, sizeof(host));
    snprintf(path, sizeof(path), "/%s/%s", conf->bucket, c->key ? c->key : "");
    snprintf(url, sizeof(url), "%s%s%s%s", conf->endpoint, path, c->query[0] ? "?" : "", c->query);

    char h_host[300], h_sha[100], h_date[40], h_range[80];
    snprintf(h_host, sizeof(h_host), "host:%s", host);
    snprintf(h_sha, sizeof(h_sha), "x-amz-content-sha256:%s", c->payload);
    snprintf(h_date, sizeof(h_date), "x-amz-date:%s", amz_date);
    snprintf(h_range, sizeof(h_range), "range:%s", c->range ? c->range : "");
    /* Sorted by name: host, range, x-amz-content-sha256, x-amz-date. */
    const char *plain[] = {h_host, h_sha, h_date}, *ranged[] = {h_host, h_range, h_sha, h_date};
    struct s3_request r = {c->method,        path,      c->query, c->range ? ranged : plain,
                           c->range ? 4 : 3, c->payload};
    if (s3_sign(&r, conf->access_key, conf->secret_key, conf->region, "s3", amz_date, auth,
                sizeof(auth))) {
        errno = EINVAL;
        return -1;
    }
    char h_auth[600];
    snprintf(h_auth, sizeof(h_auth), "Authorization: %s", auth);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, h_auth);
    h = curl_slist_append(h, h_sha);
    h = curl_slist_append(h, h_date);
    if (c->range)
        h = curl_slist_append(h, h_range);
    h = curl_slist_append(h, "Expect:"); /* no 100 Continue round trip */
    h = curl_slist_append(h, "Content-Type:");

    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->err);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     (long)(conf->timeout_s < 5 ? conf->timeout_s : 5));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
    bool transfer = c->up_fd >= 0 || c->down_fd >= 0;
    if (transfer) { /* large bodies: a stall is the limit, not the total time */
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, (long)conf->timeout_s);
    } else {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)conf->timeout_s);
    }
    if (!strcmp(c->method, "HEAD")) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (c->up_fd >= 0) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, c);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->up_size);
    } else if (!strcmp(c->method, "POST")) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->data ? c->data : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->data_len);
    } else if (strcmp(c->method, "GET")) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, c->method);
    }
    c->status = 0;
    c->total = -1;
    c->etag[0] = '\0';
    CURLcode rc = curl_easy_perform(curl);
    curl_off_t length = -1;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &c->status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    }
    c->length = length;
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        if (!c->err[0])
            snprintf(c->err, sizeof(c->err), "%s", curl_easy_strerror(rc));
        errno = EAGAIN;
        return -1;
    }
    return 0;
}

static void call_init(struct call *c, const char *method, const char *key, const char *query)
{
    memset(c, 0, sizeof(*c));
    c->method = method;
    c->key = key;
    c->query = query;
    c->up_fd = c->down_fd = -1;
    c->payload = EMPTY_SHA256;
    buf_init(&c->reply);
}

/*
 * Maps an answer to errno and logs what went wrong (never a credential):
 * 0 for a 2xx, else -1 with ENOENT (404), EACCES (403), EAGAIN (5xx, or no
 * answer), EIO (any other).
 */
static int call_result(struct call *c, int sent, const char *what, const char *sha)
{
    if (sent == 0 && c->status / 100 == 2)
        return 0;
    if (sent == 0 && c->status == 404) {
        errno = ENOENT;
        return -1;
    }
    char code[64] = "";
    if (sent == 0)
        xml_text(c->reply.data ? c->reply.data : "",
                 c->reply.data ? c->reply.data + c->reply.len : "", "Code", code, sizeof(code),
                 NULL);
    if (sent)
        log_warn("s3: %s %s: %s", what, sha, c->err);
    else
        log_warn("s3: %s %s: HTTP %ld %s", what, sha, c->status, code);
    errno = sent ? EAGAIN : c->status >= 500 ? EAGAIN : c->status == 403 ? EACCES : EIO;
    return -1;
}

static void blob_key(const char *sha, char *out, size_t n)
{
    snprintf(out, n, "%.2s/%.2s/%s", sha, sha + 2, sha);
}

/* ---- the operations ---- */

static int s3_stat(struct store *s, const char *sha, int64_t *size)
{
    char key[80];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_key(sha, key, sizeof(key));
    struct call c;
    call_init(&c, "HEAD", key, "");
    int rc = call_result(&c, call_run(s, &c), "HEAD", sha);
    if (rc == 0)
        *size = c.length;
    buf_release(&c.reply);
    return rc;
}

/* Percent-encodes an upload id for a query string (RFC 3986 unreserved kept). */
static void query_escape(const char *v, char *out, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *v && o + 4 < n; v++) {
        unsigned char ch = (unsigned char)*v;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hexd[ch >> 4];
            out[o++] = hexd[ch & 15];
        }
    }
    out[o] = '\0';
}

/* A multipart upload of fd (size bytes) to key: every part, then the
 * completion; aborted when anything fails. */
static int put_multipart(struct store *s, int fd, int64_t size, const char *key, const char *sha)
{
    int64_t part = (int64_t)s->s3->part_mb * 1024 * 1024;
    int64_t nparts = (size + part - 1) / part;
    if (nparts > MAX_PARTS) {
        errno = EFBIG;
        return -1;
    }
    char upload_id[512], id_q[1024], query[1200];
    struct call c;
    call_init(&c, "POST", key, "uploads=");
    int rc = call_result(&c, call_run(s, &c), "create multipart", sha);
    if (rc == 0 && !xml_text(c.reply.data, c.reply.data + c.reply.len, "UploadId", upload_id,
                             sizeof(upload_id), NULL)) {
        log_warn("s3: create multipart %s: no UploadId in the answer", sha);
        errno = EIO;
        rc = -1;
    }
    buf_release(&c.reply);
    if (rc)
        return -1;
    query_escape(upload_id, id_q, sizeof(id_q));
    struct buf done;
    buf_init(&done);
    buf_addstr(&done, "<CompleteMultipartUpload>");
    for (int64_t i = 0; rc == 0 && i < nparts; i++) {
        char part_sha[STORE_HASH_HEX];
        int64_t off = i * part, len = size - off < part ? size - off : part;
        if (store_hash_range(fd, off, len, part_sha)) {
            rc = -1;
            break;
        }
        snprintf(query, sizeof(query), "partNumber=%" PRId64 "&uploadId=%s", i + 1, id_q);
        call_init(&c, "PUT", key, query);
        c.up_fd = fd;
        c.up_offset = off;
        c.up_size = len;
        c.payload = part_sha;
        rc = call_result(&c, call_run(s, &c), "upload part", sha);
        if (rc == 0 && !c.etag[0]) {
            log_warn("s3: upload part %s: no ETag in the answer", sha);
            errno = EIO;
            rc = -1;
        }
        if (rc == 0)
            buf_printf(&done, "<Part><PartNumber>%" PRId64 "</PartNumber><ETag>%s</ETag></Part>",
                       i + 1, c.etag);
        buf_release(&c.reply);
    }
    buf_addstr(&done, "</CompleteMultipartUpload>");
    snprintf(query, sizeof(query), "uploadId=%s", id_q);
    if (rc == 0) {
        char done_sha[STORE_HASH_HEX];
        sha256_hex(done.data, done.len, done_sha);
        call_init(&c, "POST", key, query);
        c.data = done.data;
        c.data_len = done.len;
        c.payload = done_sha;
        rc = call_result(&c, call_run(s, &c), "complete multipart", sha);
        /* A completion can fail after its 200 (the body then is an <Error>). */
        if (rc == 0 && c.reply.len && memmem(c.reply.data, c.reply.len, "<Error>", 7)) {
            log_warn("s3: complete multipart %s: the store answered an error", sha);
            errno = EAGAIN;
            rc = -1;
        }
        buf_release(&c.reply);
    }
    buf_release(&done);
    if (rc) {
        int saved = errno;
        call_init(&c, "DELETE", key, query);
        call_result(&c, call_run(s, &c), "abort multipart", sha);
        buf_release(&c.reply);
        errno = saved;
    }
    return rc;
}

static int s3_put_path(struct store *s, const char *path, const char *sha, bool *dup)
{
    char key[80];
    int64_t have;
    *dup = false;
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    /* The key is the content: an object already there is these bytes. */
    if (s3_stat(s, sha, &have) == 0) {
        *dup = true;
        return unlink(path);
    }
    if (errno != ENOENT)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb)) {
        close(fd);
        return -1;
    }
    blob_key(sha, key, sizeof(key));
    int rc;
    if (sb.st_size > (int64_t)s->s3->part_mb * 1024 * 1024) {
        rc = put_multipart(s, fd, sb.st_size, key, sha);
    } else {
        struct call c;
        call_init(&c, "PUT", key, "");
        c.up_fd = fd;
        c.up_size = sb.st_size;
        c.payload = sha; /* the signed payload hash is the blob's own name */
        rc = call_result(&c, call_run(s, &c), "PUT", sha);
        buf_release(&c.reply);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc ? -1 : unlink(path);
}

/* GETs the blob, or its bytes [offset, offset + length) when length > 0,
 * into fd at its current position; the blob's whole size in *total. */
static int get_into(struct store *s, const char *sha, int fd, int64_t offset, int64_t length,
                    int64_t *total)
{
    char key[80];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_key(sha, key, sizeof(key));
    struct call c;
    call_init(&c, "GET", key, "");
    c.down_fd = fd;
    char range[64];
    if (length > 0) {
        snprintf(range, sizeof(range), "bytes=%" PRId64 "-%" PRId64, offset, offset + length - 1);
        c.range = range;
    }
    int rc = call_result(&c, call_run(s, &c), "GET", sha);
    buf_release(&c.reply);
    if (rc == 0 && length > 0 && (c.status != 206 || c.total < 0)) {
        log_warn("s3: GET %s: the store answered %ld to a Range request", sha, c.status);
        errno = EIO;
        return -1;
    }
    if (rc == 0 && total)
        *total = length > 0 ? c.total : c.length;
    return rc;
}

static int s3_open(struct store *s, const char *sha, int64_t *size)
{
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/tmp", s->root);
    int fd = tmpfile_in(dir); /* unlinked: gone when the last reader closes it */
    if (fd < 0)
        return -1;
    off_t end;
    if (get_into(s, sha, fd, 0, 0, NULL) || (end = lseek(fd, 0, SEEK_END)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *size = end;
    return fd;
}

static int s3_open_range(struct store *s, const char *sha, int64_t offset, int64_t length,
                         int64_t *size)
{
    if (offset == 0 && length <= 0)
        return s3_open(s, sha, size);
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/tmp", s->root);
    int fd = tmpfile_in(dir);
    if (fd < 0)
        return -1;
    /* The bytes land at their own offsets: the file is sparse before them. */
    if (lseek(fd, offset, SEEK_SET) != offset || get_into(s, sha, fd, offset, length, size)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static int s3_local_path(struct store *s, const char *sha, const char *dir, char *out, size_t n)
{
    if (snprintf(out, n, "%s/blob", dir) >= (int)n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = get_into(s, sha, fd, 0, 0, NULL);
    int saved = errno;
    close(fd);
    if (rc)
        unlink(out);
    errno = saved;
    return rc;
}

static int s3_remove(struct store *s, const char *sha)
{
    char key[80];
    if (!store_hash_ok(sha)) {
        errno = EINVAL;
        return -1;
    }
    blob_key(sha, key, sizeof(key));
    struct call c;
    call_init(&c, "DELETE", key, "");
    int rc = call_result(&c, call_run(s, &c), "DELETE", sha);
    buf_release(&c.reply);
    return rc == 0 || errno == ENOENT ? 0 : -1;
}

/* "2026-12-06T09:30:00.000Z" as seconds since the epoch; -1 if not that. */
static int64_t iso_time(const char *v)
{
    struct tm tm = {0};
    const char *end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
    return end ? (int64_t)timegm(&tm) : -1;
}

int s3_parse_list(const char *xml, size_t len,
                  bool (*fn)(const char *sha, int64_t mtime, void *arg), void *arg, char *token,
                  size_t token_n, bool *more)
{
    const char *end = xml + len, *at = xml;
    char truncated[8] = "", key[256], modified[64];
    xml_text(xml, end, "IsTruncated", truncated, sizeof(truncated), NULL);
    *more = !strcmp(truncated, "true") &&
            xml_text(xml, end, "NextContinuationToken", token, token_n, NULL) && token[0];
    while (xml_text(at, end, "Key", key, sizeof(key), &at)) {
        size_t klen = strlen(key);
        const char *sha = klen >= 64 ? key + klen - 64 : key;
        if (!xml_text(at, end, "LastModified", modified, sizeof(modified), NULL))
            break;
        /* Only ab/cd/<sha256> keys are blobs: anything else in the bucket is not zhibu's. */
        if (klen == 70 && store_hash_ok(sha) && !strncmp(key, sha, 2) && key[2] == '/' &&
            !strncmp(key + 3, sha + 2, 2) && key[5] == '/' && !fn(sha, iso_time(modified), arg))
            return 1;
    }
    return 0;
}

static int s3_each(struct store *s, bool (*fn)(const char *sha, int64_t mtime, void *arg),
                   void *arg)
{
    char token[1024] = "", token_q[3100], query[3200];
    bool more = true;
    while (more) {
        if (token[0]) {
            query_escape(token, token_q, sizeof(token_q));
            snprintf(query, sizeof(query), "continuation-token=%s&list-type=2", token_q);
        } else {
            snprintf(query, sizeof(query), "list-type=2");
        }
        struct call c;
        call_init(&c, "GET", NULL, query);
        if (call_result(&c, call_run(s, &c), "list", "")) {
            buf_release(&c.reply);
            return -1;
        }
        int stop = s3_parse_list(c.reply.data ? c.reply.data : "", c.reply.len, fn, arg, token,
                                 sizeof(token), &more);
        buf_release(&c.reply);
        if (stop)
            break;
    }
    return 0;
}

static const struct store_ops s3_ops = {
    .name = "s3",
    .put_path = s3_put_path,
    .open = s3_open,
    .open_range = s3_open_range,
    .stat = s3_stat,
    .remove = s3_remove,
    .local_path = s3_local_path,
    .each = s3_each,
};

int store_init_s3(struct store *s, const char *dir, const struct s3_conf *conf)
{
    if (store_init_local(s, dir))
        return -1;
    s->ops = &s3_ops;
    s->s3 = conf;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct call c;
    call_init(&c, "HEAD", NULL, "");
    int sent = call_run(s, &c);
    buf_release(&c.reply);
    thread_curl_close();
    if (sent) {
        log_warn("s3: %s is not reachable now (%s): files answer 503 until it is", conf->endpoint,
                 c.err);
        return 0;
    }
    if (c.status == 404 || c.status == 403) {
        log_error("s3: bucket %s at %s: HTTP %ld (%s)", conf->bucket, conf->endpoint, c.status,
                  c.status == 404 ? "no such bucket" : "the keys are refused");
        errno = c.status == 404 ? ENOENT : EACCES;
        return -1;
    }
    log_info("files stored in bucket %s at %s", conf->bucket, conf->endpoint);
    return 0;
}
