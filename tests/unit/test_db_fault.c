/* test_db_fault.c - the fault-injecting VFS (db_fault_set): a commit that
 * meets a failing write, sync or full disk reports an error, leaves none of
 * its rows behind and keeps the committed ones and a sound file. */
#include "app.h"
#include "unit.h"

#define BATCH 20 /* rows of one faulty transaction: several pages */

static int setup(void **state)
{
    db_fault_set(NULL); /* the shim, without a fault */
    struct unit_db *u = unit_db_new("fault.db");
    char err[512] = "";
    if (!u || db_exec_script(u->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB);", err,
                             sizeof(err)) != DB_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = u;
    return 0;
}

static int teardown(void **state)
{
    db_fault_set(NULL);
    return unit_db_teardown(state);
}

static int64_t count_rows(struct db *db)
{
    int64_t n = -1;
    assert_int_equal(db_begin(db, false), DB_OK);
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM t", ""));
    assert_int_equal(db_commit(db), DB_OK);
    return n;
}

/* Inserts BATCH rows of 2000 bytes in one transaction; the commit's result. */
static int insert_batch(struct db *db)
{
    static char blob[2000];
    memset(blob, 'x', sizeof(blob));
    if (db_begin(db, true) != DB_OK)
        return DB_ERROR;
    for (int i = 0; i < BATCH; i++)
        db_exec(db, "INSERT INTO t (data) VALUES (?)", "b", blob, sizeof(blob));
    return db_commit(db);
}

static void reopen(struct unit_db *u)
{
    char err[512] = "";
    db_close(u->db);
    u->db = db_open(u->path, err, sizeof(err));
    if (!u->db)
        fail_msg("reopen: %s", err);
}

/* For N = 1..20: the fault from the Nth call on. A commit that fails stores
 * nothing; one that succeeds stored everything; a fault that fired failed
 * the commit. The first calls always fire. */
static void run_mode(struct unit_db *u, const char *mode)
{
    int64_t expect = 0;
    assert_int_equal(insert_batch(u->db), DB_OK);
    expect += BATCH;
    int failed = 0;
    for (int n = 1; n <= 20; n++) {
        char spec[32];
        snprintf(spec, sizeof(spec), "%s:%d", mode, n);
        db_fault_set(spec);
        int rc = insert_batch(u->db);
        int hits = db_fault_hits();
        db_fault_set(NULL);
        if (n == 1 && rc == DB_OK)
            fail_msg("%s: the commit succeeded", spec);
        if (hits > 0 && rc == DB_OK)
            fail_msg("%s: %d faults and yet the commit succeeded", spec, hits);
        if (rc == DB_OK)
            expect += BATCH;
        else
            failed++;
        /* The same connection after the rollback, then a fresh one. */
        if (count_rows(u->db) != expect)
            fail_msg("%s (commit %d): %lld rows, expected %lld", spec, rc,
                     (long long)count_rows(u->db), (long long)expect);
        assert_true(db_integrity_ok(u->db));
        reopen(u);
        if (count_rows(u->db) != expect)
            fail_msg("%s after reopening: %lld rows, expected %lld", spec,
                     (long long)count_rows(u->db), (long long)expect);
        assert_true(db_integrity_ok(u->db));
        /* And the connection writes again. */
        assert_int_equal(insert_batch(u->db), DB_OK);
        expect += BATCH;
    }
    assert_true(failed >= 1);
    print_message("%s: %d of 20 commits failed\n", mode, failed);
}

static void test_write(void **state)
{
    run_mode(*state, "write");
}

static void test_sync(void **state)
{
    run_mode(*state, "sync");
}

static void test_full(void **state)
{
    run_mode(*state, "full");
}

/* The fault stays on: every later commit fails too, reads still work. */
static void test_persistent(void **state)
{
    struct unit_db *u = *state;
    assert_int_equal(insert_batch(u->db), DB_OK);
    db_fault_set("write:3");
    for (int i = 0; i < 5; i++)
        assert_int_not_equal(insert_batch(u->db), DB_OK);
    assert_true(db_fault_hits() >= 5);
    assert_int_equal(count_rows(u->db), BATCH);
    db_fault_set(NULL);
    assert_int_equal(insert_batch(u->db), DB_OK);
    assert_int_equal(count_rows(u->db), 2 * BATCH);
    assert_true(db_integrity_ok(u->db));
}

/* A spec that is not write:N, sync:N or full:N (N >= 1) means no fault. */
static void test_bad_spec(void **state)
{
    struct unit_db *u = *state;
    static const char *const bad[] = {"write:0", "write:", "write:1x", "sync:-1",
                                      "crash:1", "write",  ""};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        db_fault_set(bad[i]);
        assert_int_equal(insert_batch(u->db), DB_OK);
        assert_int_equal(db_fault_hits(), 0);
    }
    db_fault_set(NULL);
    assert_int_equal(count_rows(u->db), (int64_t)ARRAY_SIZE(bad) * BATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_spec, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
