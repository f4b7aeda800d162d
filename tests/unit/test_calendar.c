/*
 * test_calendar.c - the calendar in Beijing time (src/core/util.c) and the
 * rules that depend on today, at month, quarter and year boundaries: dues
 * arrears (dues.c), compliance periods (meetings_calendar.c), overdue steps
 * (development.c and notices.c through date_add_months/date_passed).
 *
 * Each boundary is checked half a minute before and after midnight in
 * Beijing, which is 16:00 UTC the day before: a rule reasoned on the UTC
 * date gives the same answer on both sides and fails here. The test clock
 * (clock_skew_set) moves "now"; the response-target and session rules,
 * which are durations, are checked at the year boundary through the API in
 * tests/clock/clock.test.mjs.
 */
#include "app.h"
#include "mod/dues.h"
#include "mod/meetings_calendar.h"
#include "unit.h"

/* Instant of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* Moves now_sec() to t (within the second it takes to run a check). */
static void clock_at(int64_t t)
{
    clock_skew_set(t - (int64_t)time(NULL));
}

static int month(const char *ym)
{
    int i = month_index(ym);
    assert_true(i >= 0);
    return i;
}

static int teardown_clock(void **state)
{
    (void)state;
    clock_skew_set(0);
    return 0;
}

static void test_civil_days(void **state)
{
    (void)state;
    int y, m, d;
    /* Every day from 1900 to 2200 round-trips, in order. */
    int64_t z0 = days_from_civil(1900, 1, 1), z1 = days_from_civil(2200, 12, 31);
    int py = 1899, pm = 12, pd = 31;
    for (int64_t z = z0; z <= z1; z++) {
        civil_from_days(z, &y, &m, &d);
        assert_int_equal(days_from_civil(y, m, d), z);
        bool next_day = y == py && m == pm && d == pd + 1;
        bool next_month = y == py && m == pm + 1 && d == 1;
        bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12;
        assert_true(next_day || next_month || next_year);
        py = y, pm = m, pd = d;
    }
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    char out[11];
    date_from_days(days_from_civil(2028, 2, 29), out);
    assert_string_equal(out, "2028-02-29");
    date_from_days(days_from_civil(2027, 2, 28) + 1, out);
    assert_string_equal(out, "2027-03-01");
    /* Four-digit years with their zeros, and the ends of the range. */
    date_from_days(days_from_civil(987, 6, 5), out);
    assert_string_equal(out, "0987-06-05");
    date_from_days(days_from_civil(9999, 12, 31), out);
    assert_string_equal(out, "9999-12-31");
    date_from_days(days_from_civil(9999, 12, 31) + 1, out);
    assert_string_equal(out, "9999-12-31");
}

static void test_beijing_day(void **state)
{
    (void)state;
    char out[11];
    /* 31 December 16:00-24:00 UTC is already 1 January in Beijing. */
    date_of(utc(2026, 12, 31, 15, 59, 59), out);
    assert_string_equal(out, "2026-12-31");
    date_of(utc(2026, 12, 31, 16, 0, 0), out);
    assert_string_equal(out, "2027-01-01");
    date_of(utc(2026, 12, 31, 23, 59, 59), out);
    assert_string_equal(out, "2027-01-01");
    assert_int_equal(month_of(utc(2026, 12, 31, 16, 0, 0)), month("2027-01"));
    assert_int_equal(month_of(utc(2026, 12, 31, 15, 59, 59)), month("2026-12"));
    /* A month begins at 16:00 UTC on the last day of the month before. */
    assert_int_equal(month_start(month("2027-01")), utc(2026, 12, 31, 16, 0, 0));
    assert_int_equal(month_start(month("2027-03")), utc(2027, 2, 28, 16, 0, 0));
    assert_int_equal(month_start(month("2028-03")), utc(2028, 2, 29, 16, 0, 0));
    assert_int_equal(beijing_day_start(beijing_day(utc(2027, 4, 1, 3, 0, 0))),
                     utc(2027, 3, 31, 16, 0, 0));
    /* Before 1970 too. */
    date_of(utc(1969, 12, 31, 16, 0, 0), out);
    assert_string_equal(out, "1970-01-01");
    date_of(utc(1969, 12, 31, 15, 59, 59), out);
    assert_string_equal(out, "1969-12-31");

    /* Quarters and halves are aligned on the calendar year. */
    assert_int_equal(period_first_month(month("2027-03"), 3), month("2027-01"));
    assert_int_equal(period_first_month(month("2027-04"), 3), month("2027-04"));
    assert_int_equal(period_first_month(month("2027-12"), 3), month("2027-10"));
    assert_int_equal(period_first_month(month("2027-06"), 6), month("2027-01"));
    assert_int_equal(period_first_month(month("2027-07"), 6), month("2027-07"));
    assert_int_equal(period_first_month(month("2027-12"), 12), month("2027-01"));
    assert_int_equal(period_first_month(month("2027-05"), 1), month("2027-05"));

    /* Today follows the clock, in Beijing. */
    clock_at(utc(2026, 12, 31, 15, 59, 30));
    date_today(out);
    assert_string_equal(out, "2026-12-31");
    assert_int_equal(month_today(), month("2026-12"));
    clock_at(utc(2026, 12, 31, 16, 0, 30));
    date_today(out);
    assert_string_equal(out, "2027-01-01");
    assert_int_equal(month_today(), month("2027-01"));
    assert_int_equal(day_today(), days_from_civil(2027, 1, 1));
}

