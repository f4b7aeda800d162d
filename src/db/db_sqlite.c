/*
 * db_sqlite.c - the SQLite implementation of db.h.
 */
#include "app.h"

#include <pthread.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define STMT_CACHE 128 /* buckets; entries chain */
#define BUSY_TIMEOUT_MS 5000
_Static_assert(BUSY_TIMEOUT_MS >= 100, "busy_wait tries every millisecond for the first 100 ms");

struct db_stmt {
    struct db *db;
    sqlite3_stmt *st;
    char *sql; /* owned */
    uint32_t hash;
    bool in_use;
    bool cached;          /* false: finalize when done */
    struct db_stmt *next; /* cache chain or loose list */
};

struct db {
    sqlite3 *h;
    struct db_stmt *cache[STMT_CACHE];
    /* Direct-mapped by the SQL text's address: statements are string
     * literals, so this finds them without hashing or comparing the text. */
    struct {
        const char *sql;
        struct db_stmt *stmt;
    } by_addr[STMT_CACHE];
    struct db_stmt *loose; /* uncached statements (nested use of one SQL) */
    int failed;            /* sticky error of the current transaction */
    bool in_tx;
    /* BEGIN, BEGIN IMMEDIATE, COMMIT, ROLLBACK: prepared once, not parsed per request. */
    sqlite3_stmt *tx[4];
    struct seq_page *seqs; /* the shared sequence page (NULL: none) */
    bool seqs_written;     /* this transaction changed a row of seqs */
};

/*
 * The shared sequence page: the store's sequences as last committed, in a
 * page of shared memory (the file DB-seqs next to the database) that every
 * process with the database open maps. A commit that changed the seqs table
 * raises the page's values to the ones it committed, after the commit, so a
 * reader that finds value V there knows that every commit up to V is
 * visible. Readers use it to check cached answers without a transaction
 * (db_seqs_peek); the values are also raised from what transactions read
 * (db_seqs_saw), which repairs the page when a process died between its
 * commit and the update.
 */
struct seq_page {
    _Atomic int64_t change, auth;
};

static void seq_page_map(struct db *db, const char *path);

enum { TX_BEGIN, TX_BEGIN_IMMEDIATE, TX_COMMIT, TX_ROLLBACK };

static atomic_uint_fast64_t db_errors;
static char *db_path;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db **conns;
static size_t conns_len;
static _Thread_local struct db *thread_db;

uint64_t db_error_count(void)
{
    return atomic_load(&db_errors);
}

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return DB_OK;
    case SQLITE_CONSTRAINT:
        return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_BUSY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
        return DB_FULL;
    default:
        return DB_ERROR;
    }
}

/* Records a failure: sticky on the connection, counted, logged. */
static int db_fail(struct db *db, int rc, const char *what)
{
    int mapped = map_rc(rc);
    if (mapped == DB_OK)
        mapped = DB_ERROR;
    if (!db->failed)
        db->failed = mapped;
    atomic_fetch_add(&db_errors, 1);
    log_error("db: %s: %s", what, sqlite3_errmsg(db->h));
    return mapped;
}

/* ---- fault injection: the "zhibu-fault" shim VFS (see db.h) ---- */

enum fault_mode { FAULT_OFF, FAULT_WRITE, FAULT_SYNC, FAULT_FULL };

static atomic_int fault_mode;
static atomic_int_fast64_t fault_left; /* counted calls until the first failure */
static atomic_int fault_hits;
static atomic_bool fault_shim; /* open new connections through the shim */
static sqlite3_vfs *fault_real;

/* A shim file: our header, then the real file's storage. */
struct fault_file {
    sqlite3_file base;
    bool counted; /* main database or WAL */
    sqlite3_file *real;
};

/* True when this call of kind `mode` must fail. */
static bool fault_fire(const struct fault_file *f, enum fault_mode mode)
{
    if (!f->counted || atomic_load_explicit(&fault_mode, memory_order_relaxed) != (int)mode)
        return false;
    if (atomic_fetch_sub(&fault_left, 1) > 1)
        return false;
    atomic_fetch_add(&fault_hits, 1);
    return true;
}

static int ff_close(sqlite3_file *p)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
}

