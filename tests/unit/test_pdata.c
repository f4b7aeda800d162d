/* test_pdata.c - src/core/pdata.c: the key file, sealing, keyed hashes, masking. */
#include "app.h"
#include "unit.h"

#include <fcntl.h>

static char *dir;
static struct arena arena;

static int setup(void **state)
{
    (void)state;
    char err[256] = "";
    dir = unit_tmpdir();
    arena_init(&arena);
    if (pdata_init(dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "pdata_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_release(&arena);
    unit_rmdir(dir);
    dir = NULL;
    return 0;
}

static void read_file(const char *path, unsigned char *out, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(out, 1, n, f), n);
    fclose(f);
}

static void test_key_file(void **state)
{
    (void)state;
    char *key = unit_path(dir, "secret.key");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    /* No temporary file is left behind. */
    char *tmp = unit_path(dir, "secret.key.tmp");
    assert_int_not_equal(stat(tmp, &st), 0);
    free(tmp);

    unsigned char before[32], after[32], h1[PDATA_HASH_BYTES], h2[PDATA_HASH_BYTES];
    read_file(key, before, sizeof(before));
    pdata_hash("phone", "13812345678", h1);
    size_t len = 0;
    unsigned char *blob = pdata_seal(&arena, "phone", "13812345678", &len);

    /* A second init reuses the key: same file, same hashes, old blobs still open. */
    char err[256] = "";
    assert_int_equal(pdata_init(dir, err, sizeof(err)), 0);
    read_file(key, after, sizeof(after));
    assert_memory_equal(before, after, 32);
    pdata_hash("phone", "13812345678", h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    char *opened = pdata_open(&arena, "phone", blob, len);
    assert_non_null(opened);
    assert_string_equal(opened, "13812345678");

    /* Another data directory means another key: other hashes, old blobs do not open. */
    char *other = unit_tmpdir();
    assert_int_equal(pdata_init(other, err, sizeof(err)), 0);
    pdata_hash("phone", "13812345678", h2);
    assert_memory_not_equal(h1, h2, sizeof(h1));
    assert_null(pdata_open(&arena, "phone", blob, len));
    /* Back to the first key. */
    assert_int_equal(pdata_init(dir, err, sizeof(err)), 0);
    pdata_hash("phone", "13812345678", h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    unit_rmdir(other);
    free(key);
}

static void test_bad_key_files(void **state)
{
    (void)state;
    char err[256] = "";
    /* A short key file is refused with a reason. */
    char *bad = unit_tmpdir();
    char *key = unit_path(bad, "secret.key");
    int fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "short", 5), 5);
    close(fd);
    assert_int_equal(pdata_init(bad, err, sizeof(err)), -1);
    assert_true(strlen(err) > 0);
    /* A directory that does not exist. */
    err[0] = '\0';
    char *missing = unit_path(bad, "no/such/dir");
    assert_int_equal(pdata_init(missing, err, sizeof(err)), -1);
    assert_true(strlen(err) > 0);
    free(missing);
    free(key);
    unit_rmdir(bad);
    /* The key loaded before is still in use. */
    assert_int_equal(pdata_init(dir, err, sizeof(err)), 0);
}

static void round_trip(const char *domain, const char *value)
{
    size_t len = 0;
    unsigned char *blob = pdata_seal(&arena, domain, value, &len);
    assert_non_null(blob);
    assert_int_equal(len, 24 + strlen(value) + 16); /* nonce + ciphertext + tag */
    char *back = pdata_open(&arena, domain, blob, len);
    assert_non_null(back);
    assert_string_equal(back, value);
}

static void test_seal_open(void **state)
{
    (void)state;
    round_trip("phone", "13812345678");
    round_trip("id_number", "11010519491231002X");
    round_trip("political", "中共党员");
    round_trip("note", "");
    round_trip("", "empty domain");
    char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    round_trip("note", big);

    /* Two seals of one value differ (random nonce) and both open. */
    size_t l1, l2;
    unsigned char *b1 = pdata_seal(&arena, "phone", "13812345678", &l1);
    unsigned char *b2 = pdata_seal(&arena, "phone", "13812345678", &l2);
    assert_int_equal(l1, l2);
    assert_memory_not_equal(b1, b2, l1);
}

static void test_seal_hides_plaintext(void **state)
{
    (void)state;
    static const char *const values[] = {"13812345678", "11010519491231002X", "中国共产党党员",
                                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        size_t len;
        unsigned char *blob = pdata_seal(&arena, "phone", values[i], &len);
        assert_null(memmem(blob, len, values[i], strlen(values[i])));
        /* Not even a 4-byte piece of it. */
        for (size_t k = 0; k + 4 <= strlen(values[i]); k++)
            assert_null(memmem(blob + 24, len - 24, values[i] + k, 4));
    }
}

static void test_tamper(void **state)
{
    (void)state;
    const char *value = "支部书记 13812345678";
    size_t len;
    unsigned char *blob = pdata_seal(&arena, "phone", value, &len);
    unsigned char *copy = arena_alloc(&arena, len);
    /* Any flipped bit anywhere (nonce, ciphertext, tag) is detected. */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, blob, len);
            copy[i] ^= (unsigned char)(1u << bit);
            if (pdata_open(&arena, "phone", copy, len))
                fail_msg("byte %zu bit %d flipped but the blob opened", i, bit);
        }
    }
    /* Truncated and extended blobs. */
    for (size_t n = 0; n < len; n++)
        assert_null(pdata_open(&arena, "phone", blob, n));
    unsigned char *longer = arena_alloc(&arena, len + 1);
    memcpy(longer, blob, len);
    longer[len] = 0;
    assert_null(pdata_open(&arena, "phone", longer, len + 1));
    /* The intact blob still opens. */
    assert_string_equal(pdata_open(&arena, "phone", blob, len), value);

    /* Another domain does not open it. */
    assert_null(pdata_open(&arena, "id_number", blob, len));
    assert_null(pdata_open(&arena, "phon", blob, len));
    assert_null(pdata_open(&arena, "phone ", blob, len));
    assert_null(pdata_open(&arena, "", blob, len));
}

