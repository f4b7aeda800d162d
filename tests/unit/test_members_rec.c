/* test_members_rec.c - src/mod/members_rec.c: the member record's validation, dues
 * standards and month arithmetic. */
#include "app.h"
#include "core/roster.h"
#include "mod/dues.h"
#include "mod/members_rec.h"
#include "unit.h"

static struct member_rec valid(void)
{
    return (struct member_rec){
        .name = "张三",
        .gender = "male",
        .birth_date = "1970-05-01",
        .id_number = "110101197005010013",
        .occupation = "农民",
        .joined_at = "1995-07-01",
        .full_at = "1996-07-01",
        .category = "full",
        .status = "normal",
        .added_how = "other",
        .dues_basis = "farmer",
        .dues_fen = 50,
    };
}

static void expect_field(struct member_rec m, const char *field)
{
    const char *f = NULL;
    const char *why = member_validate(&m, &f);
    assert_non_null(why);
    assert_string_equal(f, field);
}

static void test_valid(void **state)
{
    (void)state;
    struct member_rec m = valid();
    const char *f = NULL;
    assert_null(member_validate(&m, &f));
    m.id_number = "11010119700501001x"; /* wrong check: x is not the check of ...001 */
    assert_non_null(member_validate(&m, &f));
}

static void test_fields(void **state)
{
    (void)state;
    struct member_rec m;
    m = valid(), m.name = "";
    expect_field(m, "name");
    m = valid(), m.gender = "other";
    expect_field(m, "gender");
    m = valid(), m.birth_date = "1970-05-02"; /* differs from the ID number */
    expect_field(m, "idNumber");
    m = valid(), m.gender = "female"; /* the 17th digit is odd: a man's */
    expect_field(m, "idNumber");
    m = valid(), m.joined_at = "1988-04-30"; /* the day before the 18th birthday */
    expect_field(m, "joinedAt");
    m = valid(), m.joined_at = "1988-05-01", m.full_at = "1989-05-01";
    const char *f;
    assert_null(member_validate(&m, &f)); /* on the 18th birthday is fine */
    m = valid(), m.full_at = "1995-07-01";
    expect_field(m, "fullAt");
    m = valid(), m.category = "probationary";
    expect_field(m, "fullAt");
    m = valid(), m.ethnicity = "火星族";
    expect_field(m, "ethnicity");
    m = valid(), m.education = "幼儿园";
    expect_field(m, "education");
    m = valid(), m.occupation = "宇航员";
    expect_field(m, "occupation");
    m = valid(), m.phone = "12345678901";
    expect_field(m, "phone");
    m = valid(), m.migrant = true;
    expect_field(m, "migrantPlace");
    m = valid(), m.host_org_id = 5;
    expect_field(m, "hostOrgId");
    m = valid(), m.lost_contact = true;
    expect_field(m, "lostContactSince");
    m = valid(), m.dues_fen = 10;
    expect_field(m, "duesFen");
    m = valid(), m.dues_basis = "student", m.dues_fen = 50;
    expect_field(m, "duesFen");
}

static void test_dues_standard(void **state)
{
    (void)state;
    assert_int_equal(dues_standard_fen("farmer", 0), -1);
    assert_int_equal(dues_standard_fen("student", 0), 20);
    assert_int_equal(dues_standard_fen("salary", 300000), 1500);   /* 3000 yuan: 0.5% */
    assert_int_equal(dues_standard_fen("salary", 400000), 4000);   /* 1% */
    assert_int_equal(dues_standard_fen("salary", 800000), 12000);  /* 1.5% */
    assert_int_equal(dues_standard_fen("salary", 1200000), 24000); /* 2% */
    assert_int_equal(dues_standard_fen("retiree", 400000), 2000);  /* 0.5% */
    assert_int_equal(dues_standard_fen("retiree", 600000), 6000);  /* 1% above 5000 */
}

static void test_months(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    int y, m;
    assert_false(month_parse("2026-13", &y, &m));
    assert_false(month_parse("2026-1", &y, &m));
    assert_true(month_parse("2026-01", &y, &m));
    char last[8];
    dues_last_month(last);
    assert_int_equal(dues_months_unpaid(last, "2000-01-01"), 0);
    assert_int_equal(dues_months_unpaid(month_minus(&a, last, 3), "2000-01-01"), 3);
    arena_release(&a);
}

/* "On the roster" has one meaning: member_status_counted() in C and
 * ROSTER_STATUSES in SQL agree for every status. */
static void test_roster_rule(void **state)
{
    (void)state;
    struct unit_db *f = unit_db_new("roster.db");
    assert_int_equal(db_begin(f->db, false), DB_OK);
    for (const char *const *st = member_statuses; *st; st++) {
        int64_t in = -1;
        assert_true(db_get_int(f->db, &in, "SELECT ? IN " ROSTER_STATUSES, "s", *st));
        if ((in != 0) != member_status_counted(*st))
            fail_msg("status %s: SQL says %" PRId64 ", C says %d", *st, in,
                     member_status_counted(*st));
    }
    db_rollback(f->db);
    void *u = f;
    unit_db_teardown(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_dues_standard),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_roster_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
