/* test_sms.c - src/core/sms.c: sizes on the air, templates, the outbox, the settings. */
#include "app.h"
#include "core/sms.h"
#include "db/migrate.h"
#include "unit.h"

/* ---- measure ---- */

static void test_measure_gsm7(void **state)
{
    (void)state;
    struct sms_size s;
    char text[400];
    memset(text, 'a', 160), text[160] = '\0';
    sms_measure(text, &s);
    assert_int_equal(s.coding, SMS_GSM7);
    assert_int_equal(s.units, 160);
    assert_int_equal(s.parts, 1);
    text[160] = 'b', text[161] = '\0';
    sms_measure(text, &s);
    assert_int_equal(s.parts, 2); /* 161 septets: 153 + 8 */
    memset(text, 'a', 306), text[306] = '\0';
    sms_measure(text, &s);
    assert_int_equal(s.parts, 2);
    text[306] = 'a', text[307] = '\0';
    sms_measure(text, &s);
    assert_int_equal(s.parts, 3);
    /* The extension table costs two septets; é and € are in the alphabet. */
    sms_measure("{x}€é", &s);
    assert_int_equal(s.coding, SMS_GSM7);
    assert_int_equal(s.units, 2 + 1 + 2 + 2 + 1);
}

static void test_measure_ucs2(void **state)
{
    (void)state;
    struct sms_size s;
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 70; i++)
        buf_addstr(&b, "党");
    sms_measure(b.data, &s);
    assert_int_equal(s.coding, SMS_UCS2);
    assert_int_equal(s.units, 70);
    assert_int_equal(s.parts, 1);
    buf_addstr(&b, "a"); /* one Latin letter in a Chinese text is UCS-2 too */
    sms_measure(b.data, &s);
    assert_int_equal(s.units, 71);
    assert_int_equal(s.parts, 2); /* 67 + 4 */
    for (int i = 0; i < 63; i++)
        buf_addstr(&b, "党");
    sms_measure(b.data, &s);
    assert_int_equal(s.units, 134);
    assert_int_equal(s.parts, 2);
    buf_addstr(&b, "😀"); /* outside the BMP: a surrogate pair, two units */
    sms_measure(b.data, &s);
    assert_int_equal(s.units, 136);
    assert_int_equal(s.parts, 3);
    buf_release(&b);
}

/* ---- render ---- */

static void test_render_notice(void **state)
{
    (void)state;
    struct sms_rendered r;
    const char *why = NULL;
    const char *vars[4] = {"第一村党支部", "关于召开十二月主题党日的通知", "12月10日", "1"};
    assert_int_equal(sms_render(SMS_NOTICE, vars, &r, &why), 0);
    /* Short variables go in as they are; a long title is cut below. */
    assert_string_equal(r.body, "【智慧支部】第一村党支部发布通知《关于召开十二月主题党日的通知》，"
                                "请阅读并确认，截止12月10日。回复1确认。");
    assert_int_equal(r.size.coding, SMS_UCS2);
    assert_string_equal(r.vars[3], "1");
    const char *long_title = "一二三四五六七八九十一二三四五六七八九十一二三";
    vars[1] = long_title;
    assert_int_equal(sms_render(SMS_NOTICE, vars, &r, &why), 0);
    assert_non_null(strstr(r.body, "《一二三四五六七八九十一二三四五六七八九…》"));
}

static void test_render_refuses(void **state)
{
    (void)state;
    struct sms_rendered r;
    const char *why = NULL;
    const char *code[4] = {"123456789", "5"}; /* a code longer than its bound is never cut */
    assert_int_equal(sms_render(SMS_LOGIN_CODE, code, &r, &why), -1);
    assert_non_null(why);
    const char *missing[4] = {"123456"};
    assert_int_equal(sms_render(SMS_LOGIN_CODE, missing, &r, &why), -1);
    assert_int_equal(sms_render((enum sms_kind)SMS__COUNT, missing, &r, &why), -1);
    const char *ctl[4] = {"12\n456", "5"};
    assert_int_equal(sms_render(SMS_LOGIN_CODE, ctl, &r, &why), -1);
}

static void test_render_no_signature_spoofing(void **state)
{
    (void)state;
    struct sms_rendered r;
    const char *vars[4] = {"第一支部", "【银行】请点链接\n转账"};
    assert_int_equal(sms_render(SMS_ANSWER, vars, &r, NULL), 0);
    assert_string_equal(
        r.body, "【智慧支部】第一支部回复了您的留言：[银行]请点链接 转账。详情请登录查看。");
}

/* ---- settings ---- */