static int ff_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int ff_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off)
{
    struct fault_file *f = (struct fault_file *)p;
    if (fault_fire(f, FAULT_WRITE))
        return SQLITE_IOERR_WRITE;
    if (fault_fire(f, FAULT_FULL))
        return SQLITE_FULL;
    return f->real->pMethods->xWrite(f->real, buf, n, off);
}

static int ff_truncate(sqlite3_file *p, sqlite3_int64 size)
{
    struct fault_file *f = (struct fault_file *)p;
    if (fault_fire(f, FAULT_WRITE))
        return SQLITE_IOERR_TRUNCATE;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int ff_sync(sqlite3_file *p, int flags)
{
    struct fault_file *f = (struct fault_file *)p;
    if (fault_fire(f, FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return f->real->pMethods->xSync(f->real, flags);
}

static int ff_size(sqlite3_file *p, sqlite3_int64 *size)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int ff_lock(sqlite3_file *p, int lock)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xLock(f->real, lock);
}

static int ff_unlock(sqlite3_file *p, int lock)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int ff_check_lock(sqlite3_file *p, int *out)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int ff_control(sqlite3_file *p, int op, void *arg)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int ff_sector(sqlite3_file *p)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xSectorSize(f->real);
}

static int ff_device(sqlite3_file *p)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int ff_shm_map(sqlite3_file *p, int page, int size, int extend, void volatile **out)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int ff_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *p)
{
    struct fault_file *f = (struct fault_file *)p;
    f->real->pMethods->xShmBarrier(f->real);
}

static int ff_shm_unmap(sqlite3_file *p, int delete_flag)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

static int ff_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xFetch(f->real, off, n, out);
}

static int ff_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
    struct fault_file *f = (struct fault_file *)p;
    return f->real->pMethods->xUnfetch(f->real, off, page);
}

/* Version 3 like the unix VFS's files (checked when a file is opened). */
static const sqlite3_io_methods fault_io = {
    .iVersion = 3,
    .xClose = ff_close,
    .xRead = ff_read,
    .xWrite = ff_write,
    .xTruncate = ff_truncate,
    .xSync = ff_sync,
    .xFileSize = ff_size,
    .xLock = ff_lock,
    .xUnlock = ff_unlock,
    .xCheckReservedLock = ff_check_lock,
    .xFileControl = ff_control,
    .xSectorSize = ff_sector,
    .xDeviceCharacteristics = ff_device,
    .xShmMap = ff_shm_map,
    .xShmLock = ff_shm_lock,
    .xShmBarrier = ff_shm_barrier,
    .xShmUnmap = ff_shm_unmap,
    .xFetch = ff_fetch,
    .xUnfetch = ff_unfetch,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out_flags)
{
    (void)vfs;
    struct fault_file *f = (struct fault_file *)p;
    f->real = (sqlite3_file *)(f + 1);
    f->counted = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
    int rc = fault_real->xOpen(fault_real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        /* The real file is closed here: SQLite only closes what has pMethods. */
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        p->pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (f->real->pMethods->iVersion < 3)
        BUG("fault VFS: the default VFS's files are version %d", f->real->pMethods->iVersion);
    p->pMethods = &fault_io;
    return SQLITE_OK;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return fault_real->xDelete(fault_real, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return fault_real->xAccess(fault_real, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return fault_real->xFullPathname(fault_real, name, n, out);
}

static void *fv_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return fault_real->xDlOpen(fault_real, name);
}

static void fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    fault_real->xDlError(fault_real, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return fault_real->xDlSym(fault_real, h, sym);
}

static void fv_dl_close(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    fault_real->xDlClose(fault_real, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return fault_real->xRandomness(fault_real, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return fault_real->xSleep(fault_real, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return fault_real->xCurrentTime(fault_real, out);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return fault_real->xGetLastError(fault_real, n, out);
}

static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return fault_real->xCurrentTimeInt64(fault_real, out);
}

static sqlite3_vfs fault_vfs = {
    .iVersion = 2,
    .zName = "zhibu-fault",
    .xOpen = fv_open,
    .xDelete = fv_delete,
    .xAccess = fv_access,
    .xFullPathname = fv_full_pathname,
    .xDlOpen = fv_dl_open,
    .xDlError = fv_dl_error,
    .xDlSym = fv_dl_sym,
    .xDlClose = fv_dl_close,
    .xRandomness = fv_randomness,
    .xSleep = fv_sleep,
    .xCurrentTime = fv_current_time,
    .xGetLastError = fv_last_error,
    .xCurrentTimeInt64 = fv_current_time64,
};

static void fault_register(void)
{
    fault_real = sqlite3_vfs_find(NULL);
    if (!fault_real || fault_real->iVersion < 2)
        BUG("fault VFS: no default VFS of version 2");
    fault_vfs.szOsFile = (int)sizeof(struct fault_file) + fault_real->szOsFile;
    fault_vfs.mxPathname = fault_real->mxPathname;
    if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK)
        BUG("fault VFS: cannot register");
}

void db_fault_set(const char *spec)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fault_register);
    enum fault_mode mode = FAULT_OFF;
    long long n = 0;
    if (spec) {
        static const char *const names[] = {"write:", "sync:", "full:"};
        for (size_t i = 0; i < ARRAY_SIZE(names) && mode == FAULT_OFF; i++) {
            size_t len = strlen(names[i]);
            char *end;
            if (strncmp(spec, names[i], len) != 0)
                continue;
            errno = 0;
            n = strtoll(spec + len, &end, 10);
            if (errno || end == spec + len || *end || n < 1)
                break;
            mode = (enum fault_mode)(i + 1);
        }
        if (mode == FAULT_OFF)
            log_error("db: bad fault spec \"%s\" (write:N, sync:N or full:N): no fault", spec);
        else
            log_warn("db: fault injection: %s", spec);
    }
    atomic_store(&fault_mode, FAULT_OFF);
    atomic_store(&fault_left, n);
    atomic_store(&fault_hits, 0);
    atomic_store(&fault_mode, (int)mode);
    atomic_store(&fault_shim, true);
}

int db_fault_hits(void)
{
    return atomic_load(&fault_hits);
}

/* ZHIBU_FAULT, if set, arms the shim (and restarts its count). */
static void fault_from_env(void)
{
    const char *spec = getenv("ZHIBU_FAULT");
    if (spec && *spec)
        db_fault_set(spec);
}

/* Process-wide settings, before the first connection: no global memory
 * statistics (they take a mutex on every allocation). */
static void sqlite_configure_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    fault_from_env();
}

