/* test_rcache.c - src/core/rcache.c: the answer cache. */
#include "app.h"
#include "core/rcache.h"
#include "unit.h"

#include <zlib.h>

static void test_hit_miss(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    struct rcache_hit h;
    assert_false(rcache_get("k1", 7, false, &h));
    rcache_put("k1", 7, 200, "{\"data\":1}", 10);
    assert_true(rcache_get("k1", 7, false, &h));
    assert_int_equal(h.len, 10);
    assert_int_equal(h.status, 200);
    assert_false(h.gzip);
    assert_memory_equal(h.data, "{\"data\":1}", 10);
    rcache_release((void *)h.data);
    /* Small answers are not compressed: asked for gzip, the plain bytes. */
    assert_true(rcache_get("k1", 7, true, &h));
    assert_false(h.gzip);
    rcache_release((void *)h.data);
    /* Another change sequence: a miss (something was written since). */
    assert_false(rcache_get("k1", 8, false, &h));
    /* An older snapshot's answer does not replace a newer one. */
    rcache_put("k1", 9, 200, "new", 3);
    rcache_put("k1", 8, 200, "old", 3);
    assert_true(rcache_get("k1", 9, false, &h));
    assert_memory_equal(h.data, "new", 3);
    rcache_release((void *)h.data);
}

static void test_gzip(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    char body[4000];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = "{\"name\":\"党员\",\"id\":12},"[i % 26];
    rcache_put("big", 1, 200, body, sizeof(body));
    struct rcache_hit h;
    assert_true(rcache_get("big", 1, true, &h));
    assert_true(h.gzip);
    assert_true(h.len < sizeof(body) / 4);
    /* It decodes to the answer. */
    char out[sizeof(body) + 16];
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)h.data;
    z.avail_in = (uInt)h.len;
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof(out);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, sizeof(body));
    inflateEnd(&z);
    assert_memory_equal(out, body, sizeof(body));
    rcache_release((void *)h.data);
    /* Without gzip, the plain answer. */
    assert_true(rcache_get("big", 1, false, &h));
    assert_false(h.gzip);
    assert_int_equal(h.len, sizeof(body));
    rcache_release((void *)h.data);
}

static void test_reference_outlives_entry(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    struct rcache_hit h;
    rcache_put("k2", 1, 200, "first answer", 12);
    assert_true(rcache_get("k2", 1, false, &h));
    /* Replaced while a response still sends the old bytes: they stay valid. */
    rcache_put("k2", 2, 200, "second", 6);
    assert_memory_equal(h.data, "first answer", 12);
    rcache_release((void *)h.data);
}

static void test_bounded(void **state)
{
    (void)state;
    rcache_init(64 * 1024);
    char body[1000], key[32];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (char)('a' + (i * 7919) % 26); /* does not compress by a quarter */
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "many-%d", i);
        rcache_put(key, 1, 200, body, sizeof(body));
    }
    struct rcache_hit h;
    /* The oldest were dropped to stay within the budget, the newest are there. */
    assert_false(rcache_get("many-0", 1, false, &h));
    assert_true(rcache_get("many-499", 1, false, &h));
    rcache_release((void *)h.data);
    /* Off: nothing is kept. */
    rcache_init(0);
    rcache_put("off", 1, 200, "x", 1);
    assert_false(rcache_get("off", 1, false, &h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_reference_outlives_entry),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
