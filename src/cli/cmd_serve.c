/*
 * cmd_serve.c - zhibu serve, zhibu migrate.
 */
#include "app.h"
#include "core/media.h"
#include "core/store.h"
#include "core/idem.h"
#include "core/janus.h"
#include "core/rcache.h"
#include "cli/cli.h"
#include "core/http.h"
#include "core/jobs.h"
#include "core/metrics.h"
#include "core/sms.h"
#include "core/static.h"
#include "db/migrate.h"
#include "mod/development.h"
#include "mod/members_rec.h"

#include <limits.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* Finds web/dist: the configured root, else ./web/dist, else next to the binary. */
static void find_web_root(char *out, size_t n)
{
    if (cfg.web_root[0]) {
        snprintf(out, n, "%s", cfg.web_root);
        return;
    }
    if (access("web/dist/index.html", R_OK) == 0) {
        snprintf(out, n, "web/dist");
        return;
    }
    char exe[PATH_MAX - 128];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        const char *tries[] = {"/web/dist", "/../web/dist", "/../share/zhibu/web"};
        for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
            char cand[PATH_MAX - 64], idx[PATH_MAX];
            snprintf(cand, sizeof(cand), "%s%s", exe, tries[i]);
            snprintf(idx, sizeof(idx), "%s/index.html", cand);
            if (access(idx, R_OK) == 0) {
                snprintf(out, n, "%s", cand);
                return;
            }
        }
    }
    out[0] = '\0';
}

int cmd_serve(int argc, char **argv)
{
    struct cli_opt opts[] = {{"listen"}, {"data"}, {"web"}, {"help", true}, {NULL}};
    if (wants_help(argc, argv)) {
        printf("usage: zhibu serve [--listen ADDR:PORT] [--data DIR] [--web DIR]\n\n"
               "Runs the HTTP server: the API under /api/v1, /healthz, /metrics and the web\n"
               "client. Applies pending migrations first.\n\n"
               "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080, $ZHIBU_LISTEN)\n"
               "  --data DIR          data directory (default ./data, $ZHIBU_DATA)\n"
               "  --web DIR           the built web client (default web/dist, $ZHIBU_WEB)\n\n"
               "More settings in DIR/zhibu.conf: threads, max_body, max_upload, max_header,\n"
               "body_memory_mb, upload_spool_mb, conn_timeout, header_timeout,\n"
               "max_connections, max_connections_per_ip, live_max_streams,\n"
               "live_streams_per_account, cookie_secure, trust_proxy, login_max_failures,\n"
               "member_session_days, admin_session_hours, admin_second_factor,\n"
               "exact_search_per_hour, imports_per_hour, proposals_per_hour,\n"
               "sync_max_offline_days, housekeeping_interval_s, metrics_token, log_level,\n"
               "store, s3_endpoint, s3_region, s3_bucket, s3_access_key, s3_secret_key,\n"
               "s3_timeout_s, s3_part_mb\n"
               "(see README).\n"
               "SIGTERM or SIGINT stop it gracefully.\n");
        return 0;
    }
    if (cli_parse("serve", argc, argv, opts) ||
        cli_config(cli_get(opts, "data"), cli_get(opts, "listen")))
        return 2;
    if (cli_get(opts, "web"))
        snprintf(cfg.web_root, sizeof(cfg.web_root), "%s", cli_get(opts, "web"));

    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The file store: the local directory under the data directory, or an
     * S3-compatible bucket (store.h). */
    static struct store files;
    char files_dir[PATH_MAX];
    snprintf(files_dir, sizeof(files_dir), "%s/files", cfg.data_dir);
    struct db *db = cli_open_data(true);
    if (!db)
        return 1;
    if (strcmp(cfg.store, "s3") ? store_init_local(&files, files_dir)
                                : store_init_s3(&files, files_dir, &cfg.s3)) {
        fprintf(stderr, "zhibu: file store %s: %s\n", files_dir, strerror(errno));
        db_close(db);
        return 1;
    }
    file_store = &files;
    jobs_run_once(db);
    /* What older versions kept in plain text, sealed once at start-up. */
    static const struct job seals[] = {
        {"idempotency_seal", 0, idem_seal_legacy},
        {"member_records_seal", 0, member_records_seal_legacy},
        {"applicants_seal", 0, applicants_seal_legacy},
    };
    for (size_t i = 0; i < ARRAY_SIZE(seals); i++)
        job_run(db, &seals[i]);
    /* Media jobs a crash cut short run again (only here: never while the thread runs). */
    static const struct job media_recover = {"files_media_recover", 0, files_media_recover};
    job_run(db, &media_recover);
    db_close(db);
    db_configure(cli_db_path());

    char web[PATH_MAX], err[700];
    find_web_root(web, sizeof(web));
    if (web[0]) {
        long n = static_init(web, err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "zhibu: web client: %s\n", err);
            return 1;
        }
        log_info("serving the web client from %s (%ld files)", web, n);
    } else {
        log_warn("no built web client found (web/dist): only the API is served");
    }

    int threads = cfg.threads > 0 ? cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    auth_init(threads);
    rcache_init(cfg.cache_mb * 1024 * 1024);
    router_init();
    metrics_init(router_count());
    janus_init();
    if (http_start(err, sizeof(err)) != 0) {
        fprintf(stderr, "zhibu: %s\n", err);
        return 1;
    }
    jobs_start();
    files_media_start();
    sms_start();
    log_info("zhibu %s listening on http://%s:%d (data %s)", ZHIBU_VERSION, cfg.listen_host,
             http_port(), cfg.data_dir);

    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s: finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    files_media_stop();
    sms_stop();
    jobs_stop();
    http_stop(10000);
    db_shutdown();
    static_release();
    log_info("stopped");
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"}, {"help", true}, {NULL}};
    if (wants_help(argc, argv)) {
        printf("usage: zhibu migrate [--data DIR]\n\n"
               "Creates the database in DIR (default ./data) or brings its schema up to\n"
               "version %d in one transaction. A database written by a newer zhibu is\n"
               "refused.\n",
               migrate_latest());
        return 0;
    }
    if (cli_parse("migrate", argc, argv, opts) || cli_config(cli_get(opts, "data"), NULL))
        return 2;
    struct db *db = cli_open_data(true);
    if (!db)
        return 1;
    db_close(db);
    printf("schema at version %d\n", migrate_latest());
    return 0;
}

