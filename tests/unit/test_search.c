/* test_search.c - src/mod/search.c: splitting text for the index and building
 * FTS5 queries (ideographs one by one and in pairs; other words as they are). */
#include "app.h"
#include "mod/search.h"
#include "unit.h"

static void split(const char *text, const char *want_uni, const char *want_bi)
{
    struct buf uni, bi;
    buf_init(&uni);
    buf_init(&bi);
    search_split(text, &uni, &bi);
    assert_string_equal(uni.data ? uni.data : "", want_uni);
    assert_string_equal(bi.data ? bi.data : "", want_bi);
    buf_release(&uni);
    buf_release(&bi);
}

/* A run of ideographs: each one alone in uni, overlapping pairs in bi; a lone
 * ideograph is its own token in bi; other text passes through. */
static void test_split(void **state)
{
    (void)state;
    split("党建工作", " 党  建  工  作 ", " 党建  建工  工作 ");
    split("党", " 党 ", " 党 ");
    split("AI党建", "AI 党  建 ", "AI 党建 ");
    split("5G 基站，好", "5G  基  站 ， 好 ", "5G  基站 ， 好 ");
    split("hello", "hello", "hello");
    split("", "", "");
}

static void query(const char *q, bool ok, const char *want)
{
    struct buf out;
    buf_init(&out);
    assert_int_equal(search_query_build(q, &out), ok);
    if (ok)
        assert_string_equal(out.data, want);
    buf_release(&out);
}

/* One ideograph searches uni, a run searches the phrase of its pairs in bi, other
 * words are quoted (FTS5 operators and quotes taken literally); all ANDed. */
static void test_query(void **state)
{
    (void)state;
    query("党", true, "uni : \"党\"");
    query("党建", true, "bi : \"党建\"");
    query("乡村振兴", true, "bi : \"乡村 村振 振兴\"");
    query("AI党建", true, "\"AI\" bi : \"党建\"");
    query("党建 NEAR(x)", true, "bi : \"党建\" \"NEAR\" \"x\"");
    query("\"a\" OR b*", true, "\"a\" \"OR\" \"b\"");
    query("，。 - \" *", false, NULL);
    query("", false, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
