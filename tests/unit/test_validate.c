/* test_validate.c - src/core/req.c's validators (core/validate.h) for every parameter type. */
#include "app.h"
#include "core/validate.h"
#include "unit.h"

/* ---- helpers: each checks one input and reports it by name on failure ---- */

static void str_ok(const struct param *p, const char *s, struct value *v)
{
    const char *why = NULL;
    memset(v, 0x5a, sizeof(*v));
    if (!value_from_string(&unit_arena, p, s, v, &why))
        fail_msg("%s: \"%s\" rejected: %s", p->name, s, why ? why : "(no reason)");
    assert_string_equal(v->name, p->name);
    assert_int_equal(v->type, p->type);
    assert_true(v->present);
}

static void str_bad(const struct param *p, const char *s)
{
    const char *why = NULL;
    struct value v;
    memset(&v, 0, sizeof(v));
    if (value_from_string(&unit_arena, p, s, &v, &why))
        fail_msg("%s: \"%s\" accepted", p->name, s);
    assert_non_null(why);
    assert_true(strlen(why) > 0);
}

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("test JSON %s: %s", text, err.text);
    return j;
}

static void json_ok(const struct param *p, const char *text, struct value *v)
{
    json_t *j = load(text);
    const char *why = NULL;
    memset(v, 0x5a, sizeof(*v));
    if (!value_from_json(&unit_arena, p, j, v, &why))
        fail_msg("%s: %s rejected: %s", p->name, text, why ? why : "(no reason)");
    json_decref(j);
    assert_string_equal(v->name, p->name);
    assert_int_equal(v->type, p->type);
    assert_true(v->present);
}

static void json_bad(const struct param *p, const char *text)
{
    json_t *j = load(text);
    const char *why = NULL;
    struct value v;
    memset(&v, 0, sizeof(v));
    bool ok = value_from_json(&unit_arena, p, j, &v, &why);
    json_decref(j);
    if (ok)
        fail_msg("%s: %s accepted", p->name, text);
    assert_non_null(why);
}

/* ---- P_ID ---- */

static void test_id(void **state)
{
    (void)state;
    const struct param p = {"orgId", P_ID, P_REQUIRED};
    struct value v;
    str_ok(&p, "1", &v);
    assert_int_equal(v.i, 1);
    str_ok(&p, "42", &v);
    assert_int_equal(v.i, 42);
    str_ok(&p, "9223372036854775807", &v);
    assert_int_equal(v.i, INT64_MAX);
    static const char *const bad[] = {"0", "-1", "", "abc", "1a", "+1", " 1", "1 ", "1.0",
                                      "0x1", "9223372036854775808", "99999999999999999999", "-"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);

    json_ok(&p, "7", &v);
    assert_int_equal(v.i, 7);
    json_ok(&p, "9223372036854775807", &v);
    assert_int_equal(v.i, INT64_MAX);
    static const char *const jbad[] = {"0", "-3", "\"5\"", "5.0", "1e2", "true", "null", "[]",
                                       "{}", "-9223372036854775808"};
    for (size_t i = 0; i < ARRAY_SIZE(jbad); i++)
        json_bad(&p, jbad[i]);
}

/* ---- P_INT ---- */