/* A copy of the whole store (every sealed record and the audit chain) is a
 * sensitive export: one audit row store.backup naming the file. 0 or -1. */
static int backup_audit(const char *out)
{
    /* The store as it is: no migration (a backup is what one takes before an
     * upgrade), and the chain's key must be the one already there. */
    char key[600], err[700];
    snprintf(key, sizeof(key), "%s/secret.key", cfg.data_dir);
    if (access(key, R_OK) != 0)
        return -1;
    audit_init(cfg.data_dir);
    if (pdata_init(cfg.data_dir, err, sizeof(err)) != 0)
        return -1;
    struct db *db = db_open(cli_db_path(), err, sizeof(err));
    if (!db)
        return -1;
    char where[PATH_MAX];
    struct audit_row row = {.at = now_sec(),
                            .action = "store.backup",
                            .target = realpath(out, where) ? where : out,
                            .result = "ok",
                            .detail = "a copy of the whole store (command line)",
                            .ip = "cli"};
    int rc = -1;
    if (db_begin(db, true) == DB_OK) {
        audit_append(db, &row);
        if (!db_failed(db) && db_commit(db) == DB_OK) {
            audit_anchor();
            rc = 0;
        } else {
            db_rollback(db);
            audit_discard();
        }
    }
    db_close(db);
    return rc;
}

