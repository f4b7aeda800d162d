/*
 * db.h - the backend-neutral store API. Only src/db/ knows the database
 * library. Modules write portable SQL with '?' placeholders and bind values
 * with a format string:
 *
 *   struct db_stmt *st = db_query(db, "SELECT name FROM orgs WHERE id = ?", "i", id);
 *   while (db_next(st))
 *       use(db_text(st, 0));
 *   db_done(st);
 *
 * Format characters: 'i' int64_t, 'I' int64_t where 0 binds NULL (optional
 * references), 's' const char * (NULL binds NULL),
 * 'b' const void * then size_t (a blob), 'n' NULL (no argument),
 * 'l' const struct db_list * (a list of values, read in SQL as {list}).
 *
 * Errors are sticky: any failed statement marks the connection failed until
 * the next db_begin(); the request dispatcher turns a failed connection into
 * a 500 and rolls back, so a handler never acknowledges a write that did not
 * happen. Handlers may check db_failed() to stop early.
 *
 * One connection per thread (db_thread()); statements are prepared once per
 * connection and cached by their SQL text.
 */
#ifndef ZHIBU_DB_H
#define ZHIBU_DB_H

struct db;
struct db_stmt;

enum db_rc {
    DB_OK = 0,
    DB_ERROR = -1,      /* any other failure */
    DB_CONSTRAINT = -2, /* unique / foreign key / check constraint */
    DB_BUSY = -3,       /* lock not obtained within the busy timeout */
    DB_FULL = -4,       /* disk full or I/O error */
};

/* Opens (creating if needed) the database at path with the settings zhibu
 * needs (WAL, synchronous=FULL, foreign keys, busy timeout). NULL on error,
 * with the reason in err (static or malloc'd? always a static buffer copy). */
struct db *db_open(const char *path, char *err, size_t errlen);
void db_close(struct db *db);

/* Process-wide: the path every worker thread opens, and the thread's own
 * connection, opened on first use. db_shutdown() closes every connection. */
void db_configure(const char *path);
struct db *db_thread(void);
void db_shutdown(void);

/* Transactions. A read transaction sees one snapshot; a write transaction
 * takes the write lock at once (so read-then-write inside it cannot race). */
int db_begin(struct db *db, bool write);
/* How many threads of this process are waiting for the write lock now (in
 * db_begin(db, true)): work done in batches lets them in between. */
int db_writers_waiting(void);
int db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_tx(struct db *db);

/*
 * SQL is portable, with ? placeholders. What engines spell differently is
 * written as a marker that each backend translates when it prepares:
 *   {list}                 the rows of a list bound as one parameter ('l', a
 *                          struct db_list below), one column named value:
 *                          "x IN (SELECT value FROM {list})"
 *   {greatest}( {least}(   the larger / smaller of two values
 * scripts/check-sql keeps SQLite-only syntax out of src/mod.
 */
/*
 * A list of ids or strings bound as one parameter (format 'l') and read as
 * the rows of {list}:
 *
 *   struct db_list ids;
 *   db_list_init(&ids, &req->arena);
 *   for (...) db_list_int(&ids, id);
 *   db_query(db, "SELECT name FROM members WHERE id IN (SELECT value FROM {list})",
 *            "l", &ids);
 *
 * How the values travel is the backend's business (SQLite: a JSON array
 * for json_each(?); PostgreSQL: an array for unnest(?)): modules only add
 * values. A list holds values of one kind; strings are UTF-8 without NUL.
 * Grows in the arena a (nothing to release).
 */
struct db_list {
    struct buf text;
    size_t n;
};
void db_list_init(struct db_list *l, struct arena *a);
void db_list_int(struct db_list *l, int64_t v);
void db_list_str(struct db_list *l, const char *s);
/* The first n bytes of s as one value. */
void db_list_strn(struct db_list *l, const char *s, size_t n);

/* Prepares (cached) and binds; NULL if the statement failed (sticky error set). */
struct db_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...);
/* Steps to the next row: true when there is one; false at the end or on error. */
bool db_next(struct db_stmt *st);
int64_t db_int(struct db_stmt *st, int col);
/* Text of a column, NULL for NULL; valid until the next db_next()/db_done(). */
const char *db_text(struct db_stmt *st, int col);
/* Bytes in a text column (it may hold a NUL that C strings hide). */
size_t db_text_len(struct db_stmt *st, int col);
const void *db_blob(struct db_stmt *st, int col, size_t *len);
bool db_isnull(struct db_stmt *st, int col);
/* Releases the statement for reuse. Safe with NULL. */
void db_done(struct db_stmt *st);

