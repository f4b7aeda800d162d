/* test_buf.c - src/core/buf.c: growth, printf, NUL termination, arena buffers, detach. */
#include "app.h"
#include "unit.h"

/* A fresh buffer is an empty string without allocating. */
static void test_empty(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    buf_reset(&b);
    assert_string_equal(b.data, "");
    buf_release(&b);
    assert_int_equal(b.cap, 0);
}

/* Byte by byte past many doublings: contents, length, capacity and the NUL. */
static void test_growth(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 100000; i++) {
        buf_addch(&b, (char)('a' + i % 26));
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_int_equal(b.len, 100000);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(strlen(b.data), 100000);

    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_addstr(&b, "again");
    assert_string_equal(b.data, "again");

    /* Binary data with NULs inside keeps its length. */
    buf_add(&b, "x\0y", 3);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "againx\0y", 9);

    /* buf_grow reserves room without changing the contents. */
    size_t len = b.len;
    buf_grow(&b, 1 << 20);
    assert_true(b.cap >= len + (1 << 20) + 1);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, "againx\0y", 9);
    buf_release(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_printf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%d", 1);
    buf_printf(&b, "-%s-", "two");
    buf_printf(&b, "%" PRId64, INT64_MIN);
    assert_string_equal(b.data, "1-two--9223372036854775808");
    assert_int_equal(b.len, strlen(b.data));

    /* Output longer than the room left: printed again after growing. */
    char *big = xmalloc(70001);
    memset(big, 'q', 70000);
    big[70000] = '\0';
    buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 26 + 70002);
    assert_int_equal(b.data[26], '<');
    assert_int_equal(b.data[27], 'q');
    assert_int_equal(b.data[26 + 70000], 'q');
    assert_int_equal(b.data[26 + 70001], '>');
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(strlen(b.data), b.len);

    free(big);
    buf_release(&b);

    /* Exactly filling the room that is left, then one byte too many. */
    buf_init(&b);
    buf_grow(&b, 10);
    size_t room = b.cap - b.len;
    char fill[256];
    assert_true(room < sizeof(fill));
    memset(fill, 'z', room - 1);
    fill[room - 1] = '\0';
    buf_printf(&b, "%s", fill); /* room-1 chars + NUL: fits */
    assert_int_equal(b.len, room - 1);
    buf_printf(&b, "%s", "AB"); /* does not fit any more */
    assert_int_equal(b.len, room + 1);
    assert_int_equal(b.data[room - 1], 'A');
    assert_int_equal(b.data[room], 'B');
    assert_int_equal(b.data[room + 1], '\0');

    /* Empty output changes nothing. */
    size_t before = b.len;
    buf_printf(&b, "%s", "");
    assert_int_equal(b.len, before);
    buf_release(&b);

    /* printf into a never-grown buffer. */
    struct buf c;
    buf_init(&c);
    buf_printf(&c, "%s", "");
    assert_int_equal(c.len, 0);
    assert_string_equal(c.data, "");
    buf_printf(&c, "x%dy", 5);
    assert_string_equal(c.data, "x5y");
    buf_release(&c);
}

/* An arena buffer grows inside the arena; buf_release does not free it. */
static void test_arena_buf(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    struct buf b;
    buf_init_arena(&b, &a);
    assert_ptr_equal(b.arena, &a);
    for (int i = 0; i < 5000; i++)
        buf_printf(&b, "%04d,", i);
    assert_int_equal(b.len, 25000);
    assert_memory_equal(b.data, "0000,0001,", 10);
    assert_memory_equal(b.data + b.len - 5, "4999,", 5);
    assert_int_equal(b.data[b.len], '\0');
    assert_true(a.total >= b.cap);
    char *keep = b.data;
    buf_release(&b);
    assert_ptr_equal(b.arena, &a); /* stays an arena buffer */
    assert_int_equal(b.len, 0);
    /* The arena still owns the old contents (ASan would flag a free). */
    assert_memory_equal(keep, "0000,", 5);
    buf_addstr(&b, "reused");
    assert_string_equal(b.data, "reused");
    arena_release(&a);
}

/* A size known in advance is allocated as it is, not rounded up (a request
 * body of Content-Length bytes costs those bytes, not the next power of two). */
static void test_grow_exact(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    struct buf b;
    buf_init_arena(&b, &a);
    buf_grow_exact(&b, 700000);
    assert_int_equal(b.cap, 700001);
    size_t before = a.total;
    for (int i = 0; i < 7000; i++)
        buf_add(&b,
                "0123456789012345678901234567890123456789012345678901234567890123456789012345678"
                "901234567890123456789",
                100);
    assert_int_equal(b.len, 700000);
    assert_int_equal(b.cap, 700001);
    assert_int_equal(a.total, before); /* filling it took nothing more */
    buf_grow_exact(&b, 0);
    assert_int_equal(b.cap, 700001);
    buf_grow_exact(&b, 9);
    assert_int_equal(b.cap, 700010);
    assert_memory_equal(b.data + 699990, "0123456789", 10);
    arena_release(&a);

    struct buf m;
    buf_init(&m);
    buf_addstr(&m, "abc");
    buf_grow_exact(&m, 100); /* 64 from the first add: too small */
    assert_int_equal(m.cap, 104);
    assert_string_equal(m.data, "abc");
    buf_release(&m);
}

static void test_detach(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_addstr(&b, "hello ");
    buf_printf(&b, "%s", "world");
    size_t len = 0;
    char *s = buf_detach(&b, &len);
    assert_int_equal(len, 11);
    assert_string_equal(s, "hello world");
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_string_equal(b.data, "");
    free(s);

    /* Detaching a never-grown buffer gives a malloc'd "" the caller frees. */
    char *e = buf_detach(&b, &len);
    assert_non_null(e);
    assert_string_equal(e, "");
    assert_int_equal(len, 0);
    free(e);

    /* The buffer is usable again after a detach; NULL len is allowed. */
    buf_addstr(&b, "next");
    char *n = buf_detach(&b, NULL);
    assert_string_equal(n, "next");
    free(n);
    buf_release(&b);
}

static void test_addint(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_addint(&b, 0);
    buf_addch(&b, ' ');
    buf_addint(&b, 7);
    buf_addch(&b, ' ');
    buf_addint(&b, -42);
    buf_addch(&b, ' ');
    buf_addint(&b, INT64_MAX);
    buf_addch(&b, ' ');
    buf_addint(&b, INT64_MIN);
    assert_string_equal(b.data, "0 7 -42 9223372036854775807 -9223372036854775808");
    assert_int_equal(b.len, strlen(b.data));
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),  cmocka_unit_test(test_growth),
        cmocka_unit_test(test_printf), cmocka_unit_test(test_arena_buf),
        cmocka_unit_test(test_detach), cmocka_unit_test(test_grow_exact),
        cmocka_unit_test(test_addint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
