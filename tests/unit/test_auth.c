/* test_auth.c - the pure parts of src/core/auth.c: roles, the permission policy, and the
 * subtree checks on hand-built principals. */
#include "app.h"
#include "unit.h"

#define R(x) (1u << (x))

static void test_role_parse(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum role role;
    } roles[] = {
        {"member", ROLE_MEMBER},
        {"branch_secretary", ROLE_BRANCH_SECRETARY},
        {"branch_committee", ROLE_BRANCH_COMMITTEE},
        {"org_admin", ROLE_ORG_ADMIN},
        {"auditor", ROLE_AUDITOR},
        {"safety_officer", ROLE_SAFETY_OFFICER},
        {"system_admin", ROLE_SYSTEM_ADMIN},
    };
    assert_int_equal(ARRAY_SIZE(roles), ROLE__COUNT);
    for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
        assert_int_equal(role_parse(roles[i].name), roles[i].role);
        assert_string_equal(role_names[roles[i].role], roles[i].name);
    }
    assert_null(role_names[ROLE__COUNT]);
    static const char *const unknown[] = {"",        "Member",      "admin",  "root",  "member ",
                                          " member", "org_admin\n", "system", "branch"};
    for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
        assert_int_equal(role_parse(unknown[i]), ROLE__COUNT);
    assert_int_equal(role_parse(NULL), ROLE__COUNT);
}

static bool grants(enum perm perm, enum role role)
{
    return (perm_roles(perm) & R(role)) != 0;
}

static void test_policy(void **state)
{
    (void)state;
    /* Everybody reads organisations. */
    for (int r = 0; r < ROLE__COUNT; r++)
        assert_true(grants(PERM_ORG_READ, (enum role)r));

    /* The roster: branch officers and administrators, not ordinary members or auditors. */
    assert_false(grants(PERM_ROSTER_READ, ROLE_MEMBER));
    assert_true(grants(PERM_ROSTER_READ, ROLE_BRANCH_SECRETARY));
    assert_true(grants(PERM_ROSTER_READ, ROLE_BRANCH_COMMITTEE));
    assert_true(grants(PERM_ROSTER_READ, ROLE_ORG_ADMIN));
    assert_true(grants(PERM_ROSTER_READ, ROLE_SYSTEM_ADMIN));
    assert_false(grants(PERM_ROSTER_READ, ROLE_AUDITOR));
    assert_false(grants(PERM_ROSTER_READ, ROLE_SAFETY_OFFICER));

    /* Only org_admin and system_admin administer organisations and roles. */
    for (int r = 0; r < ROLE__COUNT; r++) {
        bool admin = r == ROLE_ORG_ADMIN || r == ROLE_SYSTEM_ADMIN;
        if (grants(PERM_ORG_ADMIN, (enum role)r) != admin)
            fail_msg("org.admin for %s", role_names[r]);
        if (grants(PERM_ROLE_ADMIN, (enum role)r) != admin)
            fail_msg("role.admin for %s", role_names[r]);
    }

    /* The audit log: auditors, safety officers, system administrators. */
    for (int r = 0; r < ROLE__COUNT; r++) {
        bool audit = r == ROLE_AUDITOR || r == ROLE_SAFETY_OFFICER || r == ROLE_SYSTEM_ADMIN;
        if (grants(PERM_AUDIT_READ, (enum role)r) != audit)
            fail_msg("audit.read for %s", role_names[r]);
    }
    assert_false(grants(PERM_ORG_ADMIN, ROLE_AUDITOR));
    assert_false(grants(PERM_ORG_ADMIN, ROLE_SAFETY_OFFICER));
    assert_false(grants(PERM_ROLE_ADMIN, ROLE_BRANCH_SECRETARY));

    /* No permission is granted to a role that does not exist. */
    for (int p = 0; p < PERM__COUNT; p++) {
        assert_int_equal(perm_roles((enum perm)p) & ~((1u << ROLE__COUNT) - 1), 0);
        assert_non_null(perm_name((enum perm)p));
        assert_true(strlen(perm_name((enum perm)p)) > 0);
    }
    assert_string_equal(perm_name(PERM_ROSTER_READ), "roster.read");
}

