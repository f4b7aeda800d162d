/* test_db.c - src/db/db_sqlite.c through db.h on temporary database files. */
#include "app.h"
#include "unit.h"

static const char schema[] =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, ref INTEGER, data BLOB);"
    "CREATE TABLE seqs (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO seqs (name, value) VALUES ('change', 0);"
    "INSERT INTO seqs (name, value) VALUES ('auth', 0);";

static int setup(void **state)
{
    struct unit_db *f = unit_db_new("test.db");
    char err[512] = "";
    if (!f || db_exec_script(f->db, schema, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int64_t count_rows(struct db *db)
{
    int64_t n = -1;
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM t", ""));
    return n;
}

static const char *pragma_text(struct db *db, const char *sql, char *out, size_t n)
{
    struct db_stmt *st = db_query(db, sql, "");
    assert_non_null(st);
    assert_true(db_next(st));
    snprintf(out, n, "%s", db_text(st, 0));
    db_done(st);
    return out;
}

/* db_open: the file appears, with WAL, full sync and foreign keys. */
static void test_open(void **state)
{
    struct unit_db *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    char v[64];
    assert_string_equal(pragma_text(f->db, "PRAGMA journal_mode", v, sizeof(v)), "wal");
    assert_string_equal(pragma_text(f->db, "PRAGMA synchronous", v, sizeof(v)), "2");
    assert_string_equal(pragma_text(f->db, "PRAGMA foreign_keys", v, sizeof(v)), "1");
    assert_true(db_integrity_ok(f->db));

    char err[512] = "";
    char *nowhere = unit_path(f->dir, "no/such/dir/x.db");
    assert_null(db_open(nowhere, err, sizeof(err)));
    assert_true(strlen(err) > 0);
    free(nowhere);
}

static void test_basic(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    const unsigned char blob[] = {0, 1, 2, 0, 255};
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_true(db_in_tx(db));
    assert_int_equal(db_exec(db, "INSERT INTO t (name, ref, data) VALUES (?, ?, ?)", "sib",
                             "中文名", (int64_t)7, blob, sizeof(blob)),
                     DB_OK);
    int64_t first = db_last_id(db);
    assert_true(first > 0);
    assert_int_equal(db_changes(db), 1);
    /* 'I' binds NULL for 0 and the value otherwise; 's' binds NULL for NULL; 'n' is NULL. */
    assert_int_equal(db_exec(db, "INSERT INTO t (name, ref, data) VALUES (?, ?, ?)", "sIn",
                             (const char *)NULL, (int64_t)0),
                     DB_OK);
    int64_t second = db_last_id(db);
    assert_int_equal(second, first + 1);
    assert_int_equal(db_exec(db, "INSERT INTO t (name, ref) VALUES (?, ?)", "sI", "x", (int64_t)5),
                     DB_OK);
    assert_int_equal(db_failed(db), DB_OK);
    assert_int_equal(db_commit(db), DB_OK);
    assert_false(db_in_tx(db));

    assert_int_equal(db_begin(db, false), DB_OK);
    struct db_stmt *st =
        db_query(db, "SELECT id, name, ref, data FROM t WHERE id >= ? ORDER BY id", "i", first);
    assert_non_null(st);
    assert_true(db_next(st));
    assert_int_equal(db_int(st, 0), first);
    assert_string_equal(db_text(st, 1), "中文名");
    assert_int_equal(db_int(st, 2), 7);
    size_t n = 0;
    const unsigned char *b = db_blob(st, 3, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(b, blob, sizeof(blob));
    assert_false(db_isnull(st, 2));

    assert_true(db_next(st));
    assert_int_equal(db_int(st, 0), second);
    assert_true(db_isnull(st, 1));
    assert_null(db_text(st, 1));
    assert_true(db_isnull(st, 2)); /* 'I' with 0 */
    assert_true(db_isnull(st, 3));

    assert_true(db_next(st));
    assert_string_equal(db_text(st, 1), "x");
    assert_false(db_isnull(st, 2));
    assert_int_equal(db_int(st, 2), 5);
    assert_false(db_next(st));
    db_done(st);
    assert_int_equal(db_commit(db), DB_OK);

    /* db_get_int: false when there is no row. */
    int64_t v = 99;
    assert_false(db_get_int(db, &v, "SELECT id FROM t WHERE id = ?", "i", (int64_t)-5));
    assert_int_equal(v, 99);
    assert_true(db_get_int(db, &v, "SELECT COUNT(*) FROM t WHERE ref IS NULL", ""));
    assert_int_equal(v, 1);

    /* db_changes after an UPDATE. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "UPDATE t SET ref = 1", ""), DB_OK);
    assert_int_equal(db_changes(db), 3);
    assert_int_equal(db_commit(db), DB_OK);

    /* A rollback discards. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "DELETE FROM t", ""), DB_OK);
    assert_int_equal(count_rows(db), 0);
    db_rollback(db);
    assert_false(db_in_tx(db));
    assert_int_equal(count_rows(db), 3);

    /* NULL statements are harmless. */
    assert_false(db_next(NULL));
    db_done(NULL);
}

/* A failed statement poisons the transaction: db_commit rolls it all back. */
static void test_sticky_error(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    assert_int_equal(count_rows(db), 0);

    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (1, 'kept?')", ""), DB_OK);
    assert_int_equal(db_failed(db), DB_OK);
    int rc = db_exec(db, "INSERT INTO no_such_table VALUES (1)", "");
    assert_int_not_equal(rc, DB_OK);
    assert_int_not_equal(db_failed(db), DB_OK);
    /* Later statements still run, but the error stays. */
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (2, 'after')", ""), DB_OK);
    assert_int_not_equal(db_failed(db), DB_OK);
    assert_null(db_query(db, "SELEKT 1", ""));
    int failed = db_failed(db);
    rc = db_commit(db);
    assert_int_not_equal(rc, DB_OK);
    assert_int_equal(rc, failed);
    assert_false(db_in_tx(db));
    /* The error is still visible until the next transaction... */
    assert_int_not_equal(db_failed(db), DB_OK);
    /* ...and nothing of the transaction was stored. */
    assert_int_equal(count_rows(db), 0);

    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_failed(db), DB_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (1, 'one')", ""), DB_OK);
    assert_int_equal(db_commit(db), DB_OK);
    assert_int_equal(count_rows(db), 1);

    /* A constraint violation is reported as such, and is sticky too. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (2, 'two')", ""), DB_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (1, 'dup')", ""), DB_CONSTRAINT);
    assert_int_equal(db_failed(db), DB_CONSTRAINT);
    assert_int_equal(db_commit(db), DB_CONSTRAINT);
    assert_int_equal(count_rows(db), 1);

    /* A failing step inside db_next is sticky as well. */
    assert_int_equal(db_begin(db, true), DB_OK);
    struct db_stmt *st =
        db_query(db, "INSERT INTO t (id, name) VALUES (1, 'dup') RETURNING id", "");
    assert_non_null(st);
    assert_false(db_next(st));
    db_done(st);
    assert_int_equal(db_failed(db), DB_CONSTRAINT);
    db_rollback(db);
    assert_int_equal(count_rows(db), 1);
}

/* The same SQL text in two live statements at once. */
static void test_nested_same_sql(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    static const char sql[] = "SELECT id FROM t WHERE id > ? ORDER BY id";
    assert_int_equal(db_begin(db, true), DB_OK);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)i), DB_OK);
    assert_int_equal(db_commit(db), DB_OK);

    for (int round = 0; round < 3; round++) {
        assert_int_equal(db_begin(db, false), DB_OK);
        struct db_stmt *outer = db_query(db, sql, "i", (int64_t)0);
        assert_non_null(outer);
        int64_t pairs = 0, outer_rows = 0;
        while (db_next(outer)) {
            int64_t a = db_int(outer, 0);
            outer_rows++;
            assert_int_equal(a, outer_rows);
            struct db_stmt *inner = db_query(db, sql, "i", a);
            assert_non_null(inner);
            assert_ptr_not_equal(inner, outer);
            int64_t want = a + 1;
            while (db_next(inner)) {
                assert_int_equal(db_int(inner, 0), want);
                want++;
                pairs++;
            }
            db_done(inner);
            /* The outer statement is unaffected. */
            assert_int_equal(db_int(outer, 0), a);
        }
        db_done(outer);
        assert_int_equal(outer_rows, 5);
        assert_int_equal(pairs, 10); /* 4+3+2+1+0 */
        assert_int_equal(db_failed(db), DB_OK);
        assert_int_equal(db_commit(db), DB_OK);
    }

    /* A statement left open at commit is reset, and its SQL can be used again. */
    assert_int_equal(db_begin(db, false), DB_OK);
    struct db_stmt *open = db_query(db, sql, "i", (int64_t)0);
    assert_true(db_next(open));
    assert_int_equal(db_commit(db), DB_OK);
    int64_t v = 0;
    assert_true(db_get_int(db, &v, sql, "i", (int64_t)3));
    assert_int_equal(v, 4);
}

static void test_next_seq(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    int64_t last = 0;
    for (int tx = 0; tx < 4; tx++) {
        assert_int_equal(db_begin(db, true), DB_OK);
        for (int i = 0; i < 5; i++) {
            int64_t s = db_next_seq(db);
            if (s <= last)
                fail_msg("db_next_seq gave %" PRId64 " after %" PRId64, s, last);
            last = s;
        }
        assert_int_equal(db_commit(db), DB_OK);
    }
    assert_int_equal(last, 20);
    /* A rolled-back transaction does not move the committed sequence. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_next_seq(db), 21);
    db_rollback(db);
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_next_seq(db), 21);
    assert_int_equal(db_commit(db), DB_OK);

    /* Without the sequence row the call fails and marks the transaction. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "DELETE FROM seqs", ""), DB_OK);
    db_next_seq(db);
    assert_int_not_equal(db_failed(db), DB_OK);
    assert_int_not_equal(db_commit(db), DB_OK);
    int64_t n = 0;
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM seqs", ""));
    assert_int_equal(n, 2);
}

/* Sum over every row's contents, to compare two databases. */
static uint64_t checksum(struct db *db, int64_t *rows)
{
    uint64_t sum = 0;
    *rows = 0;
    struct db_stmt *st = db_query(db, "SELECT id, name, ref FROM t ORDER BY id", "");
    while (db_next(st)) {
        const char *name = db_text(st, 1);
        sum = sum * 31 + (uint64_t)db_int(st, 0) * 7 + (uint64_t)db_int(st, 2);
        for (const char *c = name ? name : ""; *c; c++)
            sum = sum * 131 + (unsigned char)*c;
        (*rows)++;
    }
    db_done(st);
    return sum;
}

static void test_backup(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    assert_int_equal(db_begin(db, true), DB_OK);
    for (int i = 1; i <= 3000; i++)
        assert_int_equal(db_exec(db, "INSERT INTO t (id, name, ref) VALUES (?, ?, ?)", "isi",
                                 (int64_t)i, i % 2 ? "支部成员" : "member", (int64_t)(i * 3)),
                         DB_OK);
    assert_int_equal(db_commit(db), DB_OK);
    int64_t rows = 0;
    uint64_t sum = checksum(db, &rows);
    assert_int_equal(rows, 3000);

    /* An uncommitted write in progress must not reach the copy. */
    assert_int_equal(db_begin(db, true), DB_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (99999, 'uncommitted')", ""),
                     DB_OK);

    char err[512] = "";
    char *dst = unit_path(f->dir, "backup.db");
    assert_int_equal(db_backup(f->path, dst, err, sizeof(err)), DB_OK);
    db_rollback(db);

    struct db *copy = db_open(dst, err, sizeof(err));
    assert_non_null(copy);
    assert_true(db_integrity_ok(copy));
    int64_t crows = 0;
    assert_int_equal(checksum(copy, &crows), sum);
    assert_int_equal(crows, 3000);
    int64_t n = -1;
    assert_true(db_get_int(copy, &n, "SELECT COUNT(*) FROM t WHERE id = 99999", ""));
    assert_int_equal(n, 0);
    db_close(copy);
    free(dst);

    /* A destination that cannot be created is an error with a reason. */
    err[0] = '\0';
    char *bad = unit_path(f->dir, "missing/dir/backup.db");
    assert_int_equal(db_backup(f->path, bad, err, sizeof(err)), DB_ERROR);
    assert_true(strlen(err) > 0);
    free(bad);
    /* So is a source that does not exist (and it is not created). */
    char *nosrc = unit_path(f->dir, "nosuch.db");
    char *dst2 = unit_path(f->dir, "b2.db");
    assert_int_equal(db_backup(nosrc, dst2, err, sizeof(err)), DB_ERROR);
    struct stat st;
    assert_int_not_equal(stat(nosrc, &st), 0);
    free(nosrc);
    free(dst2);
}

/* The shared sequence page: a commit that changed seqs shows on every
 * connection's page (another process's too: the page is a shared mapping of
 * a file), without a transaction; a rolled-back one does not; a commit that
 * missed its update is repaired by what a transaction reads. */
static void test_seq_page(void **state)
{
    struct unit_db *f = *state;
    char err[512];
    struct db *other = db_open(f->path, err, sizeof(err));
    assert_non_null(other);
    int64_t change, auth;
    assert_true(db_seqs_peek(other, &change, &auth));
    int64_t c0 = change;

    assert_int_equal(db_begin(f->db, true), DB_OK);
    int64_t seq = db_next_seq(f->db);
    assert_true(db_seqs_peek(other, &change, &auth));
    assert_int_equal(change, c0); /* not before the commit */
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_true(db_seqs_peek(other, &change, &auth));
    assert_int_equal(change, seq);

    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db, "UPDATE seqs SET value = value + 1 WHERE name = 'auth'", ""),
                     DB_OK);
    db_rollback(f->db);
    assert_true(db_seqs_peek(other, &change, &auth));
    assert_int_equal(auth, 0);

    assert_int_equal(db_begin(f->db, true), DB_OK);
    assert_int_equal(db_exec(f->db, "UPDATE seqs SET value = 7 WHERE name = 'auth'", ""), DB_OK);
    assert_int_equal(db_commit(f->db), DB_OK);
    assert_true(db_seqs_peek(other, &change, &auth));
    assert_int_equal(auth, 7);

    /* A write outside db_commit (as if its process died before the update):
     * the page trails the store until a transaction reports what it read. */
    assert_int_equal(db_exec(f->db, "UPDATE seqs SET value = value + 5 WHERE name = 'change'", ""),
                     DB_OK);
    assert_true(db_seqs_peek(other, &change, &auth));
    assert_int_equal(change, seq);
    assert_true(db_seqs_saw(other, seq + 5, 7));
    assert_true(db_seqs_peek(f->db, &change, &auth));
    assert_int_equal(change, seq + 5);
    /* An older snapshot never lowers it, and is told it is not the newest. */
    assert_false(db_seqs_saw(other, seq, 7));
    assert_true(db_seqs_peek(f->db, &change, &auth));
    assert_int_equal(change, seq + 5);
    db_close(other);
}

