/* test_util.c - src/core/util.c: parse_i64, date_parse, time_iso, hex_encode, mem_equal_ct. */
#include "app.h"
#include "unit.h"

static bool p64(const char *s, int64_t *out)
{
    return parse_i64(s, strlen(s), out);
}

static void test_parse_i64(void **state)
{
    (void)state;
    int64_t v = -7;
    assert_true(p64("0", &v));
    assert_int_equal(v, 0);
    assert_true(p64("1", &v));
    assert_int_equal(v, 1);
    assert_true(p64("000123", &v));
    assert_int_equal(v, 123);
    assert_true(p64("9223372036854775807", &v));
    assert_int_equal(v, INT64_MAX);
    assert_true(p64("9223372036854775806", &v));
    assert_int_equal(v, INT64_MAX - 1);
    assert_true(p64("922337203685477580", &v));
    assert_int_equal(v, INT64_MAX / 10);
    assert_true(p64("1000000000000000000", &v));
    assert_int_equal(v, 1000000000000000000);

    /* Failure leaves *out alone. */
    static const char *const bad[] = {
        "9223372036854775808",  /* INT64_MAX + 1 */
        "9223372036854775809", "9223372036854775810", "9999999999999999999",
        "18446744073709551615", "18446744073709551616", "99999999999999999999",
        "", "-1", "-0", "+1", " 1", "1 ", "1\n", "1a", "a1", "0x10", "1.0", "1e3", "1,000",
        "\xd9\xa1", /* Arabic-Indic digit one */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        v = -7;
        if (p64(bad[i], &v))
            fail_msg("parse_i64(\"%s\") accepted: %" PRId64, bad[i], v);
        assert_int_equal(v, -7);
    }
    /* Only len bytes are read; a NUL inside them is not a digit. */
    assert_true(parse_i64("123abc", 3, &v));
    assert_int_equal(v, 123);
    assert_true(parse_i64("42", 1, &v));
    assert_int_equal(v, 4);
    assert_false(parse_i64("1\0" "2", 3, &v));
    assert_false(parse_i64("5", 0, &v));
    /* Every value around the overflow boundary, digit by digit. */
    for (int last = 0; last <= 9; last++) {
        char s[32];
        snprintf(s, sizeof(s), "922337203685477580%d", last);
        bool ok = p64(s, &v);
        assert_int_equal(ok, last <= 7);
        if (ok)
            assert_int_equal(v, INT64_MAX / 10 * 10 + last);
    }
}

static void test_date_parse(void **state)
{
    (void)state;
    int y = 0, m = 0, d = 0;
    assert_true(date_parse("2024-02-29", &y, &m, &d));
    assert_int_equal(y, 2024);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    assert_true(date_parse("1900-01-01", &y, &m, &d));
    assert_int_equal(y, 1900);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    assert_true(date_parse("2200-12-31", &y, &m, &d));
    assert_int_equal(d, 31);
    assert_true(date_parse("2000-02-29", &y, &m, &d));

    /* Days per month, leap years by the Gregorian rule. */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int year = 1999; year <= 2001; year++) {
        for (int mon = 1; mon <= 12; mon++) {
            int max = mdays[mon - 1] + (mon == 2 && year == 2000);
            char s[48];
            snprintf(s, sizeof(s), "%04d-%02d-%02d", year, mon, max);
            assert_true(date_parse(s, &y, &m, &d));
            assert_int_equal(d, max);
            snprintf(s, sizeof(s), "%04d-%02d-%02d", year, mon, max + 1);
            if (date_parse(s, &y, &m, &d))
                fail_msg("%s accepted", s);
        }
    }
    static const char *const bad[] = {
        "2023-02-29", "1900-02-29", "2100-02-29", "2023-13-01", "2023-00-01", "2023-01-00",
        "2023-1-1", "2023-01-01 ", " 2023-01-01", "2023_01_01", "20230101", "1899-12-31",
        "2201-01-01", "", "2023-01-0a", "-023-01-01", "2023-01-01\n", "２０２３-01-01",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (date_parse(bad[i], &y, &m, &d))
            fail_msg("date_parse(\"%s\") accepted", bad[i]);
    assert_false(date_parse(NULL, &y, &m, &d));
}

