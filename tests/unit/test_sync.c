/* test_sync.c - src/mod/sync.c's pure parts: time_parse and the batch decoder. */
#include "app.h"
#include "mod/mod.h"
#include "unit.h"

static void test_time_parse(void **state)
{
    int64_t t = 0;
    assert_true(time_parse("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t, 0);
    assert_true(time_parse("2026-11-24T08:30:15Z", &t));
    assert_int_equal(t, 1795509015);
    assert_true(time_parse("2026-11-24T08:30Z", &t));
    assert_int_equal(t, 1795509000);
    assert_true(time_parse("2026-11-24T08:30:15.123Z", &t));
    assert_int_equal(t, 1795509015);
    assert_true(time_parse("2028-02-29T23:59:59Z", &t));
    static const char *const bad[] = {
        "",
        "2026-11-24",
        "2026-11-24T08:30:15",
        "2026-11-24 08:30:15Z",
        "2026-02-29T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T08:60:00Z",
        "2026-11-24T08:30:61Z",
        "2026-11-24T08:30:15.Z",
        "2026-11-24T08:30:15+08:00",
        "2026-11-24T08:30:15ZZ",
        "２026-11-24T08:30:15Z",
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        if (time_parse(bad[i], &t))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(time_parse(NULL, &t));
}

static const char *decode(const char *json, struct sync_batch *b)
{
    return sync_decode(&unit_arena, json, strlen(json), b);
}

static void test_sync_decode(void **state)
{
    struct sync_batch b;
    assert_null(decode("{\"changes\":[]}", &b));
    assert_int_equal(b.n, 0);
    assert_non_null(decode("", &b));
    assert_non_null(decode("[]", &b));
    assert_non_null(decode("{\"changes\":{}}", &b));
    assert_non_null(decode("{\"changes\":[],\"x\":1}", &b));

    assert_null(
        decode("{\"changes\":[{\"key\":\"a\",\"capturedAt\":\"2026-11-24T08:00:00Z\","
               "\"kind\":\"attendance\",\"meetingId\":3,\"memberId\":4,\"status\":"
               "\"present\",\"paper\":true},"
               "{\"key\":\"b\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"minutes\","
               "\"meetingId\":3,\"minutes\":\"l1\\nl2\"},"
               "{\"key\":\"c\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"close\","
               "\"meetingId\":3,\"status\":\"present\"},"
               "{\"key\":\"d\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"note\","
               "\"meetingId\":3,\"text\":\"\"},"
               "7]}",
               &b));
    assert_int_equal(b.n, 5);
    assert_null(b.items[0].error);
    assert_int_equal(b.items[0].kind, SYNC_ATTENDANCE);
    assert_int_equal(b.items[0].member_id, 4);
    assert_true(b.items[0].paper);
    assert_int_equal(b.items[0].captured_at, 1795507200);
    assert_null(b.items[1].error);
    assert_string_equal(b.items[1].minutes, "l1\nl2");
    assert_non_null(b.items[2].error); /* a close takes no status */
    assert_string_equal(b.items[2].field, "status");
    assert_non_null(b.items[3].error); /* an empty note */
    assert_string_equal(b.items[3].field, "text");
    assert_non_null(b.items[4].error);
    /* The same change in another key order has the same canonical text. */
    struct sync_batch b2;
    assert_null(decode("{\"changes\":[{\"paper\":true,\"status\":\"present\",\"memberId\":4,"
                       "\"meetingId\":3,\"kind\":\"attendance\",\"capturedAt\":"
                       "\"2026-11-24T08:00:00Z\",\"key\":\"a\"}]}",
                       &b2));
    assert_string_equal(b.items[0].canon, b2.items[0].canon);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_sync_decode),
    };
    return cmocka_run_group_tests(tests, unit_arena_setup, unit_arena_teardown);
}