int cmd_backup(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"}, {"out"}, {"help", true}, {NULL}};
    if (wants_help(argc, argv)) {
        printf("usage: zhibu backup [--data DIR] --out FILE\n\n"
               "Writes a consistent copy of DIR/zhibu.db to FILE while the server runs\n"
               "(SQLite's online backup API). FILE must not exist. The copy is useless\n"
               "without DIR/secret.key: keep the key safe, separately. Each backup is\n"
               "recorded in the audit log (store.backup, with the file's path).\n");
        return 0;
    }
    if (cli_parse("backup", argc, argv, opts) || cli_config(cli_get(opts, "data"), NULL))
        return 2;
    const char *out = cli_get(opts, "out");
    if (!out) {
        fprintf(stderr, "zhibu backup: --out FILE is required\n");
        return 2;
    }
    if (access(out, F_OK) == 0) {
        fprintf(stderr, "zhibu backup: %s exists; refusing to overwrite it\n", out);
        return 1;
    }
    if (access(cli_db_path(), R_OK) != 0) {
        fprintf(stderr, "zhibu backup: no database at %s\n", cli_db_path());
        return 1;
    }
    char err[512];
    if (db_backup(cli_db_path(), out, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "zhibu backup: %s\n", err);
        unlink(out);
        return 1;
    }
    if (backup_audit(out) != 0) {
        fprintf(stderr, "zhibu backup: the copy could not be recorded in the audit log; removed\n");
        unlink(out);
        return 1;
    }
    printf("backup written to %s (integrity check ok)\n", out);
    return 0;
}

/* Copies FROM to TO (created, mode 0600) and fsyncs it; -1 with errno. */
static int copy_file_synced(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    char chunk[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, chunk + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc)
            break;
    }
    int e = errno;
    if (rc == 0 && fsync(out) != 0) {
        rc = -1;
        e = errno;
    }
    if (close(out) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    close(in);
    errno = e;
    return rc;
}

