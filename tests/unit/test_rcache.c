/* test_rcache.c - src/core/rcache.c: the answer cache. */
#include "app.h"
#include "core/rcache.h"
#include "unit.h"

static void test_hit_miss(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    size_t len;
    int status;
    assert_null(rcache_get("k1", 7, &len, &status));
    rcache_put("k1", 7, 200, "{\"data\":1}", 10);
    const char *b = rcache_get("k1", 7, &len, &status);
    assert_non_null(b);
    assert_int_equal(len, 10);
    assert_int_equal(status, 200);
    assert_memory_equal(b, "{\"data\":1}", 10);
    rcache_release((void *)b);
    /* Another change sequence: a miss (something was written since). */
    assert_null(rcache_get("k1", 8, &len, &status));
    /* An older snapshot's answer does not replace a newer one. */
    rcache_put("k1", 9, 200, "new", 3);
    rcache_put("k1", 8, 200, "old", 3);
    b = rcache_get("k1", 9, &len, &status);
    assert_non_null(b);
    assert_memory_equal(b, "new", 3);
    rcache_release((void *)b);
}

static void test_reference_outlives_entry(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    size_t len;
    int status;
    rcache_put("k2", 1, 200, "first answer", 12);
    const char *held = rcache_get("k2", 1, &len, &status);
    assert_non_null(held);
    /* Replaced while a response still sends the old bytes: they stay valid. */
    rcache_put("k2", 2, 200, "second", 6);
    assert_memory_equal(held, "first answer", 12);
    rcache_release((void *)held);
}

static void test_bounded(void **state)
{
    (void)state;
    rcache_init(64 * 1024);
    char body[1000], key[32];
    memset(body, 'x', sizeof(body));
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "many-%d", i);
        rcache_put(key, 1, 200, body, sizeof(body));
    }
    size_t len;
    int status;
    /* The oldest were dropped to stay within the budget, the newest are there. */
    assert_null(rcache_get("many-0", 1, &len, &status));
    const char *b = rcache_get("many-499", 1, &len, &status);
    assert_non_null(b);
    rcache_release((void *)b);
    /* Off: nothing is kept. */
    rcache_init(0);
    rcache_put("off", 1, 200, "x", 1);
    assert_null(rcache_get("off", 1, &len, &status));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss),
        cmocka_unit_test(test_reference_outlives_entry),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