static void test_config(void **state)
{
    (void)state;
    struct sms_config c;
    sms_config_defaults(&c);
    assert_int_equal(c.backend, SMS_OFF);
    assert_true(sms_config_apply(&c, "sms_backend", "kannel"));
    assert_false(sms_config_apply(&c, "sms_backend", "smpp"));
    assert_true(sms_config_apply(&c, "sms_template.notice", "SMS_1234567"));
    assert_string_equal(c.template_id[SMS_NOTICE], "SMS_1234567");
    assert_false(sms_config_apply(&c, "sms_template.nothing", "1"));
    assert_true(sms_config_apply(&c, "sms_text.transfer", "转接待办：{1}"));
    assert_false(sms_config_apply(&c, "sms_text.transfer", "转接待办：{2}")); /* one variable */
    assert_true(sms_config_apply(&c, "sms_quiet_hours", "22:30-07:00"));
    assert_int_equal(c.quiet_from, 22 * 60 + 30);
    assert_int_equal(c.quiet_to, 7 * 60);
    assert_false(sms_config_apply(&c, "sms_quiet_hours", "24:00-07:00"));
    assert_true(sms_config_apply(&c, "sms_signature", "【某县党建】"));
    assert_false(sms_config_apply(&c, "sms_signature", "某县党建"));
    assert_false(sms_config_apply(&c, "sms_inbound_secret", "short"));
    /* The daily digest: after how many messages a day, and when it goes. */
    assert_int_equal(c.digest_after, 5);
    assert_int_equal(c.digest_minute, 18 * 60);
    assert_true(sms_config_apply(&c, "sms_digest_after", "0"));
    assert_int_equal(c.digest_after, 0);
    assert_false(sms_config_apply(&c, "sms_digest_after", "-1"));
    assert_false(sms_config_apply(&c, "sms_digest_after", "1001"));
    assert_true(sms_config_apply(&c, "sms_digest_time", "19:30"));
    assert_int_equal(c.digest_minute, 19 * 60 + 30);
    assert_false(sms_config_apply(&c, "sms_digest_time", "7:30"));
    assert_false(sms_kind_can_wait(SMS_LOGIN_CODE));
    assert_false(sms_kind_can_wait(SMS_MEETING));
    assert_false(sms_kind_can_wait(SMS_DIGEST));
    assert_true(sms_kind_can_wait(SMS_NOTICE));
    assert_true(sms_kind_can_wait(SMS_DUES));
    char err[256];
    assert_int_equal(sms_config_check(&c, err, sizeof(err)), -1); /* no sms_public_url */
    assert_true(sms_config_apply(&c, "sms_public_url", "http://127.0.0.1:8080"));
    assert_int_equal(sms_config_check(&c, err, sizeof(err)), 0);
}

/* ---- Tencent Cloud request signing ---- */

/*
 * The worked example of Tencent Cloud API 3.0 "Signature v3" (签名方法 v3, the
 * same page in every product's API documentation, e.g.
 * https://www.tencentcloud.com/document/api/1150/49447): DescribeInstances
 * on cvm.tencentcloudapi.com at X-TC-Timestamp 1551113065 with the body
 * below and SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE gives the published
 * Signature 72e494ea...5168 (its CanonicalRequest hashes to 5ffe6a04...7031).
 */
static void test_tc3_documented_example(void **state)
{
    (void)state;
    char auth[512];
    const char *payload = "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], "
                          "\"Name\": \"instance-name\"}]}";
    assert_int_equal(sms_tc3_authorization(
                         "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                         "cvm", "cvm.tencentcloudapi.com", "application/json; charset=utf-8",
                         1551113065, payload, auth, sizeof(auth)),
                     0);
    assert_string_equal(
        auth, "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
              "tc3_request, SignedHeaders=content-type;host, "
              "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    assert_int_equal(sms_tc3_authorization("id", "key", "sms", "h", "t", 1551113065, "", auth, 20),
                     -1); /* too small a buffer is refused, not cut */
}

/* ---- the outbox ---- */