static void test_date_add_months(void **state)
{
    (void)state;
    static const struct {
        const char *from;
        int months;
        const char *to;
    } cases[] = {
        {"2026-12-31", 1, "2027-01-31"},  {"2027-01-31", 1, "2027-02-28"},
        {"2028-01-31", 1, "2028-02-29"},  {"2027-03-31", -1, "2027-02-28"},
        {"2027-03-31", 1, "2027-04-30"},  {"2026-12-15", 3, "2027-03-15"},
        {"2027-01-01", -1, "2026-12-01"}, {"2028-02-29", 12, "2029-02-28"},
        {"2026-11-30", 12, "2027-11-30"}, {"2027-05-31", -3, "2027-02-28"},
    };
    char out[11];
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_true(date_add_months(cases[i].from, cases[i].months, out));
        if (strcmp(out, cases[i].to))
            fail_msg("%s %+d months: %s, expected %s", cases[i].from, cases[i].months, out,
                     cases[i].to);
    }
    assert_false(date_add_months("2027-02-30", 1, out));
    assert_false(date_add_months(NULL, 1, out));
}

/* Months as text: the index back to "YYYY-MM", k months before across a year. */
static void test_month_text(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    assert_string_equal(month_str(&a, month_index("2027-01")), "2027-01");
    assert_string_equal(month_str(&a, month_index("2026-12") + 1), "2027-01");
    assert_string_equal(month_minus(&a, "2026-02", 3), "2025-11");
    assert_string_equal(month_minus(&a, "2026-12", 0), "2026-12");
    assert_string_equal(month_minus(&a, "2027-01", 13), "2025-12");
    assert_string_equal(month_minus(&a, "2027-1", 1), "2027-1"); /* malformed: as it was */
    arena_release(&a);
}

/* Overdue steps: a talk due within a month of applying, an approval due
 * within three months of admission, a notice deadline. */
static void test_overdue_at_boundaries(void **state)
{
    (void)state;
    char due[11];
    /* Applied on 31 December: the talk is due on 31 January. */
    assert_true(date_add_months("2026-12-31", 1, due));
    clock_at(utc(2027, 1, 31, 15, 59, 30)); /* 31 Jan 23:59:30 in Beijing */
    assert_false(date_passed(due));
    clock_at(utc(2027, 1, 31, 16, 0, 30)); /* 1 Feb 00:00:30 in Beijing, still 31 Jan in UTC */
    assert_true(date_passed(due));

    /* Admitted on 31 December: the approval is due on 31 March (quarter end). */
    assert_true(date_add_months("2026-12-31", 3, due));
    assert_string_equal(due, "2027-03-31");
    clock_at(utc(2027, 3, 31, 15, 59, 30));
    assert_false(date_passed(due));
    clock_at(utc(2027, 3, 31, 16, 0, 30));
    assert_true(date_passed(due));

    /* A deadline on 31 December is overdue on 1 January in Beijing. */
    clock_at(utc(2026, 12, 31, 15, 59, 30));
    assert_false(date_passed("2026-12-31"));
    clock_at(utc(2026, 12, 31, 16, 0, 30));
    assert_true(date_passed("2026-12-31"));
    assert_false(date_passed("2027-01-01"));
    assert_false(date_passed("not a date"));
}