static void test_int(void **state)
{
    (void)state;
    const struct param p = {"limit", P_INT, 0, 1, 200};
    struct value v;
    str_ok(&p, "1", &v);
    assert_int_equal(v.i, 1);
    str_ok(&p, "200", &v);
    assert_int_equal(v.i, 200);
    str_ok(&p, "050", &v);
    assert_int_equal(v.i, 50);
    static const char *const bad[] = {"0", "201", "-1", "", "-", "--1", "+5", "1e2", "5 ",
                                      "ten", "99999999999999999999"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);
    json_ok(&p, "200", &v);
    assert_int_equal(v.i, 200);
    json_ok(&p, "1", &v);
    assert_int_equal(v.i, 1);
    static const char *const jbad[] = {"0", "201", "\"5\"", "5.5", "false", "[1]"};
    for (size_t i = 0; i < ARRAY_SIZE(jbad); i++)
        json_bad(&p, jbad[i]);

    /* Negative ranges: a leading minus is accepted for P_INT only. */
    const struct param q = {"delta", P_INT, 0, -100, 100};
    str_ok(&q, "-100", &v);
    assert_int_equal(v.i, -100);
    str_ok(&q, "-0", &v);
    assert_int_equal(v.i, 0);
    str_ok(&q, "0", &v);
    assert_int_equal(v.i, 0);
    str_ok(&q, "100", &v);
    assert_int_equal(v.i, 100);
    str_bad(&q, "-101");
    str_bad(&q, "101");
    str_bad(&q, "- 1");
    json_ok(&q, "-100", &v);
    assert_int_equal(v.i, -100);
    json_bad(&q, "-101");
}

/* ---- P_STR ---- */

static void test_str(void **state)
{
    (void)state;
    const struct param p = {"name", P_STR, P_REQUIRED, 1, 5};
    struct value v;
    /* Lengths count characters: five Chinese characters are 15 bytes and fit. */
    const char *five = "中国共产党";
    str_ok(&p, five, &v);
    assert_string_equal(v.s, five);
    assert_ptr_not_equal(v.s, five); /* copied into the arena */
    str_ok(&p, "a", &v);
    str_ok(&p, "abcde", &v);
    str_ok(&p, "支部 ab", &v);
    str_bad(&p, "中国共产党员"); /* 6 characters */
    str_bad(&p, "abcdef");
    str_bad(&p, "");
    str_bad(&p, "a\tb");
    str_bad(&p, "a\nb");
    str_bad(&p, "\x7f");
    str_bad(&p, "\xc2\x85");  /* C1 control */
    str_bad(&p, "\xff");
    str_bad(&p, "\xc0\xaf");
    str_bad(&p, "\xed\xa0\x80");

    json_ok(&p, "\"中国共产党\"", &v);
    assert_string_equal(v.s, five);
    json_ok(&p, "\"\\u652f\\u90e8\"", &v); /* 支部 escaped */
    assert_string_equal(v.s, "支部");
    json_bad(&p, "\"中国共产党员\"");
    json_bad(&p, "\"\"");
    json_bad(&p, "\"a\\u0000b\""); /* NUL inside */
    json_bad(&p, "\"a\\u0001\"");
    json_bad(&p, "\"a\\nb\"");
    json_bad(&p, "5");
    json_bad(&p, "true");
    json_bad(&p, "[\"a\"]");

    /* min 0 and max 0: any length, empty allowed when optional. */
    const struct param any = {"q", P_STR, 0, 0, 0};
    str_ok(&any, "", &v);
    assert_string_equal(v.s, "");
    char *longs = xmalloc(10001);
    memset(longs, 'x', 10000);
    longs[10000] = '\0';
    str_ok(&any, longs, &v);
    assert_int_equal(strlen(v.s), 10000);
    free(longs);
    /* Required with min 0: empty is still refused. */
    const struct param req0 = {"q", P_STR, P_REQUIRED, 0, 10};
    str_bad(&req0, "");
    json_bad(&req0, "\"\"");
    /* Minimum in characters. */
    const struct param min3 = {"q", P_STR, 0, 3, 0};
    str_ok(&min3, "中国人", &v);
    str_bad(&min3, "中国"); /* 6 bytes but 2 characters */
    /* P_MULTILINE: line breaks and tabs count as characters; other controls stay out. */
    const struct param ml = {"minutes", P_STR, P_MULTILINE, 1, 5};
    str_ok(&ml, "一\n二\r\n", &v);
    assert_string_equal(v.s, "一\n二\r\n");
    str_ok(&ml, "\t", &v);
    str_ok(&ml, "a\nb\nc", &v);
    str_bad(&ml, "a\nb\nc\n"); /* 6 characters */
    str_bad(&ml, "a\x01b");
    str_bad(&ml, "a\n\xff");
    str_bad(&ml, "\n\x7f");
    json_ok(&ml, "\"l1\\nl2\"", &v);
    assert_string_equal(v.s, "l1\nl2");
    json_bad(&ml, "\"a\\u0000b\"");
}

