/* test_arena.c - src/core/arena.c: alignment, big and small blocks, reset, helpers. */
#include "app.h"
#include "unit.h"

static bool aligned16(const void *p)
{
    return ((uintptr_t)p & 15u) == 0;
}

/* Every allocation, whatever its size, is aligned to 16 and writable in full. */
static void test_alignment(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 4095, 4096,
                                   4097, 5000, 8191, 8192, 8193, 20000, 1, 3};
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
            unsigned char *p = arena_alloc(&a, sizes[i]);
            assert_non_null(p);
            assert_true(aligned16(p));
            memset(p, 0xa5, sizes[i]);
        }
    }
    arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
}

/* Many small allocations stay distinct: each keeps the pattern written into it. */
static void test_many_small(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    enum { N = 20000 };
    uint32_t **ptrs = xcalloc(N, sizeof(*ptrs));
    for (uint32_t i = 0; i < N; i++) {
        size_t words = 1 + i % 5;
        ptrs[i] = arena_alloc(&a, words * sizeof(uint32_t));
        assert_true(aligned16(ptrs[i]));
        for (size_t w = 0; w < words; w++)
            ptrs[i][w] = i * 7u + (uint32_t)w;
    }
    for (uint32_t i = 0; i < N; i++) {
        size_t words = 1 + i % 5;
        for (size_t w = 0; w < words; w++)
            assert_int_equal(ptrs[i][w], i * 7u + (uint32_t)w);
    }
    assert_true(a.total >= (size_t)N * 16);
    free(ptrs);
    arena_release(&a);
}

/* Large allocations interleaved with small ones: nothing overlaps. */
static void test_large_and_small(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    enum { N = 64 };
    unsigned char *big[N], *small[N];
    size_t bigsz[N];
    for (int i = 0; i < N; i++) {
        bigsz[i] = 4097 + (size_t)i * 1031;
        big[i] = arena_alloc(&a, bigsz[i]);
        small[i] = arena_alloc(&a, 24);
        assert_true(aligned16(big[i]));
        assert_true(aligned16(small[i]));
        memset(big[i], i, bigsz[i]);
        memset(small[i], 255 - i, 24);
    }
    for (int i = 0; i < N; i++) {
        for (size_t k = 0; k < bigsz[i]; k += 97)
            assert_int_equal(big[i][k], (unsigned char)i);
        assert_int_equal(big[i][bigsz[i] - 1], (unsigned char)i);
        for (size_t k = 0; k < 24; k++)
            assert_int_equal(small[i][k], (unsigned char)(255 - i));
    }
    /* A first allocation that is big on an empty arena. */
    struct arena b;
    arena_init(&b);
    char *p = arena_alloc(&b, 100000);
    memset(p, 'x', 100000);
    char *q = arena_alloc(&b, 10);
    memset(q, 'y', 10);
    assert_int_equal(p[99999], 'x');
    assert_true(q + 10 <= p || q >= p + 100000);
    arena_release(&b);
    arena_release(&a);
}

/* arena_reset drops later blocks and the arena keeps serving allocations. */
static void test_reset(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    arena_reset(&a); /* on an empty arena: nothing to do */
    assert_null(a.head);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 3000; i++) {
            char *s = arena_printf(&a, "round %d item %d", round, i);
            assert_string_equal(s, arena_printf(&a, "round %d item %d", round, i));
        }
        char *big = arena_alloc(&a, 50000);
        memset(big, 1, 50000);
        assert_true(a.total > 50000);
        arena_reset(&a);
        assert_int_equal(a.total, 0);
        assert_int_equal(a.used, 0);
        assert_non_null(a.head);
        char *after = arena_strdup(&a, "still works");
        assert_string_equal(after, "still works");
        assert_true(aligned16(after));
    }
    /* Reset when the first block was a big one. */
    arena_release(&a);
    arena_init(&a);
    char *big = arena_alloc(&a, 9000);
    memset(big, 2, 9000);
    arena_reset(&a);
    for (int i = 0; i < 2000; i++) {
        char *s = arena_alloc(&a, 40);
        memset(s, 3, 40);
        assert_true(aligned16(s));
    }
    arena_release(&a);
}

static void test_strdup_printf(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    const char *src = "支部 branch";
    char *d = arena_strdup(&a, src);
    assert_ptr_not_equal(d, src);
    assert_string_equal(d, src);
    assert_string_equal(arena_strdup(&a, ""), "");

    char *n = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(n, "abc");
    assert_int_equal(strlen(n), 3);
    char *z = arena_strndup(&a, "abc", 0);
    assert_string_equal(z, "");

    assert_string_equal(arena_printf(&a, "%d-%s-%05.1f", 42, "x", 3.14159), "42-x-003.1");
    assert_string_equal(arena_printf(&a, "%s", ""), "");

    /* Output longer than a block. */
    char *longs = arena_printf(&a, "%20000d|", 7);
    assert_int_equal(strlen(longs), 20001);
    assert_int_equal(longs[19999], '7');
    assert_int_equal(longs[20000], '|');
    assert_int_equal(longs[0], ' ');
    arena_release(&a);
}

static void test_calloc_zeroes(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    /* Dirty memory first, then reset so calloc gets the same bytes back. */
    for (int i = 0; i < 100; i++)
        memset(arena_alloc(&a, 64), 0xff, 64);
    arena_reset(&a);
    for (int i = 0; i < 200; i++) {
        size_t n = 1 + (size_t)i % 13, size = 1 + (size_t)i % 7;
        unsigned char *p = arena_calloc(&a, n, size);
        assert_true(aligned16(p));
        for (size_t k = 0; k < n * size; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xee, n * size);
    }
    unsigned char *big = arena_calloc(&a, 3000, 8);
    for (size_t k = 0; k < 24000; k++)
        assert_int_equal(big[k], 0);
    unsigned char *none = arena_calloc(&a, 0, 8);
    assert_non_null(none);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),     cmocka_unit_test(test_many_small),
        cmocka_unit_test(test_large_and_small), cmocka_unit_test(test_reset),
        cmocka_unit_test(test_strdup_printf), cmocka_unit_test(test_calloc_zeroes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
