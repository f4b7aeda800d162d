/* test_router.c - src/core/router.c over the real route tables of src/routes.c. */
#include "app.h"
#include "unit.h"

static int setup_routes(void **state)
{
    (void)state;
    router_init();
    return 0;
}

/* ---- the table ---- */

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t t = 0; route_tables[t]; t++)
        for (const struct route *r = route_tables[t]; r->method; r++)
            n++;
    assert_true(n > 10);
    assert_int_equal(router_count(), n);
    for (size_t i = 0; i < n; i++) {
        const struct route *r = router_at(i);
        assert_non_null(r);
        assert_non_null(r->handler);
        assert_int_equal(r->path[0], '/');
        assert_int_equal(router_index(r), i);
        /* Every route is found by its own method and a concrete path. */
        char path[256];
        size_t k = 0;
        for (const char *s = r->path; *s;) {
            if (!strncmp(s, "{id}", 4)) {
                k += (size_t)snprintf(path + k, sizeof(path) - k, "%zu", i + 1);
                s += 4;
            } else if (!strncmp(s, "{key}", 5)) {
                k += (size_t)snprintf(path + k, sizeof(path) - k, "a-secret-of-the-route");
                s += 5;
            } else {
                path[k++] = *s++;
            }
        }
        path[k] = '\0';
        const struct route *got = NULL;
        int64_t ids[ROUTE_MAX_PATH_PARAMS];
        int nids = -1;
        assert_int_equal(router_match(r->method, path, &got, ids, &nids), MATCH_OK);
        assert_ptr_equal(got, r);
        if (strstr(r->path, "{id}")) {
            assert_true(nids >= 1);
            assert_int_equal(ids[0], (int64_t)i + 1);
        } else {
            assert_int_equal(nids, 0);
        }
    }
    assert_null(router_at(n));
}

/* ---- matching ---- */

static enum match_result match(const char *method, const char *path, const struct route **r,
                               int64_t *id, int *nids)
{
    int64_t ids[ROUTE_MAX_PATH_PARAMS] = {0};
    const struct route *dummy;
    int dummy_n;
    enum match_result m = router_match(method, path, r ? r : &dummy, ids, nids ? nids : &dummy_n);
    if (id)
        *id = ids[0];
    return m;
}

