/* test_errors.c - src/core/errors.c: the error table is well formed and documented. */
#include "app.h"
#include "unit.h"

#include <regex.h>

static void test_codes_unique(void **state)
{
    (void)state;
    for (int i = 0; i < ERR__COUNT; i++)
        for (int k = i + 1; k < ERR__COUNT; k++)
            if (!strcmp(err_table[i].code, err_table[k].code))
                fail_msg("error code %s appears twice (%d and %d)", err_table[i].code, i, k);
}

static void test_codes_well_formed(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "^[a-z_]+\\.[a-z_]+$", REG_EXTENDED | REG_NOSUB), 0);
    /* The pattern itself rejects what it should. */
    assert_int_not_equal(regexec(&re, "Auth.required", 0, NULL, 0), 0);
    assert_int_not_equal(regexec(&re, "auth.required.x", 0, NULL, 0), 0);
    assert_int_not_equal(regexec(&re, "auth", 0, NULL, 0), 0);
    for (int i = 0; i < ERR__COUNT; i++) {
        const struct err_info *e = &err_table[i];
        assert_non_null(e->code);
        if (regexec(&re, e->code, 0, NULL, 0) != 0)
            fail_msg("error %d: code \"%s\" is not group.name", i, e->code);
        if (e->status < 400 || e->status > 599)
            fail_msg("error %s: status %d is not 4xx/5xx", e->code, e->status);
        assert_non_null(e->message);
        if (strlen(e->message) == 0)
            fail_msg("error %s has no message", e->code);
    }
    regfree(&re);
}

/* The enum and the table agree (the X-macro keeps them in step). */
static void test_known_entries(void **state)
{
    (void)state;
    assert_int_equal(err_table[ERR_NOT_FOUND].status, 404);
    assert_string_equal(err_table[ERR_NOT_FOUND].code, "request.not_found");
    assert_int_equal(err_table[ERR_BAD_JSON].status, 400);
    assert_int_equal(err_table[ERR_AUTH_REQUIRED].status, 401);
    assert_int_equal(err_table[ERR_CSRF].status, 403);
    assert_int_equal(err_table[ERR_THROTTLED].status, 429);
    assert_int_equal(err_table[ERR_DB].status, 500);
}

/* docs/API.md lists every code (see errors.h). */
static void test_documented(void **state)
{
    (void)state;
    char path[1024];
    const char *here = __FILE__;
    const char *cut = strstr(here, "tests/unit/");
    if (here[0] != '/' || !cut)
        skip();
    snprintf(path, sizeof(path), "%.*sdocs/API.md", (int)(cut - here), here);
    FILE *f = fopen(path, "r");
    if (!f)
        skip();
    struct buf doc;
    buf_init(&doc);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&doc, chunk, n);
    fclose(f);
    for (int i = 0; i < ERR__COUNT; i++)
        if (!strstr(doc.data, err_table[i].code))
            fail_msg("%s does not mention %s", path, err_table[i].code);
    buf_release(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_unique),
        cmocka_unit_test(test_codes_well_formed),
        cmocka_unit_test(test_known_entries),
        cmocka_unit_test(test_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
