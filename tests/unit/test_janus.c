/* test_janus.c - src/core/janus.c: what Janus's event handler posts (the
 * AudioBridge's joins and leaves) and the Authorization it must carry. */
#include "app.h"
#include "core/janus.h"
#include "unit.h"

#define JOINED                                                                                     \
    "{\"emitter\":\"zhibu-rooms\",\"type\":64,\"timestamp\":1796549337231476,"                     \
    "\"session_id\":1,\"handle_id\":2,\"event\":{\"plugin\":\"janus.plugin.audiobridge\","         \
    "\"data\":{\"event\":\"joined\",\"room\":4242,\"id\":77,\"display\":\"x\",\"setup\":false}}}"
#define LEFT                                                                                       \
    "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":"         \
    "\"left\",\"room\":4242,\"id\":77}}}"
#define KICKED                                                                                     \
    "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":"         \
    "\"kicked\",\"room\":4242,\"id\":77}}}"

static size_t parse(const char *body, struct janus_event *ev, size_t max, bool *ok)
{
    size_t n = 99;
    *ok = janus_parse_events(body, strlen(body), ev, max, &n);
    return n;
}

static void test_events(void **state)
{
    (void)state;
    struct janus_event ev[4];
    bool ok;
    assert_int_equal(parse(JOINED, ev, 4, &ok), 1);
    assert_true(ok);
    assert_int_equal(ev[0].kind, JANUS_EVENT_JOINED);
    assert_int_equal(ev[0].room, 4242);
    assert_int_equal(ev[0].participant, 77);
    /* Grouped: kicked is skipped, left kept, in order. */
    assert_int_equal(parse("[" JOINED "," KICKED "," LEFT "]", ev, 4, &ok), 2);
    assert_true(ok);
    assert_int_equal(ev[0].kind, JANUS_EVENT_JOINED);
    assert_int_equal(ev[1].kind, JANUS_EVENT_LEFT);
    /* At most max. */
    assert_int_equal(parse("[" JOINED "," LEFT "," JOINED "]", ev, 2, &ok), 2);
    /* Other plugins, core events, bad ids: nothing, but a body of events all the same. */
    static const char *const skipped[] = {
        "{\"type\":1,\"event\":{\"name\":\"created\"}}",
        "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"event\":"
        "\"joined\",\"room\":1,\"id\":2}}}",
        "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":"
        "\"joined\",\"room\":\"4242\",\"id\":77}}}",
        "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":"
        "\"left\",\"room\":4242,\"id\":0}}}",
        "{\"type\":64,\"event\":{\"plugin\":\"janus.plugin.audiobridge\",\"data\":{\"event\":"
        "\"joined\",\"room\":-1,\"id\":7}}}",
        "[]",
    };
    for (size_t i = 0; i < ARRAY_SIZE(skipped); i++) {
        if (parse(skipped[i], ev, 4, &ok) != 0 || !ok)
            fail_msg("not skipped: %s", skipped[i]);
    }
    /* Not events at all. */
    static const char *const bad[] = {
        "", "x", "1", "\"joined\"", "[1]", "[" JOINED ",2]", "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        if (parse(bad[i], ev, 4, &ok) != 0 || ok)
            fail_msg("taken: %s", bad[i]);
    }
}

static void test_authorized(void **state)
{
    (void)state;
    struct config saved = cfg;
    snprintf(cfg.janus_url, sizeof(cfg.janus_url), "http://127.0.0.1:8088/janus");
    cfg.janus_events_secret[0] = '\0';
    /* Events off: nothing is authorized. */
    assert_false(janus_events_on());
    assert_false(janus_events_authorized("Basic amFudXM6"));
    snprintf(cfg.janus_events_secret, sizeof(cfg.janus_events_secret), "0123456789abcdefXYZ");
    assert_true(janus_events_on());
    /* base64("janus:0123456789abcdefXYZ") */
    assert_true(janus_events_authorized("Basic amFudXM6MDEyMzQ1Njc4OWFiY2RlZlhZWg=="));
    assert_false(janus_events_authorized(NULL));
    assert_false(janus_events_authorized(""));
    assert_false(janus_events_authorized("Basic amFudXM6MDEyMzQ1Njc4OWFiY2RlZlhZWg"));
    assert_false(janus_events_authorized("Basic amFudXM6MDEyMzQ1Njc4OWFiY2RlZlhZWg==x"));
    assert_false(janus_events_authorized("basic amFudXM6MDEyMzQ1Njc4OWFiY2RlZlhZWg=="));
    /* base64("admin:0123456789abcdefXYZ") */
    assert_false(janus_events_authorized("Basic YWRtaW46MDEyMzQ1Njc4OWFiY2RlZlhZWg=="));
    assert_false(janus_events_authorized("Bearer 0123456789abcdefXYZ"));
    cfg = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_authorized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
