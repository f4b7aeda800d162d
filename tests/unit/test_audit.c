/* test_audit.c - src/core/audit.c: the hash chain on a migrated temporary database. */
#include "app.h"
#include "db/migrate.h"
#include "unit.h"


enum { NROWS = 6 };

static int setup(void **state)
{
    struct unit_db *f = unit_db_new("zhibu.db");
    char err[512] = "";
    int applied = 0;
    if (!f)
        return -1;
    *state = f;
    audit_init(f->dir);
    if (pdata_init(f->dir, err, sizeof(err)) != 0 ||
        migrate_run(f->db, &applied, err, sizeof(err)) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    /* NROWS rows, in two transactions, with NULL and empty fields mixed in. */
    for (int tx = 0; tx < 2; tx++) {
        if (db_begin(f->db, true) != DB_OK)
            return -1;
        for (int i = 0; i < NROWS / 2; i++) {
            int k = tx * (NROWS / 2) + i;
            struct audit_row r = {
                .at = 1700000000 + k,
                .actor_id = k + 1,
                .org_id = k % 2 ? 0 : 10 + k,
                .action = k % 3 ? "org.create" : "auth.login",
                .target = k == 2 ? NULL : "org:12",
                .result = "ok",
                .detail = k == 1 ? "" : k == 4 ? NULL : "renamed 支部 to 第一支部",
                .ip = "192.0.2.7",
                .request_id = k == 5 ? NULL : "0123456789abcdef",
            };
            if (audit_append(f->db, &r) != DB_OK)
                return -1;
        }
        if (db_commit(f->db) != DB_OK)
            return -1;
        audit_anchor();
    }
    *state = f;
    return 0;
}

static int64_t verify(struct db *db, char *err, size_t errlen)
{
    err[0] = '\0';
    assert_int_equal(db_begin(db, false), DB_OK);
    int64_t n = audit_verify(db, false, err, errlen);
    db_rollback(db);
    return n;
}

static void tamper(struct db *db, const char *sql)
{
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, sql, ""), DB_OK);
    assert_int_equal(db_changes(db), 1);
    assert_int_equal(db_commit(db), DB_OK);
}

static void test_intact(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    assert_int_equal(verify(f->db, err, sizeof(err)), NROWS);
    /* The rows are stored as given, linked by prev_hash. */
    int64_t n = 0;
    assert_true(db_get_int(f->db, &n,
                           "SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1 "
                           "WHERE b.prev_hash = a.hash AND length(a.hash) = 32",
                           ""));
    assert_int_equal(n, NROWS - 1);
    assert_true(db_get_int(f->db, &n,
                           "SELECT COUNT(*) FROM audit_log WHERE id = 1 AND prev_hash = zeroblob(32)",
                           ""));
    assert_int_equal(n, 1);
    /* Appending more keeps it valid. */
    assert_int_equal(db_begin(f->db, true), DB_OK);
    struct audit_row r = {.at = 1800000000, .action = "auth.logout", .result = "ok"};
    assert_int_equal(audit_append(f->db, &r), DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    audit_anchor();
    assert_int_equal(verify(f->db, err, sizeof(err)), NROWS + 1);
    /* Emptying the log is caught by the anchor; a log that never had rows
     * (no anchor) verifies as 0 rows. */
    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db, "DELETE FROM audit_log", ""), DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
    char *head = unit_path(f->dir, "audit.head");
    assert_int_equal(unlink(head), 0);
    free(head);
    assert_int_equal(verify(f->db, err, sizeof(err)), 0);
}

