/* test_rcache.c - src/core/rcache.c: the answer cache. */
#include "app.h"
#include "core/rcache.h"
#include "unit.h"

#include <zlib.h>

/* An answer that depends on the change sequence only. */
#define V(c) ((struct rcache_ver){.change = (c)})

static void test_hit_miss(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    struct rcache_hit h;
    assert_false(rcache_get("k1", V(7), false, &h));
    rcache_put("k1", V(7), 0, 200, "{\"data\":1}", 10);
    assert_true(rcache_get("k1", V(7), false, &h));
    assert_int_equal(h.len, 10);
    assert_int_equal(h.status, 200);
    assert_false(h.gzip);
    assert_memory_equal(h.data, "{\"data\":1}", 10);
    rcache_release((void *)h.data);
    /* Small answers are not compressed: asked for gzip, the plain bytes. */
    assert_true(rcache_get("k1", V(7), true, &h));
    assert_false(h.gzip);
    rcache_release((void *)h.data);
    /* Another change sequence: a miss (something was written since). */
    assert_false(rcache_get("k1", V(8), false, &h));
    /* An older snapshot's answer does not replace a newer one. */
    rcache_put("k1", V(9), 0, 200, "new", 3);
    rcache_put("k1", V(8), 0, 200, "old", 3);
    assert_true(rcache_get("k1", V(9), false, &h));
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
    rcache_put("big", V(1), 0, 200, body, sizeof(body));
    struct rcache_hit h;
    assert_true(rcache_get("big", V(1), true, &h));
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
    assert_true(rcache_get("big", V(1), false, &h));
    assert_false(h.gzip);
    assert_int_equal(h.len, sizeof(body));
    rcache_release((void *)h.data);
}

static void test_reference_outlives_entry(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    struct rcache_hit h;
    rcache_put("k2", V(1), 0, 200, "first answer", 12);
    assert_true(rcache_get("k2", V(1), false, &h));
    /* Replaced while a response still sends the old bytes: they stay valid. */
    rcache_put("k2", V(2), 0, 200, "second", 6);
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
        rcache_put(key, V(1), 0, 200, body, sizeof(body));
    }
    struct rcache_hit h;
    /* The oldest were dropped to stay within the budget, the newest are there. */
    assert_false(rcache_get("many-0", V(1), false, &h));
    assert_true(rcache_get("many-499", V(1), false, &h));
    rcache_release((void *)h.data);
    /* Off: nothing is kept. */
    rcache_init(0);
    rcache_put("off", V(1), 0, 200, "x", 1);
    assert_false(rcache_get("off", V(1), false, &h));
}

static void test_auth_and_expiry(void **state)
{
    (void)state;
    rcache_init(1 << 20);
    struct rcache_hit h;
    /* An answer about the caller: valid for its change and auth sequences. */
    struct rcache_ver at = {.change = 5, .auth = 3};
    rcache_put("me", at, 0, 200, "mine", 4);
    assert_true(rcache_get("me", at, false, &h));
    rcache_release((void *)h.data);
    assert_false(rcache_get("me", (struct rcache_ver){.change = 5, .auth = 4}, false, &h));
    assert_false(rcache_get("me", (struct rcache_ver){.change = 6, .auth = 3}, false, &h));
    /* An older snapshot (same change, older auth) does not replace it. */
    rcache_put("me", (struct rcache_ver){.change = 5, .auth = 2}, 0, 200, "older", 5);
    assert_true(rcache_get("me", at, false, &h));
    assert_memory_equal(h.data, "mine", 4);
    rcache_release((void *)h.data);
    /* An answer true until a moment: a hit before it, a miss from it on. */
    rcache_put("soon", V(1), now_sec() + 60, 200, "soon", 4);
    assert_true(rcache_get("soon", V(1), false, &h));
    rcache_release((void *)h.data);
    rcache_put("past", V(1), now_sec(), 200, "past", 4);
    assert_false(rcache_get("past", V(1), false, &h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_reference_outlives_entry),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_auth_and_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
