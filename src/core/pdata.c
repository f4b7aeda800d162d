#include "app.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char key_index[crypto_generichash_KEYBYTES];
static unsigned char key_seal[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char key_audit[crypto_generichash_KEYBYTES];
static unsigned char key_files[crypto_secretstream_xchacha20poly1305_KEYBYTES];
static bool loaded;

static int read_key(const char *path, unsigned char *key, size_t n, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -2;
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077))
        log_warn("%s is readable by other users; run chmod 600 on it", path);
    unsigned char extra;
    ssize_t got = read(fd, key, n);
    ssize_t more = got == (ssize_t)n ? read(fd, &extra, 1) : 0;
    close(fd);
    if (got != (ssize_t)n || more != 0) {
        snprintf(err, errlen, "%s: expected exactly %zu bytes of key", path, n);
        return -1;
    }
    return 0;
}

static int create_key(const char *path, unsigned char *key, size_t n, char *err, size_t errlen)
{
    randombytes_buf(key, n);
    char tmp[700];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, key, n) != (ssize_t)n || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    /* link() fails if another process created the key meanwhile: then use theirs. */
    if (link(tmp, path) != 0) {
        unlink(tmp);
        if (errno == EEXIST)
            return read_key(path, key, n, err, errlen);
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    unlink(tmp);
    return 0;
}

int pdata_init(const char *data_dir, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    char path[600];
    snprintf(path, sizeof(path), "%s/secret.key", data_dir);
    unsigned char master[crypto_kdf_KEYBYTES];
    int rc = read_key(path, master, sizeof(master), err, errlen);
    if (rc == -2)
        rc = create_key(path, master, sizeof(master), err, errlen);
    if (rc != 0)
        return -1;
    crypto_kdf_derive_from_key(key_index, sizeof(key_index), 1, "zhibuidx", master);
    crypto_kdf_derive_from_key(key_seal, sizeof(key_seal), 2, "zhibuenc", master);
    crypto_kdf_derive_from_key(key_audit, sizeof(key_audit), 3, "zhibuaud", master);
    crypto_kdf_derive_from_key(key_files, sizeof(key_files), 4, "zhibufil", master);
    sodium_memzero(master, sizeof(master));
    loaded = true;
    return 0;
}

void pdata_hash(const char *domain, const char *value, unsigned char out[PDATA_HASH_BYTES])
{
    assert(loaded);
    crypto_generichash_state st;
    crypto_generichash_init(&st, key_index, sizeof(key_index), PDATA_HASH_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, out, PDATA_HASH_BYTES);
}

unsigned char *pdata_seal(struct arena *a, const char *domain, const char *value, size_t *len)
{
    assert(loaded);
    size_t n = strlen(value);
    size_t total = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
                   crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *out = arena_alloc(a, total);
    randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, (const unsigned char *)value, n,
        (const unsigned char *)domain, strlen(domain), NULL, out, key_seal);
    *len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    return out;
}

char *pdata_open(struct arena *a, const char *domain, const unsigned char *blob, size_t len)
{
    assert(loaded);
    size_t npub = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (len < npub + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return NULL;
    char *out = arena_alloc(a, len);
    unsigned long long mlen;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, blob + npub,
                                                   len - npub, (const unsigned char *)domain,
                                                   strlen(domain), blob, key_seal) != 0)
        return NULL;
    out[mlen] = '\0';
    return out;
}

void pdata_audit_mac(const void *in, size_t n, unsigned char out[32])
{
    assert(loaded);
    crypto_generichash(out, 32, in, n, key_audit, sizeof(key_audit));
}

char *pdata_mask_phone(struct arena *a, const char *phone)
{
    size_t n = strlen(phone);
    if (n < 7)
        return arena_strdup(a, "****");
    return arena_printf(a, "%.3s****%s", phone, phone + n - 4);
}

void random_token(size_t nbytes, char *out, size_t outlen)
{
    unsigned char raw[64];
    assert(nbytes <= sizeof(raw));
    assert(outlen >= sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, outlen, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void random_password(char *out, size_t len)
{
    /* no 0/o, 1/l/i: easy to read aloud and to type on a phone */
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    assert(len > 1);
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[len - 1] = '\0';
}

/* Sealed files: a secretstream header, then chunks of PDATA_FILE_CHUNK bytes
 * of plain text, each with its tag (the last one TAG_FINAL). */
#define PDATA_FILE_CHUNK 65536
#define SEALED_CHUNK (PDATA_FILE_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)

static bool read_full(int fd, unsigned char *p, size_t n, int64_t at, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, p + *got, n - *got, at + (int64_t)*got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return true;
}

int pdata_seal_file(int in_fd, int64_t size, int out_fd)
{
    assert(loaded);
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    unsigned char *plain = xmalloc(PDATA_FILE_CHUNK), *sealed = xmalloc(SEALED_CHUNK);
    int rc = -1;
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key_files);
    if (!write_all(out_fd, header, sizeof(header)))
        goto out;
    for (int64_t at = 0;;) {
        size_t want = size - at < PDATA_FILE_CHUNK ? (size_t)(size - at) : PDATA_FILE_CHUNK, got;
        if (!read_full(in_fd, plain, want, at, &got) || got != want)
            goto out;
        at += (int64_t)got;
        unsigned char tag = at == size ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        unsigned long long n;
        crypto_secretstream_xchacha20poly1305_push(&st, sealed, &n, plain, got, NULL, 0, tag);
        if (!write_all(out_fd, sealed, (size_t)n))
            goto out;
        if (tag)
            break;
    }
    rc = 0;
out:
    sodium_memzero(plain, PDATA_FILE_CHUNK);
    free(plain);
    free(sealed);
    return rc;
}

int pdata_open_file(int in_fd, int out_fd, int64_t *size)
{
    assert(loaded);
    crypto_secretstream_xchacha20poly1305_state st;
    unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    unsigned char *plain = xmalloc(PDATA_FILE_CHUNK), *sealed = xmalloc(SEALED_CHUNK);
    int rc = -1;
    size_t got;
    *size = 0;
    if (!read_full(in_fd, header, sizeof(header), 0, &got) || got != sizeof(header) ||
        crypto_secretstream_xchacha20poly1305_init_pull(&st, header, key_files))
        goto out;
    for (int64_t at = sizeof(header);;) {
        if (!read_full(in_fd, sealed, SEALED_CHUNK, at, &got) ||
            got < crypto_secretstream_xchacha20poly1305_ABYTES)
            goto out; /* truncated: no final chunk */
        at += (int64_t)got;
        unsigned long long n;
        unsigned char tag;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, plain, &n, &tag, sealed, got, NULL, 0))
            goto out;
        if (!write_all(out_fd, plain, (size_t)n))
            goto out;
        *size += (int64_t)n;
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
            unsigned char extra;
            /* Nothing may follow the final chunk. */
            rc = read_full(in_fd, &extra, 1, at, &got) && got == 0 ? 0 : -1;
            break;
        }
    }
out:
    sodium_memzero(plain, PDATA_FILE_CHUNK);
    free(plain);
    free(sealed);
    return rc;
}
