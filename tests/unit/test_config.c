/* test_config.c - src/core/config.c: defaults, listen addresses, the zhibu.conf reader. */
#include "app.h"
#include "unit.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = unit_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(dir);
    dir = NULL;
    return 0;
}

/* Writes text to DIR/zhibu.conf and loads it over the defaults. */
static int load(struct config *c, const char *text, char *err, size_t errlen)
{
    char *path = unit_path(dir, "zhibu.conf");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_load_file(c, path, err, errlen);
    free(path);
    return rc;
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    memset(&c, 0x7f, sizeof(c));
    config_defaults(&c);
    assert_string_equal(c.listen_host, "127.0.0.1"); /* not every interface by default */
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.data_dir, "./data");
    assert_string_equal(c.web_root, "");
    assert_int_equal(c.max_body, 1024 * 1024);
    assert_false(c.cookie_secure);
    assert_false(c.trust_proxy);
    assert_true(c.login_max_failures >= 1 && c.login_max_failures <= 100);
    assert_int_equal(c.log_level, LOG_INFO);
    assert_true(c.second_factor_required); /* admins need TOTP unless a conf says otherwise */
}

static void test_second_factor(void **state)
{
    (void)state;
    struct config c;
    char err[256];
    assert_int_equal(load(&c, "admin_second_factor = optional\n", err, sizeof(err)), 0);
    assert_false(c.second_factor_required);
    assert_int_equal(load(&c, "admin_second_factor = optional\nadmin_second_factor = required\n",
                          err, sizeof(err)),
                     0);
    assert_true(c.second_factor_required);
    assert_int_equal(load(&c, "admin_second_factor = off\n", err, sizeof(err)), -1);
}

static void test_listen(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    assert_true(config_set_listen(&c, "0.0.0.0:9000"));
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_true(config_set_listen(&c, "localhost:1"));
    assert_int_equal(c.listen_port, 1);
    assert_true(config_set_listen(&c, "[::1]:65535"));
    assert_string_equal(c.listen_host, "[::1]");
    assert_int_equal(c.listen_port, 65535);
    static const char *const bad[] = {
        "",           "8080",    ":8080",    "host:",    "host:0",
        "host:65536", "host:-1", "host:80x", "host: 80", "host:99999999999999999999"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        config_defaults(&c);
        if (config_set_listen(&c, bad[i]))
            fail_msg("config_set_listen accepted \"%s\"", bad[i]);
        /* A refused address changes nothing. */
        assert_string_equal(c.listen_host, "127.0.0.1");
        assert_int_equal(c.listen_port, 8080);
    }
    char longhost[200];
    memset(longhost, 'h', 100);
    snprintf(longhost + 100, sizeof(longhost) - 100, ":80");
    assert_false(config_set_listen(&c, longhost));
}

static void test_file(void **state)
{
    (void)state;
    struct config c;
    char err[256];
    assert_int_equal(load(&c,
                          "# zhibu settings\n"
                          "\n"
                          "listen = 0.0.0.0:8443   # every interface\n"
                          "  threads=4\n"
                          "max_body = 2048\n"
                          "cookie_secure = yes\n"
                          "trust_proxy = off\n"
                          "log_level = warn\n"
                          "web_root = /srv/zhibu web\n"
                          "login_max_failures = 100\n"
                          "admin_session_hours = 720\n"
                          "janus_events_secret = 0123456789abcdefXYZ\n"
                          "room_reconcile_s = 120\n",
                          err, sizeof(err)),
                     0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 8443);
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.max_body, 2048);
    assert_true(c.cookie_secure);
    assert_false(c.trust_proxy);
    assert_int_equal(c.log_level, LOG_WARN);
    assert_string_equal(c.web_root, "/srv/zhibu web");
    assert_int_equal(c.login_max_failures, 100);
    assert_int_equal(c.admin_session_hours, 720);
    assert_string_equal(c.janus_events_secret, "0123456789abcdefXYZ");
    assert_int_equal(c.room_reconcile_s, 120);

    /* A missing file is not an error: the defaults stand. */
    char *missing = unit_path(dir, "nope.conf");
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, missing, err, sizeof(err)), 0);
    assert_int_equal(c.listen_port, 8080);
    free(missing);
}

/* The codes' lifetimes and limits: configurable within bounds. */
static void test_code_limits(void **state)
{
    (void)state;
    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.activation_code_days, 30);
    assert_int_equal(c.login_code_minutes, 5);
    assert_int_equal(c.login_codes_per_source_hour, 30);
    assert_int_equal(load(&c,
                          "activation_code_days = 14\nactivation_code_tries = 3\n"
                          "login_code_minutes = 10\nlogin_code_tries = 3\nlogin_code_gap_s = 120\n"
                          "login_codes_per_phone_hour = 4\nlogin_codes_per_source_hour = 200\n",
                          err, sizeof(err)),
                     0);
    assert_int_equal(c.activation_code_days, 14);
    assert_int_equal(c.activation_code_tries, 3);
    assert_int_equal(c.login_code_minutes, 10);
    assert_int_equal(c.login_code_tries, 3);
    assert_int_equal(c.login_code_gap_s, 120);
    assert_int_equal(c.login_codes_per_phone_hour, 4);
    assert_int_equal(c.login_codes_per_source_hour, 200);
    static const char *const bad[] = {
        "activation_code_days = 0\n",
        "activation_code_days = 91\n",
        "activation_code_tries = 11\n",
        "login_code_minutes = 31\n",
        "login_code_tries = 0\n",
        "login_code_gap_s = 5\n",
        "login_codes_per_phone_hour = 61\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(load(&c, bad[i], err, sizeof(err)), -1);
}

