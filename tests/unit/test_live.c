/* test_live.c - src/core/live.c: who an event or an announcement reaches
 * (live_audience_match), the rule the feed and the streams share. */
#include "app.h"
#include "unit.h"
#include "core/live.h"

#define R(x) (1u << (x))

static struct live_who *who(const char *branch, size_t ngrants, const unsigned *roles,
                            const char *const *paths)
{
    struct live_who *w = calloc(1, sizeof(*w) + ngrants * sizeof(w->grants[0]));
    w->account_id = 7;
    w->branch_path = branch;
    w->ngrants = ngrants;
    for (size_t i = 0; i < ngrants; i++) {
        w->grants[i].role = roles[i];
        w->grants[i].path = paths[i];
    }
    return w;
}

static void test_members_by_branch(void **state)
{
    (void)state;
    struct live_who *m = who("/1/2/3/", 0, NULL, NULL);
    /* Mask 0 and the member bit: every member of the subtree. */
    assert_true(live_audience_match(m, "/1/", 0));
    assert_true(live_audience_match(m, "/1/2/", 0));
    assert_true(live_audience_match(m, "/1/2/3/", R(ROLE_MEMBER)));
    /* A sibling, a descendant, a look-alike prefix ("/1/2/30/" is not under "/1/2/3/"). */
    assert_false(live_audience_match(m, "/1/4/", 0));
    assert_false(live_audience_match(m, "/1/2/3/9/", 0));
    struct live_who *m30 = who("/1/2/30/", 0, NULL, NULL);
    assert_false(live_audience_match(m30, "/1/2/3/", 0));
    /* A roles audience without the member bit does not reach a plain member. */
    assert_false(live_audience_match(m, "/1/", R(ROLE_BRANCH_SECRETARY)));
    free(m);
    free(m30);
}

static void test_roles(void **state)
{
    (void)state;
    const unsigned roles[] = {ROLE_BRANCH_SECRETARY, ROLE_BRANCH_COMMITTEE};
    const char *const paths[] = {"/1/2/3/", "/1/2/"};
    struct live_who *s = who(NULL, 2, roles, paths);
    assert_true(live_audience_match(s, "/1/", R(ROLE_BRANCH_SECRETARY)));
    assert_true(live_audience_match(s, "/1/2/", R(ROLE_BRANCH_COMMITTEE)));
    /* The committee grant sits on the township: not reached by a notice to the village. */
    assert_false(live_audience_match(s, "/1/2/3/", R(ROLE_BRANCH_COMMITTEE)));
    assert_false(live_audience_match(s, "/1/", R(ROLE_ORG_ADMIN)));
    /* No member record: "every member" does not reach the account through its roles. */
    assert_false(live_audience_match(s, "/1/", 0));
    /* ...unless "member" is a role it holds there. */
    const unsigned mr[] = {ROLE_MEMBER};
    const char *const mp[] = {"/1/2/"};
    struct live_who *h = who(NULL, 1, mr, mp);
    assert_true(live_audience_match(h, "/1/", 0));
    free(s);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_by_branch),
        cmocka_unit_test(test_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
