#include "app.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char key_index[crypto_generichash_KEYBYTES];
static unsigned char key_seal[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char key_audit[crypto_generichash_KEYBYTES];
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