static void test_hash(void **state)
{
    (void)state;
    unsigned char a[PDATA_HASH_BYTES], b[PDATA_HASH_BYTES], zero[PDATA_HASH_BYTES] = {0};
    pdata_hash("phone", "13812345678", a);
    pdata_hash("phone", "13812345678", b);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    /* Another value, another domain. */
    pdata_hash("phone", "13812345679", b);
    assert_memory_not_equal(a, b, sizeof(a));
    pdata_hash("id_number", "13812345678", b);
    assert_memory_not_equal(a, b, sizeof(a));
    /* The boundary between domain and value is part of the hash. */
    pdata_hash("ab", "c", a);
    pdata_hash("a", "bc", b);
    assert_memory_not_equal(a, b, sizeof(a));
    pdata_hash("", "x", a);
    pdata_hash("x", "", b);
    assert_memory_not_equal(a, b, sizeof(a));
    /* That it is keyed is checked in test_key_file (another key, another hash). */
}

static void test_mask_phone(void **state)
{
    (void)state;
    assert_string_equal(pdata_mask_phone(&arena, "13812345678"), "138****5678");
    assert_string_equal(pdata_mask_phone(&arena, "19900001111"), "199****1111");
    char *m = pdata_mask_phone(&arena, "13812345678");
    assert_null(strstr(m, "1234"));
    /* Too short to mask meaningfully: nothing shown. */
    assert_string_equal(pdata_mask_phone(&arena, ""), "****");
    assert_string_equal(pdata_mask_phone(&arena, "123456"), "****");
}

static void test_random_token(void **state)
{
    (void)state;
    char t1[64], t2[64];
    random_token(32, t1, sizeof(t1));
    random_token(32, t2, sizeof(t2));
    assert_int_equal(strlen(t1), 43);
    assert_string_not_equal(t1, t2);
    for (const char *c = t1; *c; c++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c));
    char c1[32];
    random_token(16, c1, sizeof(c1));
    assert_int_equal(strlen(c1), 22);
}

/* Sealed files: round trip at chunk edges, no plain text in the sealed form,
 * and any flipped byte, cut or appended chunk refused. */
static void test_seal_file(void **state)
{
    (void)state;
    static const int64_t sizes[] = {1, 65535, 65536, 65537, 3 * 65536 + 17};
    for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
        int64_t n = sizes[k];
        int plain = tmpfile_in(dir), sealed = tmpfile_in(dir), back = tmpfile_in(dir);
        unsigned char *buf = xmalloc((size_t)n);
        for (int64_t i = 0; i < n; i++)
            buf[i] = (unsigned char)("CANARY-110101"[i % 13]);
        assert_true(write_all(plain, buf, (size_t)n));
        assert_int_equal(pdata_seal_file(plain, n, sealed), 0);
        int64_t slen = lseek(sealed, 0, SEEK_END), got = -1;
        unsigned char *s = xmalloc((size_t)slen);
        assert_int_equal(pread(sealed, s, (size_t)slen, 0), slen);
        assert_null(memmem(s, (size_t)slen, "CANARY-110101", 13));
        assert_int_equal(pdata_open_file(sealed, back, &got), 0);
        assert_int_equal(got, n);
        unsigned char *b = xmalloc((size_t)n);
        assert_int_equal(pread(back, b, (size_t)n, 0), n);
        assert_memory_equal(b, buf, (size_t)n);

        /* A flipped byte anywhere: refused. */
        for (int64_t at = 0; at < slen; at += slen / 7 + 1) {
            int t = tmpfile_in(dir), o = tmpfile_in(dir);
            s[at] ^= 1;
            assert_true(write_all(t, s, (size_t)slen));
            s[at] ^= 1;
            assert_int_equal(pdata_open_file(t, o, &got), -1);
            close(t);
            close(o);
        }
        /* Anything appended after the final chunk: refused. */
        {
            int t2 = tmpfile_in(dir), o2 = tmpfile_in(dir);
            assert_true(write_all(t2, s, (size_t)slen));
            assert_true(write_all(t2, "x", 1));
            assert_int_equal(pdata_open_file(t2, o2, &got), -1);
            close(t2);
            close(o2);
        }
        /* Cut before the final chunk's end: refused (no final tag). */
        int t = tmpfile_in(dir), o = tmpfile_in(dir);
        assert_true(write_all(t, s, (size_t)slen - 1));
        assert_int_equal(pdata_open_file(t, o, &got), -1);
        close(t);
        close(o);
        free(b);
        free(s);
        free(buf);
        close(plain);
        close(sealed);
        close(back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_key_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_hides_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
