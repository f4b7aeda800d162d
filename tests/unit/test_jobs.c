/*
 * test_jobs.c - the housekeeping jobs (core/jobs.c): what jobs_run_once
 * removes and what it keeps, with ages measured by now_sec() (the test clock).
 */
#include "app.h"
#include "core/jobs.h"
#include "db/migrate.h"
#include "unit.h"

static int setup(void **state)
{
    struct unit_db *u = unit_db_new("jobs.db");
    char err[512];
    int applied = 0;
    if (!u || migrate_run(u->db, &applied, err, sizeof(err)) != 0) {
        fprintf(stderr, "migrate: %s\n", u ? err : "no database");
        return -1;
    }
    /* The login-window job writes audit rows, keyed with the data key. */
    if (pdata_init(u->dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "pdata_init: %s\n", err);
        return -1;
    }
    *state = u;
    return 0;
}

static int64_t count(struct db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_begin(db, false), DB_OK);
    assert_true(db_get_int(db, &n, sql, ""));
    db_commit(db);
    return n;
}

/* Rows of every table the core jobs prune, one side of each age limit. */
static void seed(struct db *db, int64_t now)
{
    assert_int_equal(db_begin(db, true), DB_OK);
    db_exec(db,
            "INSERT INTO accounts (id, phone_hash, phone_sealed, phone_tail, name, created_at, "
            "updated_at, seq) VALUES (1, x'01', x'01', '0001', 'a', ?, ?, 1)",
            "ii", now, now);
    /* id 1 live; 2 revoked; 3 expired; 4 idle past its timeout */
    const char *ins = "INSERT INTO sessions (id, token_hash, account_id, csrf, created_at, "
                      "last_seen, idle_timeout, expires_at, revoked_at) VALUES (?, ?, 1, 'c', ?, "
                      "?, ?, ?, ?)";
    const int64_t idle = 3600, none = 0; /* 'I': 0 binds NULL */
    db_exec(db, ins, "isiiiiI", (int64_t)1, "t1", now - 100, now - 10, idle, now + 86400, none);
    db_exec(db, ins, "isiiiiI", (int64_t)2, "t2", now - 100, now - 10, idle, now + 86400, now - 5);
    db_exec(db, ins, "isiiiiI", (int64_t)3, "t3", now - 100, now - 10, idle, now - 1, none);
    db_exec(db, ins, "isiiiiI", (int64_t)4, "t4", now - 9000, now - 7200, idle, now + 86400, none);
    db_exec(db,
            "INSERT INTO login_failures (phone_hash, window_start, failures) VALUES (x'01', ?, "
            "3), (x'02', ?, 5)",
            "ii", now - 600, now - 3700);
    const char *idem = "INSERT INTO idempotency (account_id, key, fingerprint, status, body, "
                       "created_at) VALUES (1, ?, x'00', 201, '{}', ?)";
    db_exec(db, idem, "si", "new", now - (IDEMPOTENCY_DAYS - 1) * 86400LL);
    db_exec(db, idem, "si", "old", now - (IDEMPOTENCY_DAYS + 1) * 86400LL);
    assert_false(db_failed(db));
    assert_int_equal(db_commit(db), DB_OK);
}

static void test_prunes_old_keeps_live(void **state)
{
    struct unit_db *u = *state;
    seed(u->db, now_sec());
    /* 3 sessions, 1 failure window, 1 idempotency record; nothing for the modules */
    assert_int_equal(jobs_run_once(u->db), 5);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM sessions WHERE id = 1"), 1);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM sessions"), 1);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM login_failures WHERE phone_hash = x'01'"),
                     1);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM login_failures"), 1);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM idempotency WHERE key = 'new'"), 1);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM idempotency"), 1);
    /* A second run finds nothing more. */
    assert_int_equal(jobs_run_once(u->db), 0);
}

/* Ages follow the test clock: two days on, the kept records have aged out. */
static void test_ages_follow_the_test_clock(void **state)
{
    struct unit_db *u = *state;
    seed(u->db, now_sec());
    assert_int_equal(jobs_run_once(u->db), 5);
    clock_skew_set(2 * 86400);
    int removed = jobs_run_once(u->db);
    clock_skew_set(0);
    assert_int_equal(removed, 3); /* the session, the window, the record */
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM sessions"), 0);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM login_failures"), 0);
    assert_int_equal(count(u->db, "SELECT COUNT(*) FROM idempotency"), 0);
}

/* The store failing (no tables) is logged and counted as nothing removed. */
static void test_failure_counts_nothing(void **state)
{
    (void)state;
    struct unit_db *u = unit_db_new("empty.db");
    assert_non_null(u);
    assert_int_equal(jobs_run_once(u->db), 0);
    void *p = u;
    unit_db_teardown(&p);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prunes_old_keeps_live, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_ages_follow_the_test_clock, setup, unit_db_teardown),
        cmocka_unit_test(test_failure_counts_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