/* ---- P_BOOL ---- */

static void test_bool(void **state)
{
    (void)state;
    const struct param p = {"flag", P_BOOL, 0};
    struct value v;
    str_ok(&p, "true", &v);
    assert_int_equal(v.i, 1);
    str_ok(&p, "1", &v);
    assert_int_equal(v.i, 1);
    str_ok(&p, "false", &v);
    assert_int_equal(v.i, 0);
    str_ok(&p, "0", &v);
    assert_int_equal(v.i, 0);
    static const char *const bad[] = {"TRUE", "True", "yes", "no", "", "2", "-1", "true ",
                                      "t", "on"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);
    json_ok(&p, "true", &v);
    assert_int_equal(v.i, 1);
    json_ok(&p, "false", &v);
    assert_int_equal(v.i, 0);
    static const char *const jbad[] = {"1", "0", "\"true\"", "null", "[]"};
    for (size_t i = 0; i < ARRAY_SIZE(jbad); i++)
        json_bad(&p, jbad[i]);
}

/* ---- P_ENUM ---- */

static void test_enum(void **state)
{
    (void)state;
    static const char *const choices[] = {"branch", "group", "支部", NULL};
    const struct param p = {"level", P_ENUM, P_REQUIRED, 0, 0, choices};
    struct value v;
    str_ok(&p, "branch", &v);
    assert_string_equal(v.s, "branch");
    str_ok(&p, "group", &v);
    str_ok(&p, "支部", &v);
    static const char *const bad[] = {"Branch", "branc", "branchx", "branch ", "", "grou",
                                      "province"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);
    json_ok(&p, "\"group\"", &v);
    assert_string_equal(v.s, "group");
    json_bad(&p, "\"branch\\u0000x\""); /* a NUL must not cut the comparison short */
    json_bad(&p, "\"GROUP\"");
    json_bad(&p, "1");
    json_bad(&p, "[\"group\"]");

    /* A parameter declared without choices accepts nothing. */
    const struct param none = {"x", P_ENUM, 0, 0, 0, NULL};
    str_bad(&none, "branch");
}

/* ---- P_PHONE ---- */

static void test_phone(void **state)
{
    (void)state;
    const struct param p = {"phone", P_PHONE, P_REQUIRED};
    struct value v;
    str_ok(&p, "13812345678", &v);
    assert_string_equal(v.s, "13812345678");
    str_ok(&p, "19900000000", &v);
    static const char *const bad[] = {"23812345678", "1381234567", "138123456789", "12812345678",
                                      "1381234567a", "138 1234567", "", "+8613812345678"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);
    json_ok(&p, "\"15912345678\"", &v);
    assert_string_equal(v.s, "15912345678");
    json_bad(&p, "15912345678"); /* a number is not a phone string */
    json_bad(&p, "\"1591234567\"");
    json_bad(&p, "\"15912345678\\u0000\"");
}

/* ---- P_TIME, P_IDS, P_STRS ---- */

static void test_time(void **state)
{
    (void)state;
    const struct param p = {"startsAt", P_TIME, 0};
    struct value v;
    json_ok(&p, "\"2026-11-24T06:13:33.120Z\"", &v);
    assert_int_equal(v.i, 1795500813);
    str_ok(&p, "2026-11-24T06:13Z", &v);
    assert_int_equal(v.i, 1795500780);
    json_bad(&p, "\"2026-11-24T06:13:33\"");
    json_bad(&p, "1795500813");
    str_bad(&p, "2026-11-24");
}