static void test_exact(void **state)
{
    (void)state;
    const struct route *r = NULL;
    int nids = -1;
    assert_int_equal(match("GET", "/api/v1/me", &r, NULL, &nids), MATCH_OK);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/api/v1/me");
    assert_int_equal(nids, 0);

    assert_int_equal(match("POST", "/api/v1/auth/login", &r, NULL, NULL), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/auth/login");
    assert_int_equal(match("POST", "/api/v1/me/password", &r, NULL, NULL), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/me/password");
    /* Same path, two methods: each gets its own route. */
    const struct route *get = NULL, *post = NULL;
    assert_int_equal(match("GET", "/api/v1/roles", &get, NULL, NULL), MATCH_OK);
    assert_int_equal(match("POST", "/api/v1/roles", &post, NULL, NULL), MATCH_OK);
    assert_ptr_not_equal(get, post);
    assert_string_equal(get->method, "GET");
    assert_string_equal(post->method, "POST");
}

/* A {key} segment: a secret of 16..128 unreserved characters, never an id;
 * anything else there is a path that does not exist. */
static void test_key_params(void **state)
{
    (void)state;
    const struct route *r = NULL;
    int nids = -1;
    const char *ok = "/api/v1/sms/tencent/Abc-def.ghi_jkl~0123/status";
    assert_int_equal(match("POST", ok, &r, NULL, &nids), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/sms/tencent/{key}/status");
    assert_int_equal(nids, 0);
    char key[ROUTE_KEY_MAX + 1];
    assert_true(router_key(r->path, ok, key, sizeof(key)));
    assert_string_equal(key, "Abc-def.ghi_jkl~0123");
    assert_false(router_key(r->path, ok, key, 8)); /* does not fit */
    assert_false(router_key("/api/v1/me", "/api/v1/me", key, sizeof(key)));
    /* Too short, a character outside the set, empty: no such path. */
    assert_int_equal(match("POST", "/api/v1/sms/tencent/short/status", NULL, NULL, NULL),
                     MATCH_NO_PATH);
    assert_int_equal(
        match("POST", "/api/v1/sms/tencent/abcdefghijklmnop%2F/status", NULL, NULL, NULL),
        MATCH_NO_PATH);
    assert_int_equal(match("POST", "/api/v1/sms/tencent//status", NULL, NULL, NULL), MATCH_NO_PATH);
    char longkey[200] = "/api/v1/sms/tencent/";
    memset(longkey + strlen(longkey), 'k', 129);
    strcat(longkey, "/status");
    assert_int_equal(match("POST", longkey, NULL, NULL, NULL), MATCH_NO_PATH);
}

static void test_id_params(void **state)
{
    (void)state;
    const struct route *r = NULL;
    int64_t id = 0;
    int nids = -1;
    assert_int_equal(match("GET", "/api/v1/orgs/12", &r, &id, &nids), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/orgs/{id}");
    assert_int_equal(id, 12);
    assert_int_equal(nids, 1);

    assert_int_equal(match("PATCH", "/api/v1/orgs/3", &r, &id, NULL), MATCH_OK);
    assert_string_equal(r->method, "PATCH");
    assert_int_equal(id, 3);

    assert_int_equal(match("GET", "/api/v1/orgs/45/children", &r, &id, &nids), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/orgs/{id}/children");
    assert_int_equal(id, 45);
    assert_int_equal(nids, 1);

    assert_int_equal(match("POST", "/api/v1/orgs/1/move", &r, &id, NULL), MATCH_OK);
    assert_string_equal(r->path, "/api/v1/orgs/{id}/move");
    assert_int_equal(match("DELETE", "/api/v1/roles/77", &r, &id, NULL), MATCH_OK);
    assert_int_equal(id, 77);

    assert_int_equal(match("GET", "/api/v1/members/9223372036854775807", &r, &id, NULL), MATCH_OK);
    assert_int_equal(id, INT64_MAX);
    assert_int_equal(match("GET", "/api/v1/members/1", &r, &id, NULL), MATCH_OK);
    assert_int_equal(id, 1);
}

static void test_bad_params(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0",
        "-1",
        "1a",
        "a1",
        "+1",
        " 1",
        "1 ",
        "1.0",
        "0x10",
        "1e3",
        "",
        "99999999999999999999",
        "9223372036854775808",
        "18446744073709551616",
        "%31",
        "１",
        "\xff",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char path[128];
        snprintf(path, sizeof(path), "/api/v1/orgs/%s", bad[i]);
        enum match_result m = match("GET", path, NULL, NULL, NULL);
        if (bad[i][0] == '\0') {
            /* "/api/v1/orgs/" is no path at all (trailing slash) */
            assert_int_equal(m, MATCH_NO_PATH);
            continue;
        }
        if (m != MATCH_BAD_PARAM)
            fail_msg("GET %s gave %d, want MATCH_BAD_PARAM", path, m);
        snprintf(path, sizeof(path), "/api/v1/orgs/%s/children", bad[i]);
        m = match("GET", path, NULL, NULL, NULL);
        if (m != MATCH_BAD_PARAM)
            fail_msg("GET %s gave %d, want MATCH_BAD_PARAM", path, m);
    }
    /* An empty segment where an id belongs. */
    assert_int_equal(match("GET", "/api/v1/orgs//children", NULL, NULL, NULL), MATCH_BAD_PARAM);
    /* A bad id with a method the path does not have is still a bad id. */
    assert_int_equal(match("PUT", "/api/v1/members/-5", NULL, NULL, NULL), MATCH_BAD_PARAM);
}

static void test_wrong_method(void **state)
{
    (void)state;
    assert_int_equal(match("DELETE", "/api/v1/orgs/5", NULL, NULL, NULL), MATCH_NO_METHOD);
    assert_int_equal(match("PUT", "/api/v1/me", NULL, NULL, NULL), MATCH_NO_METHOD);
    assert_int_equal(match("GET", "/api/v1/auth/login", NULL, NULL, NULL), MATCH_NO_METHOD);
    assert_int_equal(match("GET", "/api/v1/orgs/5/move", NULL, NULL, NULL), MATCH_NO_METHOD);
    assert_int_equal(match("PUT", "/api/v1/members", NULL, NULL, NULL), MATCH_NO_METHOD);
    /* Methods are case-sensitive (RFC 9110). */
    assert_int_equal(match("get", "/api/v1/me", NULL, NULL, NULL), MATCH_NO_METHOD);
    assert_int_equal(match("", "/api/v1/me", NULL, NULL, NULL), MATCH_NO_METHOD);
}

static void test_no_path(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "",
        "/",
        "/api",
        "/api/v1",
        "/api/v1/",
        "/api/v1/nothing",
        "/api/v1/me/",
        "/api/v1/orgs/1/",
        "/api/v1/orgs/1/children/",
        "/api/v1/orgs/1/children/2",
        "/api/v1/orgs/",
        "/api/v1/ME",
        "/API/v1/me",
        "/api/v1/me?x=1",
        "/api/v1/me/x",
        "api/v1/me",
        "//api/v1/me",
        "/api/v1/roles/",
        "/api/v2/me",
        "/api/v1/mex",
        "/api/v1/orgs/1/childrenx",
        "/api/v1/orgs/1//children",
    };
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        enum match_result m = match("GET", paths[i], NULL, NULL, NULL);
        if (m != MATCH_NO_PATH)
            fail_msg("GET \"%s\" gave %d, want MATCH_NO_PATH", paths[i], m);
    }
}

/* ---- validators ---- */

static void test_valid_phone(void **state)
{
    (void)state;
    static const char *const good[] = {"13812345678", "13000000000", "19999999999", "15900000001",
                                       "17712345678"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++)
        if (!valid_phone(good[i]))
            fail_msg("valid_phone rejected %s", good[i]);
    static const char *const bad[] = {
        "",
        "1",
        "1381234567",
        "138123456789",
        "23812345678",
        "03812345678",
        "10812345678",
        "11812345678",
        "12812345678",
        "1381234567a",
        "a3812345678",
        "138 1234567",
        " 13812345678",
        "13812345678 ",
        "+8613812345678",
        "138-1234-5678",
        "1381234567\n",
        "\357\274\2213812345678" /* a full-width 1: octal escapes stop at 3 digits */,
        "13812345678\n",
        "1.381234567",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (valid_phone(bad[i]))
            fail_msg("valid_phone accepted \"%s\"", bad[i]);
    assert_false(valid_phone(NULL));
}

static long chars(const char *s)
{
    return utf8_chars(s, strlen(s));
}

static void test_utf8_chars(void **state)
{
    (void)state;
    assert_int_equal(chars(""), 0);
    assert_int_equal(chars("abc"), 3);
    assert_int_equal(chars("Hello, world!~"), 14);
    /* Characters, not bytes. */
    assert_int_equal(chars("中国"), 2);
    assert_int_equal(strlen("中国"), 6);
    assert_int_equal(chars("支部委员会 a"), 7);
    assert_int_equal(chars("é"), 1);
    assert_int_equal(chars("😀x"), 2);
    assert_int_equal(chars("\xc2\xa0"), 1);         /* U+00A0, first after C1 */
    assert_int_equal(chars("\xef\xbf\xbd"), 1);     /* U+FFFD */
    assert_int_equal(chars("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
    assert_int_equal(chars("\xed\x9f\xbf"), 1);     /* U+D7FF, just below surrogates */
    assert_int_equal(chars("\xee\x80\x80"), 1);     /* U+E000, just above */

    static const char *const bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xe0\x9f\xbf",     /* overlong U+07FF */
        "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
        "\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
        "\xed\xa0\x80",     /* U+D800 */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80",
        "\xf8\x88\x80\x80\x80", /* 5-byte form */
        "\xe4\xb8",             /* truncated 中 */
        "a\xe4",
        "\xf0\x9f\x98", /* truncated emoji */
        "\x80",         /* lone continuation */
        "\xbf",
        "\xff",
        "\xfe",
        "\xe4"
        "a"
        "\xad", /* lead byte, then ASCII */
        "\t",
        "\n",
        "\r",
        "a\x01",
        "\x1f",
        "\x7f",
        "\xc2\x80", /* C1 controls U+0080..U+009F */
        "\xc2\x85",
        "\xc2\x9f",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        long n = chars(bad[i]);
        if (n != -1) {
            char hex[64];
            hex_encode((const unsigned char *)bad[i], strlen(bad[i]), hex);
            fail_msg("utf8_chars(%s) = %ld, want -1", hex, n);
        }
    }
    /* A NUL inside the counted bytes is a control character. */
    assert_int_equal(utf8_chars("a\0b", 3), -1);
    /* Only n bytes are looked at. */
    assert_int_equal(utf8_chars("中国", 3), 1);
    assert_int_equal(utf8_chars("中国", 4), -1);
    assert_int_equal(utf8_chars("ab\x01", 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_exact),
        cmocka_unit_test(test_id_params),  cmocka_unit_test(test_key_params),
        cmocka_unit_test(test_bad_params), cmocka_unit_test(test_wrong_method),
        cmocka_unit_test(test_no_path),    cmocka_unit_test(test_valid_phone),
        cmocka_unit_test(test_utf8_chars),
    };
    return cmocka_run_group_tests(tests, setup_routes, NULL);
}