/* The dialect markers: {list} rows of a JSON array, {greatest}( and {least}(. */
static void test_dialect(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    assert_int_equal(db_begin(db, false), DB_OK);
    int64_t n = -1;
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM {list}", "s", "[3, 1, 2]"));
    assert_int_equal(n, 3);
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM {list}", "s", "[]"));
    assert_int_equal(n, 0);
    assert_true(
        db_get_int(db, &n, "SELECT SUM(r.value) FROM {list} r WHERE r.value > ?", "si", "[3, 1, 2]",
                   (int64_t)1));
    assert_int_equal(n, 5);
    /* Strings with quotes and CJK, and a marker twice in one statement. */
    assert_true(db_get_int(db, &n,
                           "SELECT COUNT(*) FROM {list} a JOIN {list} b ON a.value = b.value", "ss",
                           "[\"党'建\", \"x\"]", "[\"党'建\"]"));
    assert_int_equal(n, 1);
    assert_true(db_get_int(db, &n, "SELECT {greatest}(?, 5) + {least}(?, 5)", "ii", (int64_t)9,
                           (int64_t)2));
    assert_int_equal(n, 11);
    /* Braces that are no marker stay as they are. */
    const char *text = NULL;
    struct db_stmt *st = db_query(db, "SELECT '{x}' || ?", "s", "{list}");
    assert_true(db_next(st));
    text = db_text(st, 0);
    assert_string_equal(text, "{x}{list}");
    db_done(st);
    db_rollback(db);
}