static void test_edited_detail(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    tamper(f->db, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = 3");
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
    if (!strstr(err, "row 3"))
        fail_msg("the report does not name row 3: %s", err);
}

/* Every field is covered, including NULL versus empty text. */
static void test_edited_fields(void **state)
{
    struct unit_db *f = *state;
    static const char *const edits[] = {
        "UPDATE audit_log SET at = at + 1 WHERE id = 4",
        "UPDATE audit_log SET actor_id = 99 WHERE id = 4",
        "UPDATE audit_log SET org_id = 1 WHERE id = 4",
        "UPDATE audit_log SET action = 'auth.logout' WHERE id = 4",
        "UPDATE audit_log SET target = 'org:13' WHERE id = 4",
        "UPDATE audit_log SET result = 'denied' WHERE id = 4",
        "UPDATE audit_log SET ip = '192.0.2.8' WHERE id = 4",
        "UPDATE audit_log SET request_id = 'ffffffffffffffff' WHERE id = 4",
        "UPDATE audit_log SET detail = '' WHERE id = 5",     /* NULL -> '' */
        "UPDATE audit_log SET detail = NULL WHERE id = 2",   /* '' -> NULL */
        "UPDATE audit_log SET target = '' WHERE id = 3",     /* NULL -> '' */
        "UPDATE audit_log SET hash = zeroblob(32) WHERE id = 6",
        "UPDATE audit_log SET prev_hash = zeroblob(32) WHERE id = 2",
    };
    char err[256];
    for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
        assert_int_equal(db_begin(f->db, true), DB_OK);
        assert_int_equal(db_exec(f->db, edits[i], ""), DB_OK);
        assert_int_equal(db_changes(f->db), 1);
        err[0] = '\0';
        int64_t n = audit_verify(f->db, false, err, sizeof(err));
        db_rollback(f->db); /* undo the edit for the next one */
        if (n != -1)
            fail_msg("not detected: %s", edits[i]);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(verify(f->db, err, sizeof(err)), NROWS);
}

static void test_deleted_middle(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    tamper(f->db, "DELETE FROM audit_log WHERE id = 3");
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
    if (!strstr(err, "3"))
        fail_msg("the report does not name row 3: %s", err);
}

static void test_deleted_first(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    tamper(f->db, "DELETE FROM audit_log WHERE id = 1");
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
}

/* Deleting a row and renumbering the rest still breaks the chain (ids are hashed). */
static void test_deleted_and_renumbered(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db, "DELETE FROM audit_log WHERE id = 3", ""), DB_OK);
    assert_int_equal(db_exec(f->db, "UPDATE audit_log SET id = id - 1 WHERE id > 3", ""), DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
}

/* A row inserted with a made-up hash (no key) is detected. */
static void test_forged_row(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db,
                             "INSERT INTO audit_log (id, at, actor_id, org_id, action, result, "
                             "prev_hash, hash) SELECT id + 1, at, actor_id, org_id, action, "
                             "result, hash, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                             ""),
                     DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
    if (!strstr(err, "7"))
        fail_msg("the report does not name row 7: %s", err);
}

/* SECURITY.md #11: "an edited or deleted row is detected". Removing the newest rows
 * leaves a shorter chain that is still consistent: the head anchor outside the
 * database (DATA/audit.head) catches it. */
static void test_deleted_last(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    tamper(f->db, "DELETE FROM audit_log WHERE id = 6");
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
}

/* Text columns can hold NUL bytes that C strings hide: bytes after one are still
 * detected. */
static void test_hidden_after_nul(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    tamper(f->db, "UPDATE audit_log SET detail = detail || char(0) || 'hidden' WHERE id = 1");
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
}

/* A missing anchor is reported (its deletion could hide deleted rows), and
 * --reanchor after a restore writes a new one for a valid chain. */
static void test_missing_anchor(void **state)
{
    struct unit_db *f = *state;
    char err[256], *head = unit_path(f->dir, "audit.head");
    assert_int_equal(unlink(head), 0);
    assert_int_equal(verify(f->db, err, sizeof(err)), -1);
    if (!strstr(err, "audit.head"))
        fail_msg("the report does not name the anchor: %s", err);
    assert_int_equal(db_begin(f->db, false), DB_OK);
    assert_int_equal(audit_verify(f->db, true, err, sizeof(err)), NROWS);
    db_rollback(f->db);
    assert_int_equal(verify(f->db, err, sizeof(err)), NROWS);
    free(head);
}

/* A rolled-back append leaves the anchor alone. */
static void test_discarded_append(void **state)
{
    struct unit_db *f = *state;
    char err[256];
    struct audit_row r = {.at = 1, .action = "x", .result = "ok"};
    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(audit_append(f->db, &r), DB_OK);
    db_rollback(f->db);
    audit_discard();
    audit_anchor();
    assert_int_equal(verify(f->db, err, sizeof(err)), NROWS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_edited_detail, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_edited_fields, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_middle, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_first, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_and_renumbered, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_forged_row, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_last, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_hidden_after_nul, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_missing_anchor, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_discarded_append, setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