/*
 * Columns read by position, named once. A row's columns are one list macro
 * of F(first) and C(each other) entries, (enumerator, SQL expression); it
 * yields both the select list and the enum of the places, so a column added
 * or removed anywhere moves the numbers of the others with it:
 *
 *   #define ORG_COLS(F, C) F(ORG_COL_ID, "id") C(ORG_COL_NAME, "o.name")
 *   enum org_col { DB_COLUMN_ENUM(ORG_COLS) };      ORG_COL_ID = 0, ORG_COL_NAME = 1
 *   #define ORG_COLUMNS DB_COLUMNS(ORG_COLS)       "id, o.name" (one string literal)
 *   ... db_text(st, ORG_COL_NAME) ...
 */
#define DB_COLUMNS(list) list(DB_COL_FIRST_, DB_COL_NEXT_)
#define DB_COLUMN_ENUM(list) list(DB_COL_ENUM_, DB_COL_ENUM_)
#define DB_COL_FIRST_(name, sql) sql
#define DB_COL_NEXT_(name, sql) ", " sql
#define DB_COL_ENUM_(name, sql) name,

/* Runs one statement to completion; returns DB_OK or an error (also sticky). */
int db_exec(struct db *db, const char *sql, const char *fmt, ...);
/* Runs one statement expected to return one integer; returns false if no row. */
bool db_get_int(struct db *db, int64_t *out, const char *sql, const char *fmt, ...);
/* Runs a script of several statements with no parameters (migrations). */
int db_exec_script(struct db *db, const char *sql, char *err, size_t errlen);

int64_t db_last_id(struct db *db);
int db_changes(struct db *db);
/* The sticky error of the current transaction, DB_OK if none. */
int db_failed(struct db *db);
/* Takes the next value of the global change sequence (offline sync). */
int64_t db_next_seq(struct db *db);

/*
 * The store's change and authorisation sequences (seqs 'change', 'auth') as
 * last committed by any process on this host, read from a shared memory
 * page without a transaction: every commit up to the values read is visible
 * to a transaction begun afterwards. False when the page is not available.
 */
bool db_seqs_peek(struct db *db, int64_t *change, int64_t *auth);
/* Tells the page the sequences a transaction read from the store itself;
 * raises the page's values to them (repairing it after a process died
 * between its commit and the update). True when the page holds exactly them. */
bool db_seqs_saw(struct db *db, int64_t change, int64_t auth);

/* "%q%" for `LIKE ? ESCAPE '\'`: q found anywhere, its % _ \ taken literally (arena). */
char *db_like_pattern(struct arena *a, const char *q);

/* Consistent online copy of the open database at src into the file dst,
 * a single file (no WAL) that passes PRAGMA integrity_check. */
int db_backup(const char *src, const char *dst, char *err, size_t errlen);
/* Runs the engine's integrity check; true when it says ok. */
bool db_integrity_ok(struct db *db);
/* Opens the database file PATH read-only (a backup, before a restore): 0 when
 * it passes PRAGMA integrity_check, with its schema version in *version;
 * else -1 with a reason in err. */
int db_check_file(const char *path, int64_t *version, char *err, size_t errlen);
/* True while another process (a running server) has the WAL database at
 * PATH open. */
bool db_in_use(const char *path);

/* Fault injection for tests (a shim VFS "zhibu-fault" around the default
 * one). spec: NULL (no fault), "write:N", "sync:N" or "full:N": from the Nth
 * write (or truncate) / sync / write of the main database and WAL files on,
 * counted from this call, every such call fails with SQLITE_IOERR_WRITE (or
 * _TRUNCATE) / SQLITE_IOERR_FSYNC / SQLITE_FULL until the fault is changed.
 * Only databases opened after the first db_fault_set() go through the shim
 * (so db_fault_set(NULL) before db_open() gives a shimmed connection with no
 * fault); without it nothing is registered and nothing costs. The variable
 * ZHIBU_FAULT (same spec) is read at the first db_open() and again at
 * db_configure(), which restarts the count: `ZHIBU_FAULT=write:5 zhibu serve`
 * fails the fifth write after it starts serving. A bad spec is logged and
 * turns the fault off. Process-wide, thread-safe. */
void db_fault_set(const char *spec);
/* Calls failed by the fault since the last db_fault_set(). */
int db_fault_hits(void);

/* Counters for /metrics. */
uint64_t db_error_count(void);

#endif