/* A column list yields the select list and the places, in one order. */
#define T_COLS(F, C) F(T_COL_A, "a") C(T_COL_B, "upper(b)") C(T_COL_C, "c AS x")
enum t_col { DB_COLUMN_ENUM(T_COLS) };

static void test_columns(void **state)
{
    struct unit_db *f = *state;
    assert_string_equal(DB_COLUMNS(T_COLS), "a, upper(b), c AS x");
    assert_int_equal(T_COL_A, 0);
    assert_int_equal(T_COL_B, 1);
    assert_int_equal(T_COL_C, 2);
    assert_int_equal(db_begin(f->db, false), DB_OK);
    struct db_stmt *st =
        db_query(f->db, "SELECT " DB_COLUMNS(T_COLS) " FROM (SELECT 1 AS a, 'q' AS b, 3 AS c)", "");
    assert_true(db_next(st));
    assert_int_equal(db_int(st, T_COL_A), 1);
    assert_string_equal(db_text(st, T_COL_B), "Q");
    assert_int_equal(db_int(st, T_COL_C), 3);
    db_done(st);
    db_rollback(f->db);
}

/* A db_list bound with 'l': no value, one, many; strings with quotes,
 * backslashes and CJK come back byte for byte. */
static void test_list(void **state)
{
    struct unit_db *f = *state;
    struct db *db = f->db;
    struct arena a;
    arena_init(&a);
    assert_int_equal(db_begin(db, false), DB_OK);
    int64_t n = -1;

    struct db_list none;
    db_list_init(&none, &a);
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM {list}", "l", &none));
    assert_int_equal(n, 0);
    assert_true(db_get_int(db, &n,
                           "SELECT COUNT(*) FROM (SELECT 1 AS x) WHERE 1 IN (SELECT value "
                           "FROM {list})",
                           "l", &none));
    assert_int_equal(n, 0);

    struct db_list one;
    db_list_init(&one, &a);
    db_list_int(&one, INT64_MAX);
    assert_true(db_get_int(db, &n, "SELECT COUNT(*) FROM {list} WHERE value = ?", "li", &one,
                           (int64_t)INT64_MAX));
    assert_int_equal(n, 1);

    struct db_list many;
    db_list_init(&many, &a);
    int64_t sum = 0;
    for (int64_t i = -500; i < 1500; i++) {
        db_list_int(&many, i);
        sum += i;
    }
    assert_int_equal(many.n, 2000);
    assert_true(db_get_int(db, &n, "SELECT SUM(value) FROM {list}", "l", &many));
    assert_int_equal(n, sum);

    const char *strs[] = {"党'建", "say \"hi\"", "back\\slash", "tab\tnew\nline",
                          "",      "/1/5/",      "😀 emoji"};
    struct db_list sl;
    db_list_init(&sl, &a);
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
        db_list_str(&sl, strs[i]);
    db_list_strn(&sl, "/1/5/9/", 5); /* a prefix: "/1/5/" again */
    struct db_stmt *st = db_query(db, "SELECT value FROM {list} ORDER BY key", "l", &sl);
    size_t k = 0;
    while (db_next(st)) {
        const char *want = k < ARRAY_SIZE(strs) ? strs[k] : "/1/5/";
        assert_string_equal(db_text(st, 0), want);
        k++;
    }
    db_done(st);
    assert_int_equal(k, ARRAY_SIZE(strs) + 1);
    /* Matched against a bound string, as the modules use it. */
    assert_true(
        db_get_int(db, &n, "SELECT COUNT(*) FROM {list} WHERE value = ?", "ls", &sl, "/1/5/"));
    assert_int_equal(n, 2);
    assert_true(
        db_get_int(db, &n, "SELECT COUNT(*) FROM {list} WHERE value = ?", "ls", &sl, "党'建"));
    assert_int_equal(n, 1);
    db_rollback(db);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_basic, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_sticky_error, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_nested_same_sql, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_next_seq, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_seq_page, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_dialect, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_columns, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