static void test_ids(void **state)
{
    (void)state;
    const struct param p = {"memberIds", P_IDS, 0, 1, 3};
    struct value v;
    json_ok(&p, "[5, 3]", &v);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.ids[0], 5);
    assert_int_equal(v.ids[1], 3);
    json_bad(&p, "[]");           /* fewer than min */
    json_bad(&p, "[1, 2, 3, 4]"); /* more than max */
    json_bad(&p, "[1, 1]");       /* repeated */
    json_bad(&p, "[0]");
    json_bad(&p, "[-2]");
    json_bad(&p, "[\"1\"]");
    json_bad(&p, "[1.5]");
    json_bad(&p, "7");
    json_bad(&p, "{\"a\": 1}");
    str_bad(&p, "1,2");
    const struct param e = {"memberIds", P_IDS, 0, 0, 3};
    json_ok(&e, "[]", &v);
    assert_int_equal(v.n, 0);
}

static void test_strs(void **state)
{
    (void)state;
    const struct param p = {"options", P_STRS, 0, 0, 2};
    struct value v;
    json_ok(&p, "[\"植树\", \"修路\"]", &v);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.strs[1], "修路");
    json_bad(&p, "[\"a\", \"b\", \"c\"]");
    json_bad(&p, "[\"\"]");
    json_bad(&p, "[1]");
    json_bad(&p, "[\"a\\u0000b\"]");
    json_bad(&p, "[\"a\\nb\"]");
    json_bad(&p, "\"a\"");
    str_bad(&p, "a");
}

/* ---- P_URL, P_ENUMS, P_OBJECTS, P_NONBLANK ---- */

static void test_url(void **state)
{
    (void)state;
    const struct param p = {"onlineLink", P_URL, 0, 0, 40};
    struct value v;
    json_ok(&p, "\"https://meet.example.cn/r/42\"", &v);
    assert_string_equal(v.s, "https://meet.example.cn/r/42");
    str_ok(&p, "http://10.0.0.1:8080/a?b=c", &v);
    static const char *const bad[] = {
        "\"ftp://x.cn\"", "\"https://\"", "\"javascript:alert(1)\"", "\"https://a b.cn\"",
        "\"https://a.cn/\\u0001\"", "\"www.example.cn\"", "\"\"", "42",
        "\"https://example.cn/a-very-long-path-beyond-forty\"",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        json_bad(&p, bad[i]);
    const struct param dflt = {"link", P_URL};
    char long_url[600];
    memset(long_url, 'a', sizeof(long_url));
    memcpy(long_url, "\"https://", 9);
    long_url[sizeof(long_url) - 2] = '"';
    long_url[sizeof(long_url) - 1] = '\0';
    json_bad(&dflt, long_url); /* 500 characters at most by default */
}

static const char *const roles_choices[] = {"member", "branch_secretary", "org_admin", NULL};

static void test_enums(void **state)
{
    (void)state;
    const struct param p = {"roles", P_ENUMS, 0, 1, 3, roles_choices};
    struct value v;
    json_ok(&p, "[\"member\", \"org_admin\"]", &v);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.strs[0], "member");
    assert_string_equal(v.strs[1], "org_admin");
    json_bad(&p, "[]");                           /* fewer than min */
    json_bad(&p, "[\"member\", \"member\"]");     /* repeated */
    json_bad(&p, "[\"auditor\"]");                /* not a choice */
    json_bad(&p, "[1]");
    json_bad(&p, "\"member\"");
    str_bad(&p, "member");
}

static const struct param att_fields[] = {
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 10},
    {"url", P_URL},
    {"fileId", P_ID},
    {NULL},
};