/*
 * Waiting for the write lock (or a checkpoint): SQLite's own busy timeout
 * sleeps longer the longer it waits (up to 100 ms a try), so a write queued
 * behind a 50 ms one often waits 80. Here: a try every millisecond for the
 * first 100 ms, every 10 ms after that, BUSY_TIMEOUT_MS in all. The write
 * lock is taken at BEGIN IMMEDIATE, so only the first statement of a write
 * transaction waits here.
 */
static int busy_wait(void *arg, int tries)
{
    (void)arg;
    enum { FAST_TRIES = 100 };
    if (tries >= FAST_TRIES + (BUSY_TIMEOUT_MS - FAST_TRIES) / 10)
        return 0;
    sqlite3_sleep(tries < FAST_TRIES ? 1 : 10);
    return 1;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_configure_once);
    sqlite3 *h = NULL;
    int rc =
        sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        atomic_load(&fault_shim) ? fault_vfs.zName : NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_handler(h, busy_wait, NULL);
    sqlite3_extended_result_codes(h, 1);
    static const char *const pragmas[] = {
        "PRAGMA journal_mode=WAL",
        /* Every acknowledged write is on disk: a phone deletes its offline
         * copy when the server says OK. */
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA temp_store=MEMORY",
        "PRAGMA cache_size=-16000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(pragmas); i++) {
        char *msg = NULL;
        if (sqlite3_exec(h, pragmas[i], NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", pragmas[i], msg ? msg : "failed");
            sqlite3_free(msg);
            sqlite3_close(h);
            return NULL;
        }
    }
    /* journal_mode can silently stay "delete" (e.g. on some file systems). */
    sqlite3_stmt *st;
    bool wal = false;
    if (sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
    }
    if (!wal) {
        snprintf(err, errlen, "%s: the file system does not support WAL mode", path);
        sqlite3_close(h);
        return NULL;
    }
    /* An acknowledged write must survive a crash: refuse to run if
     * synchronous=FULL did not take (2 is FULL, 3 EXTRA is stronger). */
    int sync = -1;
    if (sqlite3_prepare_v2(h, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            sync = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (sync < 2) {
        snprintf(err, errlen, "%s: cannot set PRAGMA synchronous=FULL (got %d)", path, sync);
        sqlite3_close(h);
        return NULL;
    }
    struct db *db = xcalloc(1, sizeof(*db));
    db->h = h;
    seq_page_map(db, path);
    return db;
}

static void raise_to(_Atomic int64_t *at, int64_t v)
{
    int64_t cur = atomic_load(at);
    while (cur < v && !atomic_compare_exchange_weak(at, &cur, v))
        ;
}

static void seqs_hook(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 row)
{
    (void)op, (void)dbname, (void)row;
    if (!strcmp(table, "seqs"))
        ((struct db *)arg)->seqs_written = true;
}

/* Maps PATH-seqs (created if missing) and watches writes to seqs. A
 * database without a file (":memory:") or a page that cannot be mapped
 * simply has none: readers then always use transactions. */
static void seq_page_map(struct db *db, const char *path)
{
    if (!strcmp(path, ":memory:") || !*path)
        return;
    char name[PATH_MAX];
    if (snprintf(name, sizeof(name), "%s-seqs", path) >= (int)sizeof(name))
        return;
    int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) || (st.st_size < (off_t)sizeof(struct seq_page) &&
                           ftruncate(fd, (off_t)sizeof(struct seq_page)))) {
        close(fd);
        return;
    }
    void *m = mmap(NULL, sizeof(struct seq_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return;
    db->seqs = m;
    sqlite3_update_hook(db->h, seqs_hook, db);
}

bool db_seqs_peek(struct db *db, int64_t *change, int64_t *auth)
{
    if (!db || !db->seqs)
        return false;
    *change = atomic_load(&db->seqs->change);
    *auth = atomic_load(&db->seqs->auth);
    return true;
}

bool db_seqs_saw(struct db *db, int64_t change, int64_t auth)
{
    if (!db || !db->seqs)
        return false;
    raise_to(&db->seqs->change, change);
    raise_to(&db->seqs->auth, auth);
    return atomic_load(&db->seqs->change) == change && atomic_load(&db->seqs->auth) == auth;
}

static void stmt_free(struct db_stmt *s)
{
    sqlite3_finalize(s->st);
    free(s->sql);
    free(s);
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < STMT_CACHE; i++) {
        struct db_stmt *s = db->cache[i];
        while (s) {
            struct db_stmt *next = s->next;
            stmt_free(s);
            s = next;
        }
    }
    while (db->loose) {
        struct db_stmt *next = db->loose->next;
        stmt_free(db->loose);
        db->loose = next;
    }
    if (db->in_tx)
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(db->tx); i++)
        sqlite3_finalize(db->tx[i]);
    sqlite3_close(db->h);
    if (db->seqs)
        munmap(db->seqs, sizeof(*db->seqs));
    free(db);
}