static void test_file_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "threads\n",
        "nosuchkey = 1\n",
        "threads = -1\n",
        "threads = 257\n",
        "threads = four\n",
        "max_body = 10\n",
        "login_max_failures = 0\n",
        "login_max_failures = 101\n",
        "cookie_secure = maybe\n",
        "log_level = loud\n",
        "listen = nowhere\n",
        "conn_timeout = 1e3\n",
        "= 5\n",
        "janus_events_secret = short\n",
        "janus_events_secret = has space in it ok\n",
        "room_reconcile_s = 0\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct config c;
        char err[256];
        if (load(&c, bad[i], err, sizeof(err)) != -1)
            fail_msg("accepted: %s", bad[i]);
        if (!strstr(err, ":1:"))
            fail_msg("no line number in \"%s\" for %s", err, bad[i]);
    }
    /* The line number of the bad line is reported. */
    struct config c;
    char err[256];
    assert_int_equal(load(&c, "threads = 2\n# fine\n\nthreads = x\n", err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":4:"));
}

/* The settings checked against each other: streams below the connections,
 * per-address limits derived, a metrics token that is a secret. */
static void test_check(void **state)
{
    (void)state;
    struct config c;
    char err[256];
    assert_int_equal(load(&c, "", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.live_max_streams, 3072); /* a quarter of 4096 stays free */
    assert_true(c.live_max_streams < c.max_connections);
    assert_int_equal(c.max_connections_per_ip, 256);
    assert_true(c.live_streams_per_account >= 1 && c.live_streams_per_account <= 10);
    assert_true(c.header_timeout >= 1 && c.header_timeout <= c.conn_timeout);
    assert_string_equal(c.metrics_token, "");

    assert_int_equal(load(&c, "max_connections = 64\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.live_max_streams, 48);
    assert_int_equal(c.max_connections_per_ip, 16);
    assert_int_equal(load(&c, "max_connections = 16\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.live_max_streams, 0); /* 16 connections keep all 16 for requests */

    /* What the issue found: more streams than connections. */
    assert_int_equal(load(&c, "live_max_streams = 10000\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "at most 3072"));
    assert_int_equal(load(&c, "max_connections = 100\nlive_max_streams = 75\n", err, sizeof(err)),
                     0);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);
    assert_int_equal(load(&c, "max_connections = 100\nlive_max_streams = 76\n", err, sizeof(err)),
                     0);
    assert_int_equal(config_check(&c, err, sizeof(err)), -1);
    assert_int_equal(
        load(&c, "max_connections = 100\nmax_connections_per_ip = 101\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), -1);
    assert_int_equal(load(&c, "max_connections_per_ip = 0\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.max_connections_per_ip, 0); /* off, as asked */

    assert_int_equal(load(&c, "metrics_token = abcdefghijklmnop-0123\n", err, sizeof(err)), 0);
    assert_string_equal(c.metrics_token, "abcdefghijklmnop-0123");
    assert_int_equal(load(&c, "metrics_token = short\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "metrics_token = abcdefghijklmnop 0123\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "metrics_token = abcdefghijklmnop\"0123\n", err, sizeof(err)), -1);
}

/* The S3 store's keys: checked values, the secret never repeated in an
 * error, and store = s3 without its credentials refused. */
static void test_s3(void **state)
{
    (void)state;
    struct config c;
    char err[600];
    config_defaults(&c);
    assert_string_equal(c.store, "local");
    assert_int_equal(
        load(&c,
             "store = s3\ns3_endpoint = http://127.0.0.1:9000\ns3_bucket = zhibu-files\n"
             "s3_region = cn-north-1\ns3_access_key = AKID\ns3_secret_key = s3cr3t/K+y\n"
             "s3_part_mb = 8\n",
             err, sizeof(err)),
        0);
    assert_string_equal(c.store, "s3");
    assert_string_equal(c.s3.endpoint, "http://127.0.0.1:9000");
    assert_string_equal(c.s3.bucket, "zhibu-files");
    assert_string_equal(c.s3.region, "cn-north-1");
    assert_string_equal(c.s3.secret_key, "s3cr3t/K+y");
    assert_int_equal(c.s3.part_mb, 8);
    assert_int_equal(config_check(&c, err, sizeof(err)), 0);

    config_defaults(&c);
    assert_int_equal(load(&c, "s3_secret_key = has a space\n", err, sizeof(err)), -1);
    assert_null(strstr(err, "has a space"));
    assert_non_null(strstr(err, "s3_secret_key"));
    assert_int_equal(load(&c, "s3_endpoint = ftp://x\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "s3_endpoint = https://s3.example.com/\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "s3_endpoint = https://s3.example.com/zhibu\n", err, sizeof(err)),
                     -1);
    assert_int_equal(load(&c, "s3_bucket = Upper_Case\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "s3_part_mb = 4\n", err, sizeof(err)), -1);
    assert_int_equal(load(&c, "store = ftp\n", err, sizeof(err)), -1);
    config_defaults(&c);
    assert_int_equal(
        load(&c, "store = s3\ns3_endpoint = http://127.0.0.1:9000\n", err, sizeof(err)), 0);
    assert_int_equal(config_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "s3_bucket"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_listen),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_factor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