static void test_objects(void **state)
{
    (void)state;
    const struct param p = {"attachments", P_OBJECTS, 0, 0, 2, NULL, att_fields};
    struct value v;
    json_ok(&p, "[{\"name\": \"　通知 \", \"url\": \"https://a.cn/x.pdf\"}, {\"name\": \"表\", "
                "\"fileId\": 7}]",
            &v);
    assert_int_equal(v.n, 2);
    assert_string_equal(value_field(&v, &p, 0, "name")->s, "通知");
    assert_string_equal(value_field(&v, &p, 0, "url")->s, "https://a.cn/x.pdf");
    assert_false(value_field(&v, &p, 0, "fileId")->present);
    assert_int_equal(value_field(&v, &p, 1, "fileId")->i, 7);
    assert_false(value_field(&v, &p, 1, "url")->present);
    assert_false(value_field(&v, &p, 5, "url")->present); /* out of range: absent */
    json_ok(&p, "[]", &v);
    assert_int_equal(v.n, 0);
    json_ok(&p, "[{\"name\": \"a\", \"url\": null}]", &v);
    assert_false(value_field(&v, &p, 0, "url")->present);
    static const char *const bad[] = {
        "[{\"url\": \"https://a.cn\"}]",                 /* name required */
        "[{\"name\": \"　 \"}]",                          /* blank once trimmed */
        "[{\"name\": \"a\", \"size\": 3}]",              /* undeclared field */
        "[{\"name\": \"a\", \"url\": \"ftp://a\"}]",      /* a field's own type */
        "[{\"name\": \"a\", \"fileId\": 0}]",
        "[\"a\"]", "[[1]]", "{\"name\": \"a\"}",
        "[{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]", /* more than max */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        json_bad(&p, bad[i]);
    str_bad(&p, "x");
}

/* P_EACH: an entry at fault stays in the list with its fault, the others are read. */
static void test_objects_each(void **state)
{
    (void)state;
    const struct param p = {"batch", P_OBJECTS, P_EACH, 0, 4, NULL, att_fields};
    struct value v;
    json_ok(&p,
            "[{\"url\": \"https://a.cn\", \"name\": \"a\"}, {\"name\": \"b\", \"size\": 3}, "
            "{\"url\": \"ftp://a\", \"fileId\": 0, \"name\": \"c\"}, 7]",
            &v);
    assert_int_equal(v.n, 4);
    assert_non_null(v.entries);
    assert_null(v.entries[0].error);
    assert_string_equal(v.entries[0].canon, "{\"name\":\"a\",\"url\":\"https://a.cn\"}");
    assert_string_equal(v.entries[1].field, "size"); /* undeclared */
    assert_string_equal(value_field(&v, &p, 1, "name")->s, "b");
    /* two faults: the first declared field at fault is named; the good field is kept */
    assert_string_equal(v.entries[2].field, "url");
    assert_false(value_field(&v, &p, 2, "url")->present);
    assert_false(value_field(&v, &p, 2, "fileId")->present);
    assert_string_equal(value_field(&v, &p, 2, "name")->s, "c");
    assert_non_null(v.entries[3].error); /* not an object */
    assert_null(v.entries[3].field);
    assert_false(value_field(&v, &p, 3, "name")->present);
    json_bad(&p, "[1, 2, 3, 4, 5]"); /* the list itself still has its bounds */
    json_bad(&p, "{}");
    /* Without P_EACH any entry at fault refuses the list, and there are no entries. */
    const struct param whole = {"attachments", P_OBJECTS, 0, 0, 4, NULL, att_fields};
    json_bad(&whole, "[{\"name\": \"a\"}, 7]");
    json_ok(&whole, "[{\"name\": \"a\"}]", &v);
    assert_null(v.entries);
}

static void test_nonblank(void **state)
{
    (void)state;
    const struct param p = {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 4};
    struct value v;
    json_ok(&p, "\"  党课 \"", &v);
    assert_string_equal(v.s, "党课");
    json_ok(&p, "\"\u3000\u3000党建\u3000\"", &v); /* ideographic spaces */
    assert_string_equal(v.s, "党建");
    json_ok(&p, "\"党 课\"", &v); /* inner spaces stay */
    assert_string_equal(v.s, "党 课");
    str_ok(&p, "\xe3\x80\x80会议", &v);
    assert_string_equal(v.s, "会议");
    json_bad(&p, "\"\u3000 \u3000\""); /* only spaces */
    json_bad(&p, "\"   \"");
    json_bad(&p, "\"\"");
    json_bad(&p, "\"  一二三四五  \""); /* 5 characters once trimmed */
    str_bad(&p, "\xe3\x80\x80");
    /* A half ideographic space is not trimmed and not valid UTF-8. */
    str_bad(&p, "\xe3\x80");
}

/* ---- P_DATE ---- */

static void test_date(void **state)
{
    (void)state;
    const struct param p = {"birthDate", P_DATE, 0};
    struct value v;
    static const char *const good[] = {"2024-02-29", "2000-02-29", "2023-02-28", "1900-01-01",
                                       "2200-12-31", "2023-12-31", "2023-04-30", "1949-10-01"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        str_ok(&p, good[i], &v);
        assert_string_equal(v.s, good[i]);
    }
    static const char *const bad[] = {
        "2023-02-29", "1900-02-29", "2100-02-29", "2023-04-31", "2023-06-31", "2023-13-01",
        "2023-00-10", "2023-01-00", "2023-01-32", "2023-1-01",  "2023-01-1",  "23-01-01",
        "2023/01/01", "20230101",   "2023-01-01T00:00:00Z",     " 2023-01-01", "2023-01-01 ",
        "1899-12-31", "2201-01-01", "0000-00-00", "",           "2023-0a-01", "+023-01-01",
        "2023-+1-01", "2023--1-01",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        str_bad(&p, bad[i]);
    json_ok(&p, "\"2024-02-29\"", &v);
    assert_string_equal(v.s, "2024-02-29");
    json_bad(&p, "\"2023-02-29\"");
    json_bad(&p, "20240229");
    json_bad(&p, "\"2024-02-29\\u0000\"");
}

/* ---- P_PASSWORD ---- */

static void test_password(void **state)
{
    (void)state;
    const struct param p = {"newPassword", P_PASSWORD, P_REQUIRED};
    struct value v;
    char s[1024];

    memset(s, 'a', 8);
    s[8] = '\0';
    str_ok(&p, s, &v);
    assert_string_equal(v.s, s);
    s[7] = '\0';
    str_bad(&p, s); /* 7 */
    memset(s, 'b', 128);
    s[128] = '\0';
    str_ok(&p, s, &v);
    s[128] = 'b';
    s[129] = '\0';
    str_bad(&p, s); /* 129 */

    /* Counted in characters: 8 Chinese characters (24 bytes) are enough,
     * 128 (384 bytes) still fit, 7 (21 bytes) are too few. */
    s[0] = '\0';
    for (int i = 0; i < 8; i++)
        strcat(s, "密");
    str_ok(&p, s, &v);
    s[0] = '\0';
    for (int i = 0; i < 7; i++)
        strcat(s, "密");
    str_bad(&p, s);
    s[0] = '\0';
    for (int i = 0; i < 128; i++)
        strcat(s, "码");
    str_ok(&p, s, &v);
    strcat(s, "码");
    str_bad(&p, s); /* 129 characters */

    str_ok(&p, "pass word 1!", &v); /* spaces and punctuation are printable */
    str_bad(&p, "password\t1");
    str_bad(&p, "password\x7f");
    str_bad(&p, "passw\xffrd");
    json_ok(&p, "\"correct horse\"", &v);
    assert_string_equal(v.s, "correct horse");
    json_bad(&p, "\"short\"");
    json_bad(&p, "12345678");
    json_bad(&p, "\"password\\u0000x\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_id, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_int, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_str, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_bool, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_enum, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_phone, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_date, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_time, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_ids, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_strs, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_password, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_url, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_enums, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_objects, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_objects_each, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_nonblank, unit_arena_setup, unit_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
