/* test_filehdr.c - src/core/filehdr.c: Range, Upload-Offset, Upload-Checksum, Content-Disposition.
 */
#include "app.h"
#include "core/filehdr.h"
#include "unit.h"

static void expect_range(const char *h, int64_t size, enum range_result want, int64_t start,
                         int64_t len)
{
    int64_t s = -1, l = -1;
    enum range_result r = range_parse(h, size, &s, &l);
    if (r != want)
        fail_msg("Range \"%s\" of %" PRId64 ": %d, expected %d", h ? h : "(none)", size, r, want);
    if (r == RANGE_OK && (s != start || l != len))
        fail_msg("Range \"%s\" of %" PRId64 ": %" PRId64 "+%" PRId64 ", expected %" PRId64
                 "+%" PRId64,
                 h, size, s, l, start, len);
}

static void test_range(void **state)
{
    (void)state;
    expect_range(NULL, 100, RANGE_NONE, 0, 0);
    expect_range("bytes=0-9", 100, RANGE_OK, 0, 10);
    expect_range("bytes=90-", 100, RANGE_OK, 90, 10);
    expect_range("bytes=90-1000", 100, RANGE_OK, 90, 10); /* the end is clamped */
    expect_range("bytes=-10", 100, RANGE_OK, 90, 10);
    expect_range("bytes=-1000", 100, RANGE_OK, 0, 100);
    expect_range("bytes=99-99", 100, RANGE_OK, 99, 1);
    expect_range("bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=100-200", 100, RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0);
    /* Ignored (the whole file, 200): several ranges, other units, nonsense. */
    static const char *const ignored[] = {
        "bytes=0-1,5-6",
        "items=0-1",
        "bytes=",
        "bytes=-",
        "bytes=a-b",
        "bytes=5-1",
        "bytes=1-2x",
        "bytes= 1 - 2",
        "bytes=+1-2",
        "bytes=-+1",
        "bytes=1--2",
        "bytes=9999999999999999999-",
        "bytes=0-9999999999999999999",
        "Bytes=0-1",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
        expect_range(ignored[i], 100, RANGE_NONE, 0, 0);
}

static void test_upload_offset(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_true(upload_offset_parse("0", &v));
    assert_int_equal(v, 0);
    assert_true(upload_offset_parse("1048576", &v));
    assert_int_equal(v, 1048576);
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1234567890123456789", "1,000"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (upload_offset_parse(bad[i], &v))
            fail_msg("Upload-Offset \"%s\" accepted", bad[i]);
    assert_false(upload_offset_parse(NULL, &v));
}

static void test_upload_checksum(void **state)
{
    (void)state;
    unsigned char d[32];
    enum upload_hash alg;
    /* SHA-256 and SHA-1 of the empty string. */
    assert_true(
        upload_checksum_parse("sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", &alg, d));
    assert_int_equal(alg, UPLOAD_SHA256);
    assert_int_equal(d[0], 0xe3);
    assert_int_equal(d[31], 0x55);
    assert_true(upload_checksum_parse("sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", &alg, d));
    assert_int_equal(alg, UPLOAD_SHA1);
    assert_int_equal(d[0], 0xda);
    assert_int_equal(d[19], 0x09);
    static const char *const bad[] = {
        "md5 1B2M2Y8AsgTpgAmY7PhCfg==",
        "sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk",
        "sha1 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "sha256 2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
        "sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
        "sha256 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
        "sha256  47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "SHA1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
        "",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (upload_checksum_parse(bad[i], &alg, d))
            fail_msg("Upload-Checksum \"%s\" accepted", bad[i]);
    assert_false(upload_checksum_parse(NULL, &alg, d));
}

static void test_upload_metadata(void **state)
{
    (void)state;
    char out[64];
    size_t len = 99;
    /* filename 党课.pdf, orgId 12, a lone key. */
    const char *h = "filename 5YWa6K++LnBkZg==,orgId MTI=,is_confidential";
    assert_int_equal(upload_metadata_get(h, "filename", out, sizeof(out), &len), 1);
    assert_string_equal(out, "党课.pdf");
    assert_int_equal(len, strlen("党课.pdf"));
    assert_int_equal(upload_metadata_get(h, "orgId", out, sizeof(out), &len), 1);
    assert_string_equal(out, "12");
    assert_int_equal(upload_metadata_get(h, "is_confidential", out, sizeof(out), &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(upload_metadata_get(h, "name", out, sizeof(out), &len), 0);
    assert_int_equal(upload_metadata_get(NULL, "name", out, sizeof(out), &len), 0);
    assert_int_equal(upload_metadata_get("a YQ==, b Yg==", "b", out, sizeof(out), &len), 1);
    assert_string_equal(out, "b");
    /* Too long for out. */
    assert_int_equal(upload_metadata_get("a YWJjZGVm", "a", out, 4, &len), -1);
    static const char *const bad[] = {
        "",        "a YQ==,",  ",a YQ==", "a YQ==,a Yg==", "a YQ",     "a Y-==",    "a YQ==x",
        "a  YQ==", "a YQ== b", "a Y=Q=",  "a\tYQ==",       "a YQ==;b", "a YQ==,,b", "é YQ==",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (upload_metadata_get(bad[i], "a", out, sizeof(out), &len) != -1)
            fail_msg("Upload-Metadata \"%s\" accepted", bad[i]);
}

static void test_content_disposition(void **state)
{
    (void)state;
    char out[512];
    assert_string_equal(content_disposition("党课.pdf", false, out, sizeof(out)),
                        "attachment; filename=\"download.pdf\"; "
                        "filename*=UTF-8''%E5%85%9A%E8%AF%BE.pdf");
    assert_string_equal(content_disposition("a b\";\r\n.x\"y", true, out, sizeof(out)),
                        "inline; filename=\"download\"; filename*=UTF-8''a%20b%22%3B%0D%0A.x%22y");
    assert_string_equal(content_disposition("noext", true, out, sizeof(out)),
                        "inline; filename=\"download\"; filename*=UTF-8''noext");
    /* Cut short, never inside a %XX escape. */
    content_disposition("党党党党党党党党", false, out, 60);
    size_t n = strlen(out);
    assert_true(n < 60);
    assert_true(out[n - 1] != '%' && (n < 2 || out[n - 2] != '%'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_upload_offset),
        cmocka_unit_test(test_upload_checksum),
        cmocka_unit_test(test_upload_metadata),
        cmocka_unit_test(test_content_disposition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