static int db_setup(void **state)
{
    struct unit_db *f = unit_db_new("zhibu.db");
    char err[512] = "";
    int applied = 0;
    if (!f)
        return -1;
    *state = f;
    if (pdata_init(f->dir, err, sizeof(err)) != 0 ||
        migrate_run(f->db, &applied, err, sizeof(err)) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    sms_config_defaults(&sms_cfg);
    db_begin(f->db, true);
    db_exec(f->db,
            "INSERT INTO orgs (id, parent_id, path, depth, name, level, created_at, updated_at, "
            "seq) VALUES (1, NULL, '/1/', 0, '某县', 'county', 0, 0, 0), "
            "(2, 1, '/1/2/', 1, '第一村党支部', 'branch', 0, 0, 0)",
            "");
    return db_commit(f->db) == DB_OK ? 0 : -1;
}

static int64_t count(struct db *db, const char *sql)
{
    int64_t n = -1;
    db_get_int(db, &n, sql, "");
    return n;
}

static void test_enqueue(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    clock_skew_set(0);
    /* 12:00 Beijing time, outside the quiet hours. */
    int64_t noon = beijing_day_start(beijing_day(now_sec())) + 12 * 3600;
    clock_skew_set(noon - now_sec());
    struct sms_msg m = {.kind = SMS_NOTICE,
                        .phone = "13800138000",
                        .member_id = 40,
                        .org_id = 2,
                        .vars = {"第一村党支部", "十二月主题党日", "12月10日", "1"},
                        .dedupe = "notice:12:m:40"};
    const char *why = NULL;
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(sms_enqueue(db, &m, &why), 0);
    assert_int_equal(sms_enqueue(db, &m, &why), 1); /* the same dedupe: nothing more */
    m.phone = "12345";
    m.dedupe = NULL;
    assert_true(sms_enqueue(db, &m, &why) < 0);
    assert_int_equal(db_commit(db), DB_OK);
    assert_int_equal(count(db, "SELECT count(*) FROM sms_outbox"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM sms_outbox WHERE state = 'queued' AND "
                               "kind = 'notice' AND parts = 1 AND coding = 'ucs2' AND "
                               "phone_mask = '138****8000' AND org_id = 2"),
                     1);
    /* The phone is sealed: its digits are nowhere in the row. */
    assert_int_equal(count(db, "SELECT count(*) FROM sms_outbox WHERE body LIKE '%13800138000%' "
                               "OR vars LIKE '%13800138000%' OR phone_sealed LIKE "
                               "'%13800138000%'"),
                     0);
    assert_int_equal(count(db, "SELECT queued FROM sms_org_day WHERE org_id = 2"), 1);
    clock_skew_set(0);
}

static void test_enqueue_quiet_hours_and_cap(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    clock_skew_set(0);
    /* 23:00 Beijing: a notice waits for 08:00 the next day, a code does not. */
    int64_t day = beijing_day(now_sec());
    int64_t late = beijing_day_start(day) + 23 * 3600;
    clock_skew_set(late - now_sec());
    int64_t now = now_sec();
    struct sms_msg m = {.kind = SMS_TRANSFER,
                        .phone = "13900139000",
                        .org_id = 2,
                        .vars = {"接收方已同意"},
                        .dedupe = "transfer:1"};
    struct sms_msg code = {.kind = SMS_LOGIN_CODE, .phone = "13900139000", .vars = {"123456", "5"}};
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(sms_enqueue(db, &m, NULL), 0);
    assert_int_equal(sms_enqueue(db, &code, NULL), 0);
    assert_int_equal(db_commit(db), DB_OK);
    int64_t nb = -1;
    db_get_int(db, &nb, "SELECT not_before FROM sms_outbox WHERE dedupe = 'transfer:1'", "");
    assert_int_equal(nb, beijing_day_start(day + 1) + 8 * 3600);
    db_get_int(db, &nb, "SELECT not_before FROM sms_outbox WHERE kind = 'login_code'", "");
    assert_int_equal(nb, now);

    /* The county's own cap of 2 holds for its branch: a third message is refused. */
    assert_int_equal(db_begin(db, true), DB_OK);
    db_exec(db, "INSERT INTO sms_quota (org_id, daily_cap, updated_at) VALUES (1, 2, 0)", "");
    m.dedupe = "transfer:2";
    assert_int_equal(sms_enqueue(db, &m, NULL), 0);
    m.dedupe = "transfer:3";
    const char *why = NULL;
    assert_int_equal(sms_enqueue(db, &m, &why), -2);
    assert_non_null(strstr(why, "cap"));
    assert_int_equal(sms_enqueue(db, &code, NULL), 0); /* codes are not counted */
    assert_int_equal(db_commit(db), DB_OK);
    assert_int_equal(count(db, "SELECT refused FROM sms_org_day WHERE org_id = 2 AND queued = 2"),
                     1);
    clock_skew_set(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure_gsm7),
        cmocka_unit_test(test_measure_ucs2),
        cmocka_unit_test(test_render_notice),
        cmocka_unit_test(test_render_refuses),
        cmocka_unit_test(test_render_no_signature_spoofing),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_tc3_documented_example),
        cmocka_unit_test_setup_teardown(test_enqueue, db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_quiet_hours_and_cap, db_setup,
                                        unit_db_teardown),
    };
    sms_config_defaults(&sms_cfg);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
