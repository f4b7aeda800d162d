/* test_orgs.c - the pure helpers of src/mod/orgs.c: paging cursors, subtree ranges, levels. */
#include "app.h"
#include "mod/orgs.h"
#include "unit.h"

static void test_cursor_round_trip(void **state)
{
    (void)state;
    static const char *const raws[] = {"", "1", "42", "9223372036854775807", "/1/12/140/",
                                       "支部", "a", "ab", "abc", "abcd", "~!@#$%^&*()_+"};
    for (size_t i = 0; i < ARRAY_SIZE(raws); i++) {
        char *c = cursor_encode(&unit_arena, raws[i]);
        assert_non_null(c);
        /* URL-safe without padding: usable in a query string as is. */
        for (const char *p = c; *p; p++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p))
                fail_msg("cursor for \"%s\" has '%c': %s", raws[i], *p, c);
        char *back = cursor_decode(&unit_arena, c);
        if (!back || strcmp(back, raws[i]) != 0)
            fail_msg("cursor \"%s\" for \"%s\" decoded to \"%s\"", c, raws[i],
                     back ? back : "(null)");
    }
    assert_string_equal(cursor_encode(&unit_arena, "1"), "MQ");
    assert_string_equal(cursor_decode(&unit_arena, "MTIz"), "123");
}

static void test_cursor_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "M",        /* a lone character is not a whole byte */
        "MQ=",      /* padding */
        "MQ==",
        "M Q",      /* space */
        "MQ\n",
        "+/8",      /* standard alphabet, not URL-safe */
        "!!!!",
        "AA",       /* decodes to a NUL byte: would cut the string short */
        "MQBR",     /* "1\0Q" */
        "MTIz\xff",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *got = cursor_decode(&unit_arena, bad[i]);
        if (got)
            fail_msg("cursor_decode(\"%s\") accepted: \"%s\"", bad[i], got);
    }
}

/* Bytes outside the base64url alphabet are malformed. libsodium 1.0.18 decodes every
 * byte 0x80..0xff as '_' (its char is signed), so cursor_decode must check the alphabet
 * itself: otherwise one cursor has many spellings ("\xfcA" and "_A" both give "\xfc"). */
static void test_cursor_high_bytes(void **state)
{
    (void)state;
    for (int b = 0x80; b <= 0xff; b++) {
        char in[3] = {(char)b, 'A', '\0'};
        if (cursor_decode(&unit_arena, in))
            fail_msg("cursor_decode accepted byte 0x%02x", b);
    }
    assert_null(cursor_decode(&unit_arena, "MQ\xc3\xa9"));
}

static void test_path_end(void **state)
{
    (void)state;
    assert_string_equal(org_path_end(&unit_arena, "/1/12/"), "/1/120");
    assert_string_equal(org_path_end(&unit_arena, "/"), "0");
    /* Every descendant path sorts inside [path, end), a sibling sharing the prefix
     * digits does not. */
    const char *path = "/1/2/";
    const char *end = org_path_end(&unit_arena, path);
    static const char *const inside[] = {"/1/2/", "/1/2/3/", "/1/2/99/1/"};
    static const char *const outside[] = {"/1/20/", "/1/3/", "/1/", "/1/2", "/10/"};
    for (size_t i = 0; i < ARRAY_SIZE(inside); i++)
        assert_true(strcmp(inside[i], path) >= 0 && strcmp(inside[i], end) < 0);
    for (size_t i = 0; i < ARRAY_SIZE(outside); i++)
        assert_false(strcmp(outside[i], path) >= 0 && strcmp(outside[i], end) < 0);
}

static void test_level_fits(void **state)
{
    (void)state;
    assert_true(org_level_fits(NULL, "province"));
    assert_true(org_level_fits("province", "city"));
    assert_true(org_level_fits("township", "branch"));
    assert_true(org_level_fits("general_branch", "branch"));
    assert_true(org_level_fits("branch", "group"));
    assert_false(org_level_fits(NULL, "branch"));
    assert_false(org_level_fits("branch", "branch"));
    assert_false(org_level_fits("group", "group"));
    assert_false(org_level_fits("city", "province"));
    assert_false(org_level_fits("branch", "nonsense"));
    assert_false(org_level_fits("nonsense", "branch"));
    /* Every declared level can be placed somewhere (as a root or under a level). */
    for (const char *const *l = org_levels; *l; l++) {
        bool placed = org_level_fits(NULL, *l);
        for (const char *const *p = org_levels; *p && !placed; p++)
            placed = org_level_fits(*p, *l);
        if (!placed)
            fail_msg("level %s fits nowhere", *l);
    }
    size_t n = 0;
    while (org_levels[n])
        n++;
    assert_int_equal(n, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cursor_round_trip, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_cursor_malformed, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_cursor_high_bytes, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_path_end, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_level_fits, unit_arena_setup, unit_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
