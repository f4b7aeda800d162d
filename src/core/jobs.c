/*
 * jobs.c - periodic work run by one housekeeping thread (see jobs.h).
 *
 * The thread sleeps on a condition variable with a timed wait (monotonic
 * clock) until the next job is due, so jobs_stop() ends it at once.
 */
#include "app.h"
#include "core/jobs.h"
#include "core/live.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* Runs one DELETE with a single integer bound; returns the rows removed. */
static int prune(struct db *db, const char *sql, int64_t before)
{
    db_exec(db, sql, "i", before);
    return db_changes(db);
}

/* Sessions that were revoked, expired or left idle past their timeout. */
static int sessions_prune(struct db *db)
{
    int64_t now = now_sec();
    db_exec(db,
            "DELETE FROM sessions WHERE revoked_at IS NOT NULL OR expires_at <= ? OR "
            "last_seen + idle_timeout <= ?",
            "ii", now, now);
    return db_changes(db);
}

/* One audit row for a window that counted more than the failure it listed. */
static void window_audit(struct db *db, struct arena *a, int64_t account, int64_t failures,
                         int64_t throttled, int64_t start)
{
    char when[21];
    time_iso(start, when);
    struct audit_row row = {
        .at = now_sec(),
        .org_id = account_home_org(db, account),
        .action = "auth.login",
        .target = arena_printf(a, "account:%" PRId64, account),
        .result = "failed",
        .detail = arena_printf(a,
                               "%" PRId64 " failed attempts and %" PRId64
                               " refused as throttled in the hour from %s",
                               failures, throttled, when),
    };
    audit_append(db, &row);
}

/*
 * Login-failure windows (one hour each) that have ended. Sign-in listed
 * only the first failure of a window for a phone with an account; what the
 * window counted beyond it becomes one audit row here, and the windows of
 * numbers without an account (a guessing flood) one row for all of them.
 */
static int login_windows_close(struct db *db)
{
    int64_t end = now_sec() - 3600, unknown = 0, unknown_failures = 0, unknown_throttled = 0;
    struct arena a;
    arena_init(&a);
    struct window {
        int64_t account, failures, throttled, start;
        struct window *next;
    } *known = NULL;
    struct db_stmt *st = db_query(db,
                                  "SELECT COALESCE(a.id, d.account_id, 0), f.failures, "
                                  "f.throttled, f.window_start FROM login_failures f "
                                  "LEFT JOIN accounts a ON a.phone_hash = f.phone_hash "
                                  "LEFT JOIN trusted_devices d ON d.token_hash = f.phone_hash "
                                  "WHERE f.window_start <= ? ORDER BY f.window_start",
                                  "i", end);
    while (db_next(st)) {
        int64_t account = db_int(st, 0), failures = db_int(st, 1), throttled = db_int(st, 2);
        if (!account) {
            unknown++;
            unknown_failures += failures;
            unknown_throttled += throttled;
        } else if (failures > 1 || throttled > 0) {
            struct window *w = arena_calloc(&a, 1, sizeof(*w));
            *w = (struct window){account, failures, throttled, db_int(st, 3), known};
            known = w;
        }
    }
    db_done(st);
    for (struct window *w = known; w; w = w->next)
        window_audit(db, &a, w->account, w->failures, w->throttled, w->start);
    if (unknown) {
        char when[21];
        time_iso(end, when);
        struct audit_row row = {
            .at = now_sec(),
            .action = "auth.login",
            .result = "failed",
            .detail = arena_printf(&a,
                                   "%" PRId64 " failed sign-ins and %" PRId64
                                   " refused as throttled for %" PRId64
                                   " numbers without an account (or client addresses trying "
                                   "codes), in windows ended by %s",
                                   unknown_failures, unknown_throttled, unknown, when),
        };
        audit_append(db, &row);
    }
    arena_release(&a);
    return prune(db, "DELETE FROM login_failures WHERE window_start <= ?", end);
}

/* Idempotency records older than any phone would replay. */
static int idempotency_prune(struct db *db)
{
    return prune(db, "DELETE FROM idempotency WHERE created_at <= ?",
                 now_sec() - IDEMPOTENCY_DAYS * 86400LL);
}

/* Trusted devices unused for DEVICE_TRUST_DAYS. */
static int trusted_devices_prune(struct db *db)
{
    return prune(db, "DELETE FROM trusted_devices WHERE last_used_at <= ?",
                 now_sec() - DEVICE_TRUST_DAYS * 86400LL);
}

static const struct job core_jobs[] = {
    {"sessions", 0, sessions_prune},       {"login_failures", 0, login_windows_close},
    {"idempotency", 0, idempotency_prune}, {"trusted_devices", 0, trusted_devices_prune},
    {"live_events", 0, live_prune},        {NULL},
};