void db_configure(const char *path)
{
    free(db_path);
    db_path = xstrdup(path);
    fault_from_env();
}

struct db *db_thread(void)
{
    if (thread_db)
        return thread_db;
    char err[512];
    if (!db_path)
        BUG("db_thread() before db_configure()");
    struct db *db = db_open(db_path, err, sizeof(err));
    if (!db) {
        log_error("%s", err);
        return NULL;
    }
    pthread_mutex_lock(&conns_lock);
    conns = xrealloc(conns, (conns_len + 1) * sizeof(*conns));
    conns[conns_len++] = db;
    pthread_mutex_unlock(&conns_lock);
    thread_db = db;
    return db;
}

void db_shutdown(void)
{
    pthread_mutex_lock(&conns_lock);
    for (size_t i = 0; i < conns_len; i++)
        db_close(conns[i]);
    free(conns);
    conns = NULL;
    conns_len = 0;
    pthread_mutex_unlock(&conns_lock);
    thread_db = NULL;
}

/* Resets every statement still in use: called when a transaction ends. */
static void release_statements(struct db *db)
{
    for (size_t i = 0; i < STMT_CACHE; i++)
        for (struct db_stmt *s = db->cache[i]; s; s = s->next)
            if (s->in_use) {
                sqlite3_reset(s->st);
                s->in_use = false;
            }
    while (db->loose) {
        struct db_stmt *next = db->loose->next;
        stmt_free(db->loose);
        db->loose = next;
    }
}