/* ---- principals ---- */

static struct principal who(struct role_grant *roles, size_t n)
{
    struct principal p = {.account_id = 1, .name = "t", .roles = roles, .nroles = n};
    return p;
}

static void test_subtree(void **state)
{
    (void)state;
    struct role_grant g[] = {
        {.id = 1, .role = ROLE_BRANCH_SECRETARY, .org_id = 2, .org_path = "/1/2/"}};
    struct principal p = who(g, 1);

    assert_true(principal_can(&p, PERM_ROSTER_READ, "/1/2/"));
    assert_true(principal_can(&p, PERM_ROSTER_READ, "/1/2/30/"));
    assert_true(principal_can(&p, PERM_ROSTER_READ, "/1/2/30/400/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/3/"));
    /* The prefix trap: "/1/2" is a string prefix of "/1/20/" but not an ancestor. */
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/20/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/20/2/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/2"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/2/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/11/2/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, ""));
    assert_false(principal_can(&p, PERM_ROSTER_READ, NULL));
    /* The role does not grant what its permission table does not say. */
    assert_false(principal_can(&p, PERM_ORG_ADMIN, "/1/2/"));
    assert_false(principal_can(&p, PERM_AUDIT_READ, "/1/2/30/"));
    assert_true(principal_can(&p, PERM_ORG_READ, "/1/2/30/"));

    assert_true(principal_has(&p, PERM_ROSTER_READ));
    assert_false(principal_has(&p, PERM_ROLE_ADMIN));

    /* principal_holds with explicit masks. */
    assert_true(principal_holds(&p, R(ROLE_BRANCH_SECRETARY), "/1/2/5/"));
    assert_false(principal_holds(&p, R(ROLE_MEMBER) | R(ROLE_ORG_ADMIN), "/1/2/5/"));
    assert_false(principal_holds(&p, 0, "/1/2/"));
    assert_false(principal_holds(&p, R(ROLE_BRANCH_SECRETARY), "/1/20/"));

    /* No principal, or one without roles, can do nothing. */
    assert_false(principal_can(NULL, PERM_ORG_READ, "/1/"));
    assert_false(principal_has(NULL, PERM_ORG_READ));
    struct principal none = who(NULL, 0);
    assert_false(principal_can(&none, PERM_ORG_READ, "/1/"));
    assert_false(principal_has(&none, PERM_ORG_READ));
    assert_false(principal_above(&none, R(ROLE_ORG_ADMIN), "/1/2/"));
    assert_false(principal_above(NULL, R(ROLE_ORG_ADMIN), "/1/2/"));
}

static void test_several_roles(void **state)
{
    (void)state;
    struct role_grant g[] = {
        {.id = 1, .role = ROLE_MEMBER, .org_id = 7, .org_path = "/1/2/7/"},
        {.id = 2, .role = ROLE_ORG_ADMIN, .org_id = 3, .org_path = "/1/3/"},
        {.id = 3, .role = ROLE_AUDITOR, .org_id = 1, .org_path = "/1/"},
    };
    struct principal p = who(g, ARRAY_SIZE(g));
    /* Each role counts only where it was granted. */
    assert_true(principal_can(&p, PERM_ORG_ADMIN, "/1/3/9/"));
    assert_false(principal_can(&p, PERM_ORG_ADMIN, "/1/2/7/"));
    assert_false(principal_can(&p, PERM_ORG_ADMIN, "/1/"));
    assert_false(principal_can(&p, PERM_ORG_ADMIN, "/1/30/"));
    assert_true(principal_can(&p, PERM_ROSTER_READ, "/1/3/"));
    assert_false(principal_can(&p, PERM_ROSTER_READ, "/1/2/7/")); /* member only there */
    assert_true(principal_can(&p, PERM_AUDIT_READ, "/1/2/7/"));
    assert_true(principal_can(&p, PERM_AUDIT_READ, "/1/"));
    assert_false(principal_can(&p, PERM_AUDIT_READ, "/2/"));
    assert_true(principal_can(&p, PERM_ORG_READ, "/1/99/"));
    assert_false(principal_can(&p, PERM_ORG_READ, "/10/"));
    assert_true(principal_has(&p, PERM_ROLE_ADMIN));
}