static const struct job *const tables[] = {core_jobs, mod_jobs};

/* Runs one job in its own write transaction, committed when the job
 * succeeded and rolled back otherwise; logs a line when it removed or acted
 * on something, or failed. */
int job_run(struct db *db, const struct job *j)
{
    int n = -1;
    if (j->gather) {
        if (db_begin(db, false) != DB_OK)
            return -1;
        n = j->gather(db);
        db_rollback(db);
        if (n > 0 && j->outside)
            n = j->outside();
        if (n <= 0) {
            if (n < 0)
                log_error("housekeeping: %s failed", j->name);
            return n;
        }
    }
    n = -1;
    if (db_begin(db, true) == DB_OK) {
        n = j->run(db);
        if (n < 0 || db_failed(db) || db_commit(db) != DB_OK) {
            db_rollback(db);
            audit_discard();
            n = -1;
        } else {
            audit_anchor(); /* a job may append audit rows */
        }
    }
    if (n > 0)
        log_info("housekeeping: %s: %d rows", j->name, n);
    else if (n < 0)
        log_error("housekeeping: %s failed", j->name);
    return n;
}

int jobs_run_once(struct db *db)
{
    int total = 0;
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct job *j = tables[t]; j->name; j++) {
            int n = job_run(db, j);
            if (n > 0)
                total += n;
        }
    return total;
}

/* ---- the thread ---- */

enum { MAX_JOBS = 64 };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static bool running, stopping;
static bool kicked[MAX_JOBS]; /* under mu: run at once (jobs_kick) */
static bool kick_pending;     /* under mu: a kick since the thread last looked */

static int64_t interval_us(const struct job *j)
{
    int s = j->interval_s ? j->interval_s : cfg.housekeeping_interval_s;
    return (s > 0 ? s : 1) * 1000000LL;
}

/* Between two batches of a job: the writes waiting for the lock (requests
 * polling in SQLite's busy handler) go first, for up to 200 ms, so a long
 * fan-out does not starve them. Called with mu held. */
static void let_writers_in(void)
{
    for (int waited = 0; waited < 200 && db_writers_waiting() > 0 && !stopping; waited++) {
        pthread_mutex_unlock(&mu);
        usleep(1000);
        pthread_mutex_lock(&mu);
    }
}

static void *jobs_main(void *arg)
{
    (void)arg;
    struct db *db = db_thread();
    int64_t due[MAX_JOBS];
    int64_t start = mono_us();
    size_t k = 0;
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct job *j = tables[t]; j->name; j++) {
            assert(k < MAX_JOBS);
            due[k++] = start + interval_us(j);
        }
    pthread_mutex_lock(&mu);
    while (!stopping) {
        kick_pending = false;
        int64_t now = mono_us(), next = now + 3600 * 1000000LL;
        size_t i = 0;
        for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
            for (const struct job *j = tables[t]; j->name; j++, i++) {
                if (kicked[i]) {
                    kicked[i] = false;
                    due[i] = now;
                }
                if (db && now >= due[i] && !stopping) {
                    pthread_mutex_unlock(&mu);
                    int n = job_run(db, j);
                    pthread_mutex_lock(&mu);
                    bool more = j->batches && n > 0;
                    if (more)
                        let_writers_in();
                    due[i] = mono_us() + (more ? 0 : interval_us(j));
                }
                if (due[i] < next)
                    next = due[i];
            }
        if (stopping)
            break;
        if (kick_pending) /* kicked while a job ran: its signal found nobody waiting */
            continue;
        int64_t wait = next - mono_us();
        if (wait > 0) {
            struct timespec ts;
            timespec_in(CLOCK_MONOTONIC, wait, &ts);
            pthread_cond_timedwait(&wake, &mu, &ts);
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void jobs_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_lock(&mu);
    stopping = false;
    running = true;
    pthread_mutex_unlock(&mu);
    if (pthread_create(&thread, NULL, jobs_main, NULL) != 0)
        BUG("cannot start the housekeeping thread");
}

void jobs_kick(const char *name)
{
    size_t i = 0;
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct job *j = tables[t]; j->name; j++, i++)
            if (!strcmp(j->name, name)) {
                pthread_mutex_lock(&mu);
                if (running) {
                    kicked[i] = true;
                    kick_pending = true;
                    pthread_cond_signal(&wake);
                }
                pthread_mutex_unlock(&mu);
                return;
            }
    BUG("jobs_kick: no job %s", name);
}

void jobs_stop(void)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return;
    }
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&mu);
    running = false;
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&wake);
}