/* Arrears count the completed months up to last month in Beijing. */
static void test_arrears_at_boundaries(void **state)
{
    (void)state;
    char last[8];
    /* Year: paid through September; October and November are due on 31
     * December, December too from 1 January: warning at three months. */
    clock_at(utc(2026, 12, 31, 15, 59, 30));
    dues_last_month(last);
    assert_string_equal(last, "2026-11");
    assert_int_equal(dues_months_unpaid("2026-09", "2000-01-01"), 2);
    assert_string_equal(dues_level(dues_months_unpaid("2026-09", "2000-01-01")), "ok");
    /* Joined in July, never paid: July to November. */
    assert_int_equal(dues_months_unpaid(NULL, "2026-07-15"), 5);
    assert_string_equal(dues_level(5), "alert");
    clock_at(utc(2026, 12, 31, 16, 0, 30));
    dues_last_month(last);
    assert_string_equal(last, "2026-12");
    assert_int_equal(dues_months_unpaid("2026-09", "2000-01-01"), 3);
    assert_string_equal(dues_level(dues_months_unpaid("2026-09", "2000-01-01")), "warning");
    assert_int_equal(dues_months_unpaid(NULL, "2026-07-15"), 6);
    assert_string_equal(dues_level(6), "lapsed");
    /* Paid ahead: nothing owed. */
    assert_int_equal(dues_months_unpaid("2027-03", "2000-01-01"), 0);

    /* Quarter: paid through December, on 31 March and on 1 April. */
    clock_at(utc(2027, 3, 31, 15, 59, 30));
    assert_int_equal(dues_months_unpaid("2026-12", "2000-01-01"), 2);
    clock_at(utc(2027, 3, 31, 16, 0, 30));
    assert_int_equal(dues_months_unpaid("2026-12", "2000-01-01"), 3);

    /* Month, leap year: paid through November, on 29 February and 1 March. */
    clock_at(utc(2028, 2, 29, 15, 59, 30));
    assert_int_equal(dues_months_unpaid("2027-11", "2000-01-01"), 2);
    clock_at(utc(2028, 2, 29, 16, 0, 30));
    assert_int_equal(dues_months_unpaid("2027-11", "2000-01-01"), 3);
    /* A member who joined this month owes nothing yet. */
    assert_int_equal(dues_months_unpaid(NULL, "2028-03-01"), 0);
}

/* Compliance: green in the period, amber in the next, red after. */
static void test_compliance_at_boundaries(void **state)
{
    (void)state;
    /* A quarterly assembly held in December 2026. */
    clock_at(utc(2026, 12, 31, 15, 59, 30));
    assert_string_equal(compliance_status(month("2026-12"), 3, month_today()), "green");
    assert_string_equal(compliance_status(month("2026-09"), 3, month_today()), "amber");
    assert_string_equal(compliance_status(month("2026-06"), 3, month_today()), "red");
    assert_string_equal(compliance_status(-1, 3, month_today()), "red");
    clock_at(utc(2026, 12, 31, 16, 0, 30));
    assert_string_equal(compliance_status(month("2026-12"), 3, month_today()), "amber");
    assert_string_equal(compliance_status(month("2026-09"), 3, month_today()), "red");
    /* Yearly: held in May 2026, due again in 2027. */
    assert_string_equal(compliance_status(month("2026-05"), 12, month_today()), "amber");
    clock_at(utc(2026, 12, 31, 15, 59, 30));
    assert_string_equal(compliance_status(month("2026-05"), 12, month_today()), "green");

    /* Quarter: held in February, on 31 March and on 1 April. */
    clock_at(utc(2027, 3, 31, 15, 59, 30));
    assert_string_equal(compliance_status(month("2027-02"), 3, month_today()), "green");
    clock_at(utc(2027, 3, 31, 16, 0, 30));
    assert_string_equal(compliance_status(month("2027-02"), 3, month_today()), "amber");

    /* Month: a committee meeting held in February, on 28 February and 1 March. */
    clock_at(utc(2027, 2, 28, 15, 59, 30));
    assert_string_equal(compliance_status(month("2027-02"), 1, month_today()), "green");
    clock_at(utc(2027, 2, 28, 16, 0, 30));
    assert_string_equal(compliance_status(month("2027-02"), 1, month_today()), "amber");
    assert_string_equal(compliance_status(month("2027-01"), 1, month_today()), "red");
    /* Not required: always green. */
    assert_string_equal(compliance_status(-1, 0, month_today()), "green");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test_teardown(test_beijing_day, teardown_clock),
        cmocka_unit_test(test_date_add_months),
        cmocka_unit_test(test_month_text),
        cmocka_unit_test_teardown(test_overdue_at_boundaries, teardown_clock),
        cmocka_unit_test_teardown(test_arrears_at_boundaries, teardown_clock),
        cmocka_unit_test_teardown(test_compliance_at_boundaries, teardown_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