/* Makes a rename inside DIR durable. */
static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int cmd_restore(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"}, {"from"}, {"force", true}, {"help", true}, {NULL}};
    if (wants_help(argc, argv)) {
        printf("usage: zhibu restore [--data DIR] --from BACKUP [--force]\n\n"
               "Installs BACKUP (a file written by zhibu backup) as DIR/zhibu.db. Checks\n"
               "the backup first (PRAGMA integrity_check, a schema version this zhibu\n"
               "knows), then copies it atomically (temporary file, fsync, rename). Stop the\n"
               "server first.\n\n"
               "  --from BACKUP  the backup file\n"
               "  --force        replace a database DIR already has (refused otherwise)\n\n"
               "DIR/secret.key must be the key of the deployment the backup came from:\n"
               "without it the sealed personal data cannot be read. Afterwards run\n"
               "zhibu audit verify --data DIR --reanchor (see docs/OPERATIONS.md).\n");
        return 0;
    }
    if (cli_parse("restore", argc, argv, opts) || cli_config(cli_get(opts, "data"), NULL))
        return 2;
    const char *from = cli_get(opts, "from");
    bool force = cli_get(opts, "force") != NULL;
    if (!from) {
        fprintf(stderr, "zhibu restore: --from BACKUP is required\n");
        return 2;
    }
    char err[768], wal[PATH_MAX];
    snprintf(wal, sizeof(wal), "%s-wal", from);
    struct stat st;
    errno = 0;
    if (stat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "zhibu restore: %s: %s\n", from,
                errno ? strerror(errno) : "not a regular file");
        return 1;
    }
    /* A zhibu backup is one self-contained file; a live database copied with
     * its write-ahead log beside it is not a backup. */
    if (stat(wal, &st) == 0 && st.st_size > 0) {
        fprintf(stderr, "zhibu restore: %s has a write-ahead log beside it: not a zhibu backup\n",
                from);
        return 1;
    }
    int64_t version;
    if (db_check_file(from, &version, err, sizeof(err)) != DB_OK) {
        fprintf(stderr, "zhibu restore: %s\n", err);
        return 1;
    }
    if (version < 1 || version > migrate_latest()) {
        fprintf(stderr,
                "zhibu restore: %s has schema version %" PRId64 "; this zhibu knows 1 to %d\n",
                from, version, migrate_latest());
        return 1;
    }
    if (stat(cfg.data_dir, &st) != 0 && mkdir(cfg.data_dir, 0700) != 0) {
        fprintf(stderr, "zhibu restore: data directory %s: %s\n", cfg.data_dir, strerror(errno));
        return 1;
    }
    const char *db = cli_db_path();
    if (access(db, F_OK) == 0) {
        if (!force) {
            fprintf(stderr, "zhibu restore: %s already has a database; --force replaces it\n",
                    cfg.data_dir);
            return 1;
        }
        if (db_in_use(db)) {
            fprintf(stderr, "zhibu restore: %s is in use (is the server running?): stop it first\n",
                    db);
            return 1;
        }
    }
    char tmp[PATH_MAX], side[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.restore-tmp", db);
    unlink(tmp);
    if (copy_file_synced(from, tmp) != 0) {
        fprintf(stderr, "zhibu restore: cannot copy to %s: %s\n", tmp, strerror(errno));
        unlink(tmp);
        return 1;
    }
    int64_t copied;
    if (db_check_file(tmp, &copied, err, sizeof(err)) != DB_OK || copied != version) {
        fprintf(stderr, "zhibu restore: the copy %s fails its check\n", tmp);
        unlink(tmp);
        return 1;
    }
    /* The old database's log and index must not be replayed onto the copy,
     * nor its shared sequence page (db_seqs_peek) vouch for it. */
    const char *sides[] = {"-wal", "-shm", "-journal", "-seqs"};
    for (size_t i = 0; i < ARRAY_SIZE(sides); i++) {
        snprintf(side, sizeof(side), "%s%s", db, sides[i]);
        if (unlink(side) != 0 && errno != ENOENT) {
            fprintf(stderr, "zhibu restore: cannot remove %s: %s\n", side, strerror(errno));
            unlink(tmp);
            return 1;
        }
    }
    if (rename(tmp, db) != 0 || fsync_dir(cfg.data_dir) != 0) {
        fprintf(stderr, "zhibu restore: cannot install %s: %s\n", db, strerror(errno));
        unlink(tmp);
        return 1;
    }
    char key[PATH_MAX];
    snprintf(key, sizeof(key), "%s/secret.key", cfg.data_dir);
    bool has_key = access(key, R_OK) == 0;
    printf("restored %s into %s (integrity check ok, schema version %" PRId64 "%s)\n", from, db,
           version, version < migrate_latest() ? "; migrations run at the next start" : "");
    printf("%s: %s\n", has_key ? "The personal-data key" : "MISSING: the personal-data key", key);
    printf("  must be the key of the deployment this backup was taken from: without it the\n"
           "  sealed ID numbers, phones and addresses and the audit chain cannot be read.%s\n",
           has_key ? "" : "\n  Copy it there BEFORE starting zhibu (a new key would be made).");
    printf("Next: zhibu audit verify --data %s --reanchor (the audit anchor names the old\n"
           "  head; this checks the restored chain and anchors it anew), then start the server.\n",
           cfg.data_dir);
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"}, {"reanchor", true}, {"help", true}, {NULL}};
    if (wants_help(argc, argv) || argc < 2 || strcmp(argv[1], "verify")) {
        printf("usage: zhibu audit verify [--data DIR] [--reanchor]\n\n"
               "Walks the audit log's hash chain (keyed with DIR/secret.key) and checks it\n"
               "against the head anchor DIR/audit.head: reports the first row that was\n"
               "changed, inserted or deleted, newest rows included. Exit status 1 when the\n"
               "chain is broken. It prints the head (rows and hash): record it elsewhere\n"
               "to detect a rewrite of the data directory as a whole.\n\n"
               "  --reanchor  after restoring a backup: check the chain, then write a new\n"
               "              anchor for it\n");
        return wants_help(argc, argv) ? 0 : 2;
    }
    if (cli_parse("audit verify", argc - 1, argv + 1, opts) ||
        cli_config(cli_get(opts, "data"), NULL))
        return 2;
    struct db *db = cli_open_data(false);
    if (!db)
        return 1;
    char err[768];
    db_begin(db, false);
    int64_t n = audit_verify(db, cli_get(opts, "reanchor") != NULL, err, sizeof(err));
    char head[65] = "";
    struct db_stmt *st = db_query(db, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", "");
    if (db_next(st)) {
        size_t len;
        const unsigned char *h = db_blob(st, 0, &len);
        if (len == 32)
            hex_encode(h, 32, head);
    }
    db_done(st);
    db_commit(db);
    db_close(db);
    if (n < 0) {
        fprintf(stderr, "zhibu audit verify: BROKEN: %s\n", err);
        return 1;
    }
    printf("audit log ok: %" PRId64 " rows, chain intact%s; head %s\n", n,
           cli_get(opts, "reanchor") ? ", anchored anew" : "", head[0] ? head : "(empty)");
    return 0;
}
