/* test_sync.c - src/mod/sync.c's pure parts: time_parse and reading the changes of a batch. */
#include "app.h"
#include "core/validate.h"
#include "mod/sync.h"
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

/* Reads the list of changes text as the dispatcher does (each change on its
 * own) and then change by change into out; false when the list itself is
 * refused. */
static bool decode(const char *text, struct sync_change *out, size_t *n)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    struct value changes = {0};
    const char *why;
    bool ok = value_from_json(&unit_arena, &sync_body[0], j, &changes, &why);
    json_decref(j);
    *n = ok ? changes.n : 0;
    for (size_t i = 0; i < *n; i++)
        sync_change_read(&unit_arena, &changes, i, &out[i]);
    return ok;
}

#define CHANGE(kind, more)                                                                         \
    "{\"key\":\"k\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"" kind             \
    "\",\"meetingId\":3" more "}"

static void test_sync_change_read(void **state)
{
    struct sync_change c[16];
    size_t n;
    assert_true(decode("[]", c, &n));
    assert_int_equal(n, 0);
    assert_false(decode("{}", c, &n));
    assert_false(decode("7", c, &n));

    assert_true(decode("[{\"key\":\"a\",\"capturedAt\":\"2026-11-24T08:00:00Z\","
                       "\"kind\":\"attendance\",\"meetingId\":3,\"memberId\":4,\"status\":"
                       "\"present\",\"paper\":true},"
                       "{\"key\":\"b\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"minutes\","
                       "\"meetingId\":3,\"minutes\":\"l1\\nl2\"},"
                       "{\"key\":\"c\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"close\","
                       "\"meetingId\":3,\"status\":\"present\"},"
                       "{\"key\":\"d\",\"capturedAt\":\"2026-11-24T08:00:00Z\",\"kind\":\"note\","
                       "\"meetingId\":3,\"text\":\"\"},"
                       "7]",
                       c, &n));
    assert_int_equal(n, 5);
    assert_null(c[0].error);
    assert_string_equal(c[0].key, "a");
    assert_int_equal(c[0].kind, SYNC_ATTENDANCE);
    assert_int_equal(c[0].meeting_id, 3);
    assert_int_equal(c[0].member_id, 4);
    assert_string_equal(c[0].status, "present");
    assert_true(c[0].paper);
    assert_int_equal(c[0].captured_at, 1795507200);
    const char *canon = c[0].canon;
    assert_null(c[1].error);
    assert_string_equal(c[1].minutes, "l1\nl2");
    assert_non_null(c[2].error); /* a close takes no status */
    assert_string_equal(c[2].field, "status");
    assert_string_equal(c[2].key, "c");
    assert_non_null(c[3].error); /* an empty note */
    assert_string_equal(c[3].field, "text");
    assert_non_null(c[4].error); /* not an object */
    assert_null(c[4].field);
    assert_null(c[4].key);

    /* The fields each kind needs, and the first field at fault. */
    assert_true(decode("[" CHANGE("attendance", ",\"status\":\"present\"") "," /**/
                       CHANGE("attendance", ",\"memberId\":4,\"status\":\"asleep\"") "," /**/
                       CHANGE("file", ",\"fileKind\":\"photo\"") "," /**/
                       CHANGE("minutes", "") "," /**/
                       CHANGE("minutes", ",\"resolutions\":\"r\"") "," /**/
                       CHANGE("party", ",\"colour\":1") "," /**/
                       CHANGE("close", ",\"colour\":1") "," /**/
                       "{\"key\":\"two words\",\"capturedAt\":\"x\"}]",
                       c, &n));
    assert_int_equal(n, 8);
    static const char *const fields[] = {"memberId", "status", "ref",    NULL,
                                         NULL,       "kind",   "colour", "key"};
    for (size_t i = 0; i < n; i++) {
        if (fields[i] == NULL && i == 4) {
            assert_null(c[i].error);
            continue;
        }
        assert_non_null(c[i].error);
        if (fields[i])
            assert_string_equal(c[i].field, fields[i]);
    }
    assert_string_equal(c[3].field, "minutes");
    assert_null(c[7].key); /* a bad key is not answered back */

    /* The same change in another key order has the same canonical text. */
    struct sync_change d;
    assert_true(decode("[{\"paper\":true,\"status\":\"present\",\"memberId\":4,"
                       "\"meetingId\":3,\"kind\":\"attendance\",\"capturedAt\":"
                       "\"2026-11-24T08:00:00Z\",\"key\":\"a\"}]",
                       &d, &n));
    assert_string_equal(canon, d.canon);
    /* Fingerprints stored before stay valid: the canonical text is jansson's compact
     * form with sorted keys, as it always was. */
    assert_string_equal(d.canon, "{\"capturedAt\":\"2026-11-24T08:00:00Z\",\"key\":\"a\","
                                 "\"kind\":\"attendance\",\"meetingId\":3,\"memberId\":4,"
                                 "\"paper\":true,\"status\":\"present\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_sync_change_read),
    };
    return cmocka_run_group_tests(tests, unit_arena_setup, unit_arena_teardown);
}
