/* test_idnum.c - src/core/idnum.c: GB 11643 citizen ID numbers. */
#include "app.h"
#include "unit.h"

static void test_check_char(void **state)
{
    (void)state;
    /* Published examples of the ISO 7064 MOD 11-2 check character. */
    assert_int_equal(idnum_check_char("11010519491231002"), 'X');
    assert_int_equal(idnum_check_char("44052418800101001"), '4');
    assert_int_equal(idnum_check_char("11010119700501001"), '3');
}

static void test_valid(void **state)
{
    (void)state;
    char norm[IDNUM_LEN + 1], birth[11];
    assert_null(idnum_check("11010519491231002X", norm, birth));
    assert_string_equal(norm, "11010519491231002X");
    assert_string_equal(birth, "1949-12-31");
    /* a lower-case x is accepted and normalised */
    assert_null(idnum_check("11010519491231002x", norm, birth));
    assert_string_equal(norm, "11010519491231002X");
}

static void test_invalid(void **state)
{
    (void)state;
    char norm[IDNUM_LEN + 1], birth[11];
    static const char *const bad[] = {
        "",                    /* empty */
        "11010519491231002",   /* 17 characters */
        "11010519491231002X1", /* 19 */
        "110105194912310021",  /* wrong check character */
        "1101051949123100AX",  /* a letter in the digits */
        "99010519491231002X",  /* no such province */
        "110105194902300020",  /* 30 February */
        "110105299901010020",  /* born in the future */
        "11010519491231002Y",  /* check is a digit or X */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_non_null(idnum_check(bad[i], norm, birth));
    assert_non_null(idnum_check(NULL, norm, birth));
}

static void test_mask(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    assert_string_equal(idnum_mask(&a, "11010519491231002X"), "1101**************");
    assert_string_equal(idnum_mask(&a, "123"), "****");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_char),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