/* Runs one of the transaction-control statements, prepared on first use. */
static int tx_exec(struct db *db, int which)
{
    static const char *const sql[] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
    if (!db->tx[which]) {
        int rc = sqlite3_prepare_v3(db->h, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                    &db->tx[which], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    int rc = sqlite3_step(db->tx[which]);
    sqlite3_reset(db->tx[which]);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static atomic_int writers_waiting;

int db_writers_waiting(void)
{
    return atomic_load(&writers_waiting);
}

int db_begin(struct db *db, bool write)
{
    assert(!db->in_tx);
    db->failed = DB_OK;
    db->seqs_written = false;
    if (write)
        atomic_fetch_add(&writers_waiting, 1);
    int rc = tx_exec(db, write ? TX_BEGIN_IMMEDIATE : TX_BEGIN);
    if (write)
        atomic_fetch_sub(&writers_waiting, 1);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, "begin");
    db->in_tx = true;
    return DB_OK;
}

int db_commit(struct db *db)
{
    assert(db->in_tx);
    release_statements(db);
    if (db->failed) {
        db_rollback(db);
        return db->failed;
    }
    /* The sequences this commit leaves, for the shared page. */
    int64_t change = -1, auth = -1;
    if (db->seqs_written && db->seqs) {
        struct db_stmt *st = db_query(db,
                                      "SELECT (SELECT value FROM seqs WHERE name = 'change'), "
                                      "(SELECT value FROM seqs WHERE name = 'auth')",
                                      "");
        if (db_next(st)) {
            change = db_int(st, 0);
            auth = db_isnull(st, 1) ? -1 : db_int(st, 1);
        }
        db_done(st);
        release_statements(db);
    }
    int rc = tx_exec(db, TX_COMMIT);
    if (rc != SQLITE_OK) {
        int mapped = db_fail(db, rc, "commit");
        db_rollback(db);
        return mapped;
    }
    db->in_tx = false;
    if (change >= 0) {
        raise_to(&db->seqs->change, change);
        raise_to(&db->seqs->auth, auth);
    }
    return DB_OK;
}

void db_rollback(struct db *db)
{
    release_statements(db);
    if (sqlite3_get_autocommit(db->h) == 0)
        tx_exec(db, TX_ROLLBACK);
    db->in_tx = false;
}

bool db_in_tx(struct db *db)
{
    return db->in_tx;
}

int db_failed(struct db *db)
{
    return db->failed;
}

static uint32_t sql_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/*
 * The dialect. Portable SQL in the modules writes what differs between
 * engines as markers (db.h), which each backend spells its own way:
 *   {list}      the rows of a JSON array bound as text, one column `value`
 *               ("IN (SELECT value FROM {list})", "JOIN {list} r ON r.value = x")
 *   {greatest}( {least}(   the larger or smaller of two values
 * Returns the SQL to prepare (malloc'd) or NULL when sql has no marker.
 */
static const struct {
    const char *marker, *sqlite;
} dialect[] = {
    {"{list}", "json_each(?)"},
    {"{greatest}(", "max("},
    {"{least}(", "min("},
};

static char *dialect_sql(const char *sql)
{
    if (!strchr(sql, '{'))
        return NULL;
    struct buf b;
    buf_init(&b);
    bool any = false;
    for (const char *p = sql; *p;) {
        size_t k = 0;
        if (*p == '{')
            while (k < ARRAY_SIZE(dialect) &&
                   strncmp(p, dialect[k].marker, strlen(dialect[k].marker)))
                k++;
        if (*p == '{' && k < ARRAY_SIZE(dialect)) {
            buf_addstr(&b, dialect[k].sqlite);
            p += strlen(dialect[k].marker);
            any = true;
        } else {
            buf_addch(&b, *p++);
        }
    }
    if (!any) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

/* A db_list is the JSON array json_each(?) reads, kept closed after every
 * value so that binding it copies nothing but the text. */
void db_list_init(struct db_list *l, struct arena *a)
{
    buf_init_arena(&l->text, a);
    buf_addstr(&l->text, "[]");
    l->n = 0;
}

/* Reopens the array for one more value. */
static void list_reopen(struct db_list *l)
{
    assert(l->text.len >= 2 && l->text.data[l->text.len - 1] == ']');
    l->text.len--;
    if (l->n++)
        buf_addch(&l->text, ',');
}

void db_list_int(struct db_list *l, int64_t v)
{
    list_reopen(l);
    buf_printf(&l->text, "%" PRId64 "]", v);
}

void db_list_strn(struct db_list *l, const char *s, size_t n)
{
    list_reopen(l);
    jw_escape(&l->text, s, n);
    buf_addch(&l->text, ']');
}

void db_list_str(struct db_list *l, const char *s)
{
    db_list_strn(l, s, strlen(s));
}

static struct db_stmt *stmt_get(struct db *db, const char *sql)
{
    size_t slot = ((uintptr_t)sql >> 3) % STMT_CACHE;
    struct db_stmt *hit = db->by_addr[slot].sql == sql ? db->by_addr[slot].stmt : NULL;
    if (hit && !hit->in_use && strcmp(hit->sql, sql) == 0) {
        hit->in_use = true;
        return hit;
    }
    uint32_t h = sql_hash(sql);
    struct db_stmt **bucket = &db->cache[h % STMT_CACHE];
    bool busy = false;
    for (struct db_stmt *s = *bucket; s; s = s->next) {
        if (s->hash == h && strcmp(s->sql, sql) == 0) {
            if (!s->in_use) {
                s->in_use = true;
                db->by_addr[slot].sql = sql;
                db->by_addr[slot].stmt = s;
                return s;
            }
            busy = true;
            break;
        }
    }
    sqlite3_stmt *st;
    char *native = dialect_sql(sql);
    int rc = sqlite3_prepare_v3(db->h, native ? native : sql, -1,
                                busy ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
    free(native);
    if (rc != SQLITE_OK) {
        db_fail(db, rc, "prepare");
        log_error("db: in statement: %s", sql);
        return NULL;
    }
    struct db_stmt *s = xcalloc(1, sizeof(*s));
    s->db = db;
    s->st = st;
    s->sql = xstrdup(sql);
    s->hash = h;
    s->in_use = true;
    s->cached = !busy;
    if (busy) {
        s->next = db->loose;
        db->loose = s;
    } else {
        s->next = *bucket;
        *bucket = s;
        db->by_addr[slot].sql = sql;
        db->by_addr[slot].stmt = s;
    }
    return s;
}

static struct db_stmt *stmt_bind(struct db *db, const char *sql, const char *fmt, va_list ap)
{
    struct db_stmt *s = stmt_get(db, sql);
    if (!s)
        return NULL;
    /* One format character per placeholder: a mismatch reads the wrong
     * va_args (checked in every build with assertions: tests, fuzzing). */
    assert(strlen(fmt) == (size_t)sqlite3_bind_parameter_count(s->st));
    int idx = 1, rc = SQLITE_OK;
    for (const char *f = fmt; *f && rc == SQLITE_OK; f++, idx++) {
        switch (*f) {
        case 'i':
            rc = sqlite3_bind_int64(s->st, idx, va_arg(ap, int64_t));
            break;
        case 's': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(s->st, idx);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(s->st, idx, p, n, SQLITE_TRANSIENT);
            break;
        }
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            rc = v ? sqlite3_bind_int64(s->st, idx, v) : sqlite3_bind_null(s->st, idx);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(s->st, idx);
            break;
        case 'l': {
            const struct db_list *l = va_arg(ap, const struct db_list *);
            rc = sqlite3_bind_text64(s->st, idx, l->text.data, l->text.len, SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
            break;
        }
        default:
            BUG("bad db format character '%c' in \"%s\"", *f, fmt);
        }
    }
    if (rc != SQLITE_OK) {
        db_fail(db, rc, "bind");
        db_done(s);
        return NULL;
    }
    if (sqlite3_bind_parameter_count(s->st) != idx - 1)
        BUG("statement has %d parameters, format \"%s\" binds %d: %s",
            sqlite3_bind_parameter_count(s->st), fmt, idx - 1, sql);
    return s;
}

struct db_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct db_stmt *s = stmt_bind(db, sql, fmt, ap);
    va_end(ap);
    return s;
}

bool db_next(struct db_stmt *s)
{
    if (!s)
        return false;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        db_fail(s->db, rc, "step");
    return false;
}

int64_t db_int(struct db_stmt *s, int col)
{
    return sqlite3_column_int64(s->st, col);
}

const char *db_text(struct db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s->st, col);
}

size_t db_text_len(struct db_stmt *s, int col)
{
    sqlite3_column_text(s->st, col); /* the length after any conversion to text */
    return (size_t)sqlite3_column_bytes(s->st, col);
}

const void *db_blob(struct db_stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(s->st, col);
    *len = (size_t)sqlite3_column_bytes(s->st, col);
    return p;
}

bool db_isnull(struct db_stmt *s, int col)
{
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

void db_done(struct db_stmt *s)
{
    if (!s)
        return;
    if (!s->cached) {
        struct db *db = s->db;
        for (struct db_stmt **p = &db->loose; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
        stmt_free(s);
        return;
    }
    sqlite3_reset(s->st);
    s->in_use = false;
}

int db_exec(struct db *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct db_stmt *s = stmt_bind(db, sql, fmt, ap);
    va_end(ap);
    if (!s)
        return db->failed ? db->failed : DB_ERROR;
    int rc = sqlite3_step(s->st);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s->st);
    int out = DB_OK;
    if (rc != SQLITE_DONE)
        out = db_fail(db, rc, "exec");
    db_done(s);
    return out;
}

bool db_get_int(struct db *db, int64_t *out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct db_stmt *s = stmt_bind(db, sql, fmt, ap);
    va_end(ap);
    bool found = db_next(s);
    if (found)
        *out = db_int(s, 0);
    db_done(s);
    return found;
}

int db_exec_script(struct db *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return db_fail(db, rc, "script");
    }
    return DB_OK;
}

int64_t db_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
    return sqlite3_changes(db->h);
}

int64_t db_next_seq(struct db *db)
{
    int64_t v = 0;
    if (!db_get_int(db, &v,
                    "UPDATE seqs SET value = value + 1 WHERE name = 'change' RETURNING value", ""))
        db_fail(db, SQLITE_ERROR, "change sequence missing");
    return v;
}

char *db_like_pattern(struct arena *a, const char *q)
{
    struct buf b;
    buf_init_arena(&b, a);
    buf_addch(&b, '%');
    for (const char *s = q; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            buf_addch(&b, '\\');
        buf_addch(&b, *s);
    }
    buf_addch(&b, '%');
    return b.data;
}

bool db_integrity_ok(struct db *db)
{
    sqlite3_stmt *st;
    bool ok = false;
    if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return false;
    if (sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}

int db_backup(const char *src, const char *dst, char *err, size_t errlen)
{
    sqlite3 *from = NULL, *to = NULL;
    int rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(from, BUSY_TIMEOUT_MS);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(to));
        rc = SQLITE_ERROR;
        goto out;
    }
    /* Copy in steps so writers are not held off for the whole copy; a write
     * during the copy restarts it, which keeps the copy consistent. */
    do {
        rc = sqlite3_backup_step(b, 1024);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(to));
        goto out;
    }
    rc = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(to));
        goto out;
    }
    /* Check the copy itself: it is what a restore would use. */
    struct db check = {.h = to};
    if (!db_integrity_ok(&check)) {
        snprintf(err, errlen, "the copy fails PRAGMA integrity_check");
        rc = SQLITE_CORRUPT;
    }
out:
    sqlite3_close(to);
    sqlite3_close(from);
    return rc == SQLITE_OK || rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int db_check_file(const char *path, int64_t *version, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
    *version = 0;
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    struct db check = {.h = h};
    if (!db_integrity_ok(&check)) {
        snprintf(err, errlen, "%s is not a database or fails PRAGMA integrity_check", path);
        goto fail;
    }
    if (sqlite3_prepare_v2(h, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "%s is not a zhibu database (no schema version)", path);
        goto fail;
    }
    *version = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return DB_OK;
fail:
    sqlite3_finalize(st);
    sqlite3_close(h);
    return DB_ERROR;
}

bool db_in_use(const char *path)
{
    /* SQLite's unix VFS keeps a shared lock on the "DMS" byte of the
     * wal-index (offset 128 of PATH-shm) while a connection has the WAL
     * database open: a lock held there by another process is a live user. */
    char shm[PATH_MAX];
    snprintf(shm, sizeof(shm), "%s-shm", path);
    int fd = open(shm, O_RDWR);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
    bool busy = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return busy;
}
