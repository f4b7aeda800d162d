/* test_otp.c - src/core/otp.c: RFC 6238 vectors, the ±1 step window, replay, recovery codes. */
#include "app.h"
#include "core/otp.h"
#include "unit.h"

/* RFC 6238 appendix B, HMAC-SHA1 with the ASCII seed "12345678901234567890". */
static const unsigned char seed[] = "12345678901234567890";
#define SEED_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *code;
    } v[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        char out[9];
        assert_true(totp_code_at(seed, 20, v[i].t, 8, out));
        assert_string_equal(out, v[i].code);
        /* Six digits are the last six of the eight (mod 10^6 of the same number). */
        assert_true(totp_code_at(seed, 20, v[i].t, 6, out));
        assert_string_equal(out, v[i].code + 2);
        /* totp_check takes the base32 secret and finds the step. */
        assert_int_equal(totp_check(SEED_B32, v[i].code + 2, v[i].t, 0), v[i].t / 30);
    }
}

static void test_window(void **state)
{
    (void)state;
    /* The code of step 1 (t = 30..59) is "287082". */
    assert_int_equal(totp_check(SEED_B32, "287082", 45, 0), 1);
    assert_int_equal(totp_check(SEED_B32, "287082", 29, 0), 1); /* one step early: clock drift */
    assert_int_equal(totp_check(SEED_B32, "287082", 89, 0), 1); /* one step late */
    /* Two steps away is too far either way. */
    assert_int_equal(totp_check(SEED_B32, "287082", 90, 0), 0);
    assert_int_equal(totp_check(SEED_B32, "287082", 120, 0), 0);
    /* Malformed codes. */
    assert_int_equal(totp_check(SEED_B32, "28708", 45, 0), 0);
    assert_int_equal(totp_check(SEED_B32, "2870822", 45, 0), 0);
    assert_int_equal(totp_check(SEED_B32, "28708a", 45, 0), 0);
    assert_int_equal(totp_check(SEED_B32, " 28708", 45, 0), 0);
    assert_int_equal(totp_check(SEED_B32, "", 45, 0), 0);
    assert_int_equal(totp_check(SEED_B32, NULL, 45, 0), 0);
    assert_int_equal(totp_check(NULL, "287082", 45, 0), 0);
    assert_int_equal(totp_check("not base32!", "287082", 45, 0), 0);
    /* A wrong code. */
    assert_int_equal(totp_check(SEED_B32, "287083", 45, 0), 0);
}

static void test_replay(void **state)
{
    (void)state;
    /* Once step 1 was used, its code is refused, within the window or not. */
    assert_int_equal(totp_check(SEED_B32, "287082", 45, 1), 0);
    assert_int_equal(totp_check(SEED_B32, "287082", 89, 1), 0);
    /* A later step is accepted; an earlier one after a later was used is not. */
    char c2[7], c3[7];
    assert_true(totp_code_at(seed, 20, 60, 6, c2));
    assert_true(totp_code_at(seed, 20, 90, 6, c3));
    assert_int_equal(totp_check(SEED_B32, c3, 75, 1), 3); /* step 3 at step 2: +1 */
    assert_int_equal(totp_check(SEED_B32, c2, 75, 3), 0); /* step 2 after 3 was used */
    assert_int_equal(totp_check(SEED_B32, c2, 75, 1), 2);
}

static void test_secret_and_uri(void **state)
{
    (void)state;
    char a[TOTP_SECRET_B32 + 1], b[TOTP_SECRET_B32 + 1];
    totp_secret_new(a);
    totp_secret_new(b);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < 32; i++)
        assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '7'));
    /* A fresh secret works with its own codes. */
    struct arena ar;
    arena_init(&ar);
    const char *uri = totp_uri(&ar, "zhibu", "周建国 0001", SEED_B32);
    assert_string_equal(uri,
                        "otpauth://totp/zhibu:%E5%91%A8%E5%BB%BA%E5%9B%BD%200001?secret=" SEED_B32
                        "&issuer=zhibu&algorithm=SHA1&digits=6&period=30");
    const char *svg = totp_qr_svg(&ar, uri);
    assert_non_null(svg);
    assert_true(!strncmp(svg, "<svg ", 5));
    assert_non_null(strstr(svg, "</svg>"));
    assert_null(strstr(svg, SEED_B32)); /* the picture, not the text */
    arena_release(&ar);
}

static void test_recovery_codes(void **state)
{
    (void)state;
    char c[TOTP_RECOVERY_LEN + 1], n[TOTP_RECOVERY_LEN + 1];
    totp_recovery_new(c);
    assert_int_equal(strlen(c), 11);
    assert_int_equal(c[5], '-');
    assert_true(totp_recovery_normalize(c, n));
    assert_string_equal(n, c);
    assert_true(totp_recovery_normalize("ABCDE FGHJK", n));
    assert_string_equal(n, "abcde-fghjk");
    assert_true(totp_recovery_normalize("abcdefghjk", n));
    assert_string_equal(n, "abcde-fghjk");
    assert_false(totp_recovery_normalize("abcdefghj", n));
    assert_false(totp_recovery_normalize("abcdefghjkm", n));
    assert_false(totp_recovery_normalize("abcde_fghjk", n));
    assert_false(totp_recovery_normalize("", n));
    assert_false(totp_recovery_normalize(NULL, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_window),
        cmocka_unit_test(test_replay),          cmocka_unit_test(test_secret_and_uri),
        cmocka_unit_test(test_recovery_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
