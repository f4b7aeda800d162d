/* test_migrate.c - src/db/migrate.c: the list check and migrate_run on real databases. */
#include "app.h"
#include "db/migrate.h"
#include "unit.h"

#define M(v, name) {v, name, "SELECT 1;"}
#define END {0, NULL, NULL}

static bool list_ok(const struct migration *list, char *err, size_t errlen)
{
    err[0] = '\0';
    return migrate_list_ok(list, err, errlen);
}

static void test_list_ok(void **state)
{
    (void)state;
    char err[256];
    const struct migration good[] = {M(1, "0001_a.sql"), M(2, "0002_b.sql"), M(3, "0003_c.sql"),
                                     END};
    assert_true(list_ok(good, err, sizeof(err)));
    const struct migration one[] = {M(1, "0001_a.sql"), END};
    assert_true(list_ok(one, err, sizeof(err)));

    const struct migration gap[] = {M(1, "0001_a.sql"), M(3, "0003_c.sql"), END};
    assert_false(list_ok(gap, err, sizeof(err)));
    assert_non_null(strstr(err, "0003_c.sql"));
    const struct migration dup[] = {M(1, "0001_a.sql"), M(2, "0002_b.sql"), M(2, "0002_x.sql"),
                                    END};
    assert_false(list_ok(dup, err, sizeof(err)));
    assert_non_null(strstr(err, "0002_x.sql"));
    const struct migration order[] = {M(2, "0002_b.sql"), M(1, "0001_a.sql"), END};
    assert_false(list_ok(order, err, sizeof(err)));
    const struct migration swapped[] = {M(1, "0001_a.sql"), M(3, "0003_c.sql"),
                                        M(2, "0002_b.sql"), END};
    assert_false(list_ok(swapped, err, sizeof(err)));
    const struct migration late[] = {M(2, "0002_b.sql"), M(3, "0003_c.sql"), END};
    assert_false(list_ok(late, err, sizeof(err)));
    const struct migration zero[] = {M(0, "0000_z.sql"), M(1, "0001_a.sql"), END};
    assert_false(list_ok(zero, err, sizeof(err)));
    const struct migration twice[] = {M(1, "0001_a.sql"), M(1, "0001_a.sql"), END};
    assert_false(list_ok(twice, err, sizeof(err)));
    assert_true(strlen(err) > 0);
}

/* The list embedded from migrations/ passes its own check. */
static void test_embedded_list(void **state)
{
    (void)state;
    char err[256];
    assert_true(list_ok(migrations, err, sizeof(err)));
    int latest = migrate_latest();
    assert_true(latest >= 1);
    int n = 0;
    for (const struct migration *m = migrations; m->sql; m++) {
        n++;
        assert_non_null(m->name);
        assert_true(strlen(m->sql) > 0);
        /* The file name starts with the zero-padded version. */
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "%04d_", m->version);
        assert_memory_equal(m->name, prefix, 5);
    }
    assert_int_equal(n, latest);
    assert_null(migrations[n].name);
}

/* ---- migrate_run ---- */


static int setup_db(void **state)
{
    *state = unit_db_new("zhibu.db");
    return *state ? 0 : -1;
}

static int64_t count(struct db *db, const char *sql)
{
    int64_t n = -1;
    assert_true(db_get_int(db, &n, sql, ""));
    return n;
}

static void test_run_fresh(void **state)
{
    struct unit_db *f = *state;
    char err[512] = "";
    int applied = -1;
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, migrate_latest());
    assert_false(db_in_tx(f->db));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations"), migrate_latest());
    assert_int_equal(count(f->db, "SELECT MAX(version) FROM schema_migrations"), migrate_latest());
    /* The foundation tables are there. */
    static const char *const tables[] = {"orgs", "members", "accounts", "roles", "sessions",
                                         "audit_log", "seqs", "idempotency"};
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        int64_t n = -1;
        assert_true(db_get_int(f->db, &n,
                               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = ?",
                               "s", tables[i]));
        if (n != 1)
            fail_msg("table %s missing after migration", tables[i]);
    }

    /* A second run has nothing to do. */
    applied = -1;
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations"), migrate_latest());

    /* And neither does a run on a new connection to the same file. */
    struct db *again = db_open(f->path, err, sizeof(err));
    assert_non_null(again);
    applied = -1;
    assert_int_equal(migrate_run(again, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, 0);
    assert_true(db_integrity_ok(again));
    db_close(again);
}

static void test_refuses_newer(void **state)
{
    struct unit_db *f = *state;
    char err[512] = "";
    int applied = -1;
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), 0);
    assert_int_equal(db_exec(f->db,
                             "INSERT INTO schema_migrations (version, name, applied_at) "
                             "VALUES (?, 'from_the_future.sql', 0)",
                             "i", (int64_t)migrate_latest() + 1),
                     DB_OK);
    err[0] = '\0';
    applied = -1;
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), -1);
    assert_int_equal(applied, 0);
    if (!strstr(err, "newer"))
        fail_msg("the refusal does not say \"newer\": %s", err);
    /* Nothing was changed and no transaction is left open. */
    assert_false(db_in_tx(f->db));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     migrate_latest() + 1);
    /* The connection still works for a later transaction. */
    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db, "DELETE FROM schema_migrations WHERE version > ?", "i",
                             (int64_t)migrate_latest()),
                     DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, 0);
}

/* A database created by hand with part of the history is brought up to date. */
static void test_partial(void **state)
{
    struct unit_db *f = *state;
    char err[512] = "";
    if (migrate_latest() < 2)
        skip(); /* needs two migrations to apply only the second */
    assert_int_equal(db_exec_script(f->db,
                                    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                                    " name TEXT NOT NULL, applied_at INTEGER NOT NULL);",
                                    err, sizeof(err)),
                     DB_OK);
    assert_int_equal(db_exec_script(f->db, migrations[0].sql, err, sizeof(err)), DB_OK);
    assert_int_equal(db_exec(f->db, "INSERT INTO schema_migrations VALUES (1, ?, 0)", "s",
                             migrations[0].name),
                     DB_OK);
    int applied = -1;
    assert_int_equal(migrate_run(f->db, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, migrate_latest() - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_ok),
        cmocka_unit_test(test_embedded_list),
        cmocka_unit_test_setup_teardown(test_run_fresh, setup_db, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer, setup_db, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_partial, setup_db, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
