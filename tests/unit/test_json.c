/* test_json.c - src/core/json.c: the streaming JSON writer (jw_*). */
#include "app.h"
#include "unit.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>

/* ---- helpers ---- */

static struct buf out;
static struct jw jw;

static int setup(void **state)
{
    (void)state;
    buf_init(&out);
    jw_init(&jw, &out);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    buf_release(&out);
    return 0;
}

/* The JSON text of escaping n bytes of s. */
static char *escaped(const char *s, size_t n)
{
    struct buf b;
    buf_init(&b);
    jw_escape(&b, s, n);
    return buf_detach(&b, NULL);
}

static void assert_escapes_to(const char *in, size_t n, const char *want)
{
    char *got = escaped(in, n);
    if (strcmp(got, want) != 0)
        fail_msg("escaping gave %s, want %s", got, want);
    free(got);
}

/* Parses text with jansson; fails the test if it is not valid JSON. */
static json_t *parse(const char *text, size_t flags)
{
    json_error_t err;
    json_t *j = json_loads(text, flags | JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("not valid JSON (%s at %d): %s", err.text, err.position, text);
    return j;
}

/* ---- structure ---- */

static void test_nested_commas(void **state)
{
    (void)state;
    jw_obj_begin(&jw);
    jw_kv_int(&jw, "a", 1);
    jw_kv_str(&jw, "b", "x");
    jw_key(&jw, "c");
    jw_arr_begin(&jw);
    jw_int(&jw, 1);
    jw_int(&jw, -2);
    jw_arr_begin(&jw);
    jw_arr_end(&jw);
    jw_obj_begin(&jw);
    jw_obj_end(&jw);
    jw_obj_begin(&jw);
    jw_kv_bool(&jw, "t", true);
    jw_kv_bool(&jw, "f", false);
    jw_kv_null(&jw, "n");
    jw_obj_end(&jw);
    jw_null(&jw);
    jw_bool(&jw, false);
    jw_str(&jw, NULL);
    jw_raw(&jw, "{\"r\":[1]}", 9);
    jw_arr_end(&jw);
    jw_key(&jw, "d");
    jw_obj_begin(&jw);
    jw_key(&jw, "e");
    jw_arr_begin(&jw);
    jw_str(&jw, "");
    jw_arr_end(&jw);
    jw_obj_end(&jw);
    jw_kv_str(&jw, "z", NULL);
    jw_kv_int(&jw, "min", INT64_MIN);
    jw_kv_int(&jw, "max", INT64_MAX);
    jw_obj_end(&jw);
    assert_string_equal(out.data,
                        "{\"a\":1,\"b\":\"x\",\"c\":[1,-2,[],{},{\"t\":true,\"f\":false,\"n\":null},"
                        "null,false,null,{\"r\":[1]}],\"d\":{\"e\":[\"\"]},\"z\":null,"
                        "\"min\":-9223372036854775808,\"max\":9223372036854775807}");
    assert_int_equal(jw.depth, 0);
    json_decref(parse(out.data, 0));
}

/* A scalar as the whole document. */
static void test_top_level_scalars(void **state)
{
    (void)state;
    jw_int(&jw, 5);
    assert_string_equal(out.data, "5");
    buf_reset(&out);
    jw_init(&jw, &out);
    jw_str(&jw, "s");
    assert_string_equal(out.data, "\"s\"");
}

/* Fixed decimals; what JSON cannot hold is null. */
static void test_fixed(void **state)
{
    (void)state;
    jw_arr_begin(&jw);
    jw_fixed(&jw, 2.0 / 3, 4);
    jw_fixed(&jw, 1, 4);
    jw_fixed(&jw, 0, 0);
    jw_fixed(&jw, -0.125, 2);
    jw_fixed(&jw, NAN, 4);
    jw_fixed(&jw, INFINITY, 4);
    jw_arr_end(&jw);
    assert_string_equal(out.data, "[0.6667,1.0000,0,-0.12,null,null]");
}

/* 31 levels deep is allowed (JW_MAX_DEPTH - 1). */
static void test_max_depth_ok(void **state)
{
    (void)state;
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_begin(&jw);
    jw_int(&jw, 7);
    jw_int(&jw, 8);
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_end(&jw);
    assert_int_equal(out.len, 2 * (JW_MAX_DEPTH - 1) + 3);
    assert_memory_equal(out.data + JW_MAX_DEPTH - 1, "7,8", 3);
    json_decref(parse(out.data, 0));
}

/* One level more is a bug: the writer aborts instead of writing past need_comma[]. */
static void test_too_deep_aborts(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL); /* not cmocka's handler: die as the server would */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        struct buf b;
        struct jw j;
        buf_init(&b);
        jw_init(&j, &b);
        for (int i = 0; i < JW_MAX_DEPTH; i++)
            jw_obj_begin(&j);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- escaping ---- */

static void test_escape_specials(void **state)
{
    (void)state;
    assert_escapes_to("", 0, "\"\"");
    assert_escapes_to("plain", 5, "\"plain\"");
    assert_escapes_to("a\"b", 3, "\"a\\\"b\"");
    assert_escapes_to("a\\b", 3, "\"a\\\\b\"");
    assert_escapes_to("\\\"", 2, "\"\\\\\\\"\"");
    assert_escapes_to("l1\nl2", 5, "\"l1\\nl2\"");
    assert_escapes_to("\r\t", 2, "\"\\r\\t\"");
    assert_escapes_to("\x01", 1, "\"\\u0001\"");
    assert_escapes_to("x\x1fy", 3, "\"x\\u001fy\"");
    assert_escapes_to("\b\f", 2, "\"\\u0008\\u000c\"");
    assert_escapes_to("a\0b", 3, "\"a\\u0000b\"");
    assert_escapes_to("/<>'", 4, "\"/<>'\"");
    assert_escapes_to("\x7f", 1, "\"\x7f\""); /* DEL is valid unescaped in JSON */
    /* Only n bytes are read. */
    assert_escapes_to("abcdef", 2, "\"ab\"");

    /* Every control character comes back as itself through jansson. */
    for (int c = 1; c < 0x20; c++) {
        char in[3] = {'<', (char)c, '>'};
        char *text = escaped(in, 3);
        json_t *j = parse(text, 0);
        assert_true(json_is_string(j));
        assert_int_equal(json_string_length(j), 3);
        assert_memory_equal(json_string_value(j), in, 3);
        json_decref(j);
        free(text);
    }
}

static void test_escape_utf8_valid(void **state)
{
    (void)state;
    const char *zh = "中国共产党支部委员会";
    assert_escapes_to(zh, strlen(zh), "\"中国共产党支部委员会\"");
    const char *mixed = "é ü ß € 𝄞 😀 \xef\xbf\xbf \xf4\x8f\xbf\xbf \xc2\x80";
    char *want = NULL;
    assert_true(asprintf(&want, "\"%s\"", mixed) > 0);
    assert_escapes_to(mixed, strlen(mixed), want);
    free(want);
    /* A quote right after a multi-byte character. */
    assert_escapes_to("支\"部", strlen("支\"部"), "\"支\\\"部\"");
}

static void test_escape_utf8_invalid(void **state)
{
    (void)state;
#define FFFD "\xef\xbf\xbd"
    assert_escapes_to("\xff", 1, "\"" FFFD "\"");
    assert_escapes_to("\x80", 1, "\"" FFFD "\"");
    assert_escapes_to("a\xfe" "b", 3, "\"a" FFFD "b\"");
    /* Truncated sequences: the lead byte and what follows. */
    assert_escapes_to("a\xe4\xb8", 3, "\"a" FFFD FFFD "\"");
    assert_escapes_to("\xe4\xb8" "x", 3, "\"" FFFD FFFD "x\"");
    assert_escapes_to("\xf0\x9f\x98", 3, "\"" FFFD FFFD FFFD "\"");
    /* Overlong encodings of '/' and NUL. */
    assert_escapes_to("\xc0\xaf", 2, "\"" FFFD FFFD "\"");
    assert_escapes_to("\xc0\x80", 2, "\"" FFFD FFFD "\"");
    assert_escapes_to("\xe0\x80\xaf", 3, "\"" FFFD FFFD FFFD "\"");
    assert_escapes_to("\xf0\x80\x80\xaf", 4, "\"" FFFD FFFD FFFD FFFD "\"");
    /* UTF-16 surrogates and code points above U+10FFFF. */
    assert_escapes_to("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"");
    assert_escapes_to("\xed\xbf\xbf", 3, "\"" FFFD FFFD FFFD "\"");
    assert_escapes_to("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
    assert_escapes_to("\xf8\x88\x80\x80\x80", 5, "\"" FFFD FFFD FFFD FFFD FFFD "\"");
    /* A valid character right after an invalid byte survives. */
    assert_escapes_to("\xff中", 4, "\"" FFFD "中\"");
    /* An invalid byte next to a character that needs escaping. */
    assert_escapes_to("\xff\"\n", 3, "\"" FFFD "\\\"\\n\"");
#undef FFFD

    /* Whatever the bytes, jansson (which rejects invalid UTF-8) accepts the result. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char *text = escaped((const char *)all, sizeof(all));
    json_t *j = parse(text, JSON_ALLOW_NUL);
    assert_true(json_is_string(j));
    json_decref(j);
    free(text);
}

static void test_time(void **state)
{
    (void)state;
    jw_obj_begin(&jw);
    jw_kv_time(&jw, "t", 1700000000);
    jw_kv_time(&jw, "zero", 0);
    jw_kv_time(&jw, "one", 1);
    jw_kv_time(&jw, "leap", 951782400); /* 2000-02-29 */
    jw_key(&jw, "raw");
    jw_time(&jw, 1234567890);
    jw_obj_end(&jw);
    assert_string_equal(out.data, "{\"t\":\"2023-11-14T22:13:20Z\",\"zero\":null,"
                                  "\"one\":\"1970-01-01T00:00:01Z\","
                                  "\"leap\":\"2000-02-29T00:00:00Z\","
                                  "\"raw\":\"2009-02-13T23:31:30Z\"}");
}

/* A time the four-digit year format cannot hold (stored data is not trusted to be sane)
 * must still give valid JSON, not whatever was on the stack after the unterminated
 * time_iso() output. */
static void test_time_out_of_range(void **state)
{
    (void)state;
    static const int64_t times[] = {253402300800, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        buf_reset(&out);
        jw_init(&jw, &out);
        jw_obj_begin(&jw);
        jw_kv_time(&jw, "t", times[i]);
        jw_obj_end(&jw);
        json_t *j = parse(out.data, 0);
        json_t *t = json_object_get(j, "t");
        /* null, or a complete UTC time string */
        if (!json_is_null(t)) {
            const char *s = json_string_value(t);
            if (!s || strlen(s) < 20 || s[strlen(s) - 1] != 'Z')
                fail_msg("time %" PRId64 " written as %s", times[i], out.data);
        }
        json_decref(j);
    }
}

/* ---- round trip ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static const char *const pieces[] = {
    "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "é",
    "中", "支部", "😀", "\xe2\x80\xa8", "{", "}", "[", "]", ":", ",", "\\u0000", "null",
};

/* A random valid UTF-8 string, sometimes with NUL bytes, as a jansson string. */
static json_t *random_string(void)
{
    char s[200];
    size_t n = 0;
    int parts = (int)(rnd() % 12);
    for (int i = 0; i < parts; i++) {
        if (rnd() % 20 == 0) {
            s[n++] = '\0';
            continue;
        }
        const char *p = pieces[rnd() % ARRAY_SIZE(pieces)];
        size_t len = strlen(p);
        memcpy(s + n, p, len);
        n += len;
    }
    return json_stringn(s, n);
}

static json_t *random_value(int depth)
{
    int kind = (int)(rnd() % (depth >= 6 ? 5 : 7));
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd() & 1);
    case 2: {
        static const int64_t edges[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1000000007, -42};
        int64_t v = rnd() % 3 ? (int64_t)rnd() >> (rnd() % 64) : edges[rnd() % ARRAY_SIZE(edges)];
        return json_integer((json_int_t)v);
    }
    case 3:
    case 4:
        return random_string();
    case 5: {
        json_t *arr = json_array();
        int n = (int)(rnd() % 5);
        for (int i = 0; i < n; i++)
            json_array_append_new(arr, random_value(depth + 1));
        return arr;
    }
    default: {
        json_t *obj = json_object();
        int n = (int)(rnd() % 5);
        for (int i = 0; i < n; i++) {
            json_t *key = random_string();
            /* Keys are C strings in jansson: cut at the first NUL. */
            json_object_set_new(obj, json_string_value(key), random_value(depth + 1));
            json_decref(key);
        }
        return obj;
    }
    }
}

/* Writes a jansson value through the writer under test. */
static void write_value(struct jw *j, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        jw_null(j);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        jw_bool(j, json_is_true(v));
        break;
    case JSON_INTEGER:
        jw_int(j, (int64_t)json_integer_value(v));
        break;
    case JSON_STRING:
        jw_strn(j, json_string_value(v), json_string_length(v));
        break;
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        jw_arr_begin(j);
        json_array_foreach(v, i, item)
        {
            write_value(j, item);
        }
        jw_arr_end(j);
        break;
    }
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        jw_obj_begin(j);
        json_object_foreach((json_t *)v, key, item)
        {
            jw_key(j, key);
            write_value(j, item);
        }
        jw_obj_end(j);
        break;
    }
    default:
        fail_msg("unexpected JSON type");
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        json_t *v = random_value(0);
        buf_reset(&out);
        jw_init(&jw, &out);
        write_value(&jw, v);
        assert_int_equal(jw.depth, 0);
        json_t *back = parse(out.data, JSON_ALLOW_NUL);
        if (!json_equal(v, back)) {
            char *want = json_dumps(v, JSON_ENCODE_ANY);
            fail_msg("round %d: wrote %s, jansson read something else than %s", round, out.data,
                     want);
        }
        json_decref(back);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nested_commas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_level_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_depth_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_deep_aborts, setup, teardown),
        cmocka_unit_test(test_escape_specials),
        cmocka_unit_test(test_escape_utf8_valid),
        cmocka_unit_test(test_escape_utf8_invalid),
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