static void test_time_iso(void **state)
{
    (void)state;
    char out[21];
    time_iso(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    time_iso(1700000000, out);
    assert_string_equal(out, "2023-11-14T22:13:20Z");
    time_iso(951782400, out);
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    time_iso(4102444799, out);
    assert_string_equal(out, "2099-12-31T23:59:59Z");
    time_iso(253402300799, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    time_iso(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
}

/* Times whose year does not fit in four digits must still give a NUL-terminated
 * string in the 21 bytes: jw_time() passes the result to buf_addstr(). */
static void test_time_parse(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(time_parse("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t, 0);
    assert_true(time_parse("2026-11-24T06:13:33Z", &t));
    assert_int_equal(t, 1795500813);
    assert_true(time_parse("2026-11-24T06:13:33.123Z", &t)); /* a browser's toISOString */
    assert_int_equal(t, 1795500813);
    assert_true(time_parse("2026-11-24T06:13Z", &t));
    assert_int_equal(t, 1795500780);
    assert_true(time_parse("2024-02-29T23:59:59Z", &t));
    char out[21];
    for (int64_t v = 0; v < 4102444800; v += 86399 * 37) { /* round trip with time_iso */
        time_iso(v, out);
        assert_true(time_parse(out, &t));
        assert_int_equal(t, v);
    }
    static const char *const bad[] = {
        "",
        "2026-11-24",
        "2026-11-24T06:13:33",       /* no zone: UTC must be said */
        "2026-11-24T06:13:33+08:00", /* offsets are not taken */
        "2026-11-24 06:13:33Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T06:60:00Z",
        "2026-11-24T06:13:60Z",
        "2026-02-30T06:13:33Z",
        "2026-11-24T06:13:33.Z",
        "2026-11-24T06:13:33.1234567890Z",
        "2026-11-24T06:13:33Zx",
        "2026-11-24T6:13:33Z",
        "\357\274\222026-11-24T06:13:33Z", /* a full-width 2 (octal: at most 3 digits) */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (time_parse(bad[i], &t))
            fail_msg("time_parse(\"%s\") accepted", bad[i]);
    assert_false(time_parse(NULL, &t));
}

static void test_time_iso_out_of_range(void **state)
{
    (void)state;
    static const int64_t times[] = {253402300800, 1LL << 55, INT64_MAX, INT64_MIN,
                                    -62167219201};
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        char out[22];
        memset(out, 'X', sizeof(out));
        time_iso(times[i], out);
        if (!memchr(out, '\0', 21))
            fail_msg("time_iso(%" PRId64 ") wrote 21 bytes without a NUL", times[i]);
    }
}

static void test_hex_encode(void **state)
{
    (void)state;
    const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff, 0x10, 0x9e};
    char out[2 * sizeof(in) + 2];
    memset(out, '#', sizeof(out));
    hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "000fa5ff109e");
    assert_int_equal(out[2 * sizeof(in) + 1], '#'); /* nothing written past the NUL */
    hex_encode(in, 0, out);
    assert_string_equal(out, "");
    /* Every byte value. */
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        char h[3], want[3];
        hex_encode(&c, 1, h);
        snprintf(want, sizeof(want), "%02x", b);
        assert_string_equal(h, want);
    }
}

static void test_mem_equal_ct(void **state)
{
    (void)state;
    unsigned char a[64], b[64];
    for (int i = 0; i < 64; i++)
        a[i] = b[i] = (unsigned char)(i * 37 + 1);
    assert_true(mem_equal_ct(a, b, sizeof(a)));
    assert_true(mem_equal_ct(a, b, 0));
    assert_true(mem_equal_ct("x", "y", 0));
    /* A difference in any byte, in any bit, is seen. */
    for (int i = 0; i < 64; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (unsigned char)(1u << bit);
            if (mem_equal_ct(a, b, sizeof(a)))
                fail_msg("byte %d bit %d flipped but reported equal", i, bit);
            b[i] ^= (unsigned char)(1u << bit);
        }
    }
    assert_true(mem_equal_ct(a, b, sizeof(a)));
    /* Only n bytes are compared. */
    b[10] ^= 1;
    assert_true(mem_equal_ct(a, b, 10));
    assert_false(mem_equal_ct(a, b, 11));
}

static void test_alloc_helpers(void **state)
{
    (void)state;
    char *s = xstrdup("支部 abc");
    assert_string_equal(s, "支部 abc");
    free(s);
    unsigned char *z = xcalloc(100, 3);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    memset(z, 7, 300);
    z = xrealloc(z, 100000);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 7);
    free(z);
    void *zero = xmalloc(0); /* never NULL */
    assert_non_null(zero);
    free(zero);

    int64_t t = now_sec();
    assert_true(t > 1600000000);
    assert_true(llabs(now_ms() / 1000 - t) <= 2);
    int64_t m1 = mono_us(), m2 = mono_us();
    assert_true(m2 >= m1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_i64),      cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_time_iso),       cmocka_unit_test(test_time_iso_out_of_range),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_hex_encode),     cmocka_unit_test(test_mem_equal_ct),
        cmocka_unit_test(test_alloc_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