static void test_above(void **state)
{
    (void)state;
    struct role_grant g[] = {{.id = 1, .role = ROLE_ORG_ADMIN, .org_id = 2, .org_path = "/1/2/"}};
    struct principal p = who(g, 1);
    unsigned admin = R(ROLE_ORG_ADMIN);
    /* Strictly above: the organisation itself does not count. */
    assert_false(principal_above(&p, admin, "/1/2/"));
    assert_true(principal_above(&p, admin, "/1/2/30/"));
    assert_true(principal_above(&p, admin, "/1/2/30/400/"));
    assert_false(principal_above(&p, admin, "/1/"));
    assert_false(principal_above(&p, admin, "/1/3/"));
    assert_false(principal_above(&p, admin, "/1/20/"));
    assert_false(principal_above(&p, admin, "/1/20/3/"));
    /* Other roles in the mask only. */
    assert_false(principal_above(&p, R(ROLE_SYSTEM_ADMIN), "/1/2/30/"));
    /* A second grant on the organisation itself does not make it "above". */
    struct role_grant g2[] = {
        {.id = 1, .role = ROLE_ORG_ADMIN, .org_id = 30, .org_path = "/1/2/30/"},
        {.id = 2, .role = ROLE_MEMBER, .org_id = 2, .org_path = "/1/2/"},
    };
    struct principal q = who(g2, 2);
    assert_false(principal_above(&q, admin, "/1/2/30/"));
    assert_true(principal_above(&q, R(ROLE_MEMBER), "/1/2/30/"));
    assert_true(principal_holds(&q, admin, "/1/2/30/"));
}

/* Which sessions must enrol a second factor before anything else. */
static void test_second_factor(void **state)
{
    (void)state;
    bool saved = cfg.second_factor_required;
    cfg.second_factor_required = true;
    cfg.second_factor_grace_days = 7;
    static const enum role needs[] = {ROLE_ORG_ADMIN, ROLE_AUDITOR, ROLE_SAFETY_OFFICER,
                                      ROLE_SYSTEM_ADMIN};
    static const enum role free_roles[] = {ROLE_MEMBER, ROLE_BRANCH_SECRETARY,
                                           ROLE_BRANCH_COMMITTEE};
    for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
        struct role_grant g[] = {{.id = 1, .role = ROLE_MEMBER, .org_id = 3, .org_path = "/1/3/"},
                                 {.id = 2, .role = needs[i], .org_id = 2, .org_path = "/1/2/"}};
        struct principal p = who(g, 2);
        assert_true(principal_second_factor_role(&p));
        /* Within the grace after the grant: not yet; after it: owed. */
        g[1].granted_at = now_sec() - 6 * 86400;
        assert_false(principal_owes_second_factor(&p));
        assert_int_equal(principal_enrol_by(&p), g[1].granted_at + 7 * 86400);
        g[1].granted_at = now_sec() - 7 * 86400;
        assert_true(principal_owes_second_factor(&p));
        p.totp_on = true;
        assert_false(principal_owes_second_factor(&p));
        p.totp_on = false;
        cfg.second_factor_required = false;
        assert_false(principal_owes_second_factor(&p));
        cfg.second_factor_required = true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(free_roles); i++) {
        struct role_grant g[] = {
            {.id = 1, .role = free_roles[i], .org_id = 2, .org_path = "/1/2/"}};
        struct principal p = who(g, 1);
        assert_false(principal_second_factor_role(&p));
        assert_false(principal_owes_second_factor(&p));
    }
    assert_false(principal_owes_second_factor(NULL));
    cfg.second_factor_required = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_parse), cmocka_unit_test(test_policy),
        cmocka_unit_test(test_subtree),    cmocka_unit_test(test_several_roles),
        cmocka_unit_test(test_above),      cmocka_unit_test(test_second_factor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
