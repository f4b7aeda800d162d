/*
 * media.c - the media queue: versions of stored files for weak links,
 * made by external tools on a thread of their own (never an HTTP thread,
 * never inside a transaction), with a timeout per tool.
 *
 *   pdf    pdftoppm -r 72: the first MEDIA_MAX_PAGES pages as JPEG (page-1 ...)
 *   image  vipsthumbnail: a 320-pixel WebP thumbnail (thumb)
 *   video  ffmpeg: 240p H.264 + 32 kbit/s AAC MP4 (video-240), a JPEG poster
 *          (poster), and an audio-only 32 kbit/s Opus WebM (audio)
 *   audio  ffmpeg: the 32 kbit/s Opus WebM (audio)
 *
 * Office documents get no page images: LibreOffice (which would convert them
 * to PDF) is not installed on these machines; they are downloaded whole.
 *
 * The queue is the table file_jobs, one row per source content: a job is
 * claimed (state running) in a short write transaction, its tools run with
 * no transaction open, and its outputs are stored as blobs and recorded in
 * another. A job still 'running' at start-up was cut short by a crash and is
 * queued again (at most MEDIA_ATTEMPTS times); its half-written outputs live
 * in a temporary directory that is removed first.
 */
#include "app.h"
#include "core/media.h"
#include "core/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEDIA_MAX_PAGES 20
#define MEDIA_ATTEMPTS 3
#define MEDIA_TOOL_TIMEOUT_S 1800 /* a long video at 240p on a busy machine */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping, pending;
static pid_t child; /* the tool running now (killed by files_media_stop), 0: none */

void files_media_wake(void)
{
    pthread_mutex_lock(&mu);
    pending = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

void files_media_enqueue(struct db *db, const char *sha256, const char *kind)
{
    if (strcmp(kind, "office")) {
        int64_t now = now_sec();
        db_exec(db,
                "INSERT INTO file_jobs (source_sha256, kind, created_at, updated_at) VALUES (?, "
                "?, ?, ?) ON CONFLICT DO NOTHING",
                "ssii", sha256, kind, now, now);
    }
}

/*
 * Runs argv with stdin and stdout on /dev/null and stderr into err (the last
 * bytes of it), at a lower priority, killed after timeout_s. 0 when it exited
 * with status 0.
 */
static int run_tool(const char *const argv[], int timeout_s, char *err, size_t errlen)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(pipefd[1], 2);
        setpriority(PRIO_PROCESS, 0, 10);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    pthread_mutex_lock(&mu);
    child = stopping ? 0 : pid;
    if (stopping)
        kill(pid, SIGKILL);
    pthread_mutex_unlock(&mu);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    int64_t deadline = mono_us() + (int64_t)timeout_s * 1000000;
    int status = 0;
    size_t have = 0;
    err[0] = '\0';
    for (;;) {
        char chunk[512];
        ssize_t n;
        while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0) {
            /* Keep the last errlen-1 bytes. */
            for (ssize_t i = 0; i < n; i++) {
                if (have == errlen - 1) {
                    memmove(err, err + 1, errlen - 2);
                    have--;
                }
                err[have++] = chunk[i] == '\n' ? ' ' : chunk[i];
            }
            err[have] = '\0';
        }
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || w < 0)
            break;
        if (mono_us() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "%s: timed out after %d s", argv[0], timeout_s);
            close(pipefd[0]);
            pthread_mutex_lock(&mu);
            child = 0;
            pthread_mutex_unlock(&mu);
            return -1;
        }
        usleep(20000);
    }
    close(pipefd[0]);
    pthread_mutex_lock(&mu);
    child = 0;
    pthread_mutex_unlock(&mu);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

struct output {
    char name[32]; /* the variant's name */
    char file[64]; /* in the job's directory */
    const char *mime;
};

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        unlinkat(dirfd(d), e->d_name, 0); /* no path to build, none to truncate */
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The page images pdftoppm wrote (page-1.jpg or page-01.jpg ...), as outputs. */
static size_t pdf_pages(const char *dir, struct output *out, size_t max)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        int64_t page;
        const char *dot = strrchr(e->d_name, '.');
        if (strlen(e->d_name) >= sizeof(out[n].file) || strncmp(e->d_name, "page-", 5) || !dot ||
            strcmp(dot, ".jpg") || !parse_i64(e->d_name + 5, (size_t)(dot - e->d_name - 5), &page))
            continue;
        snprintf(out[n].name, sizeof(out[n].name), "page-%" PRId64, page);
        memcpy(out[n].file, e->d_name, strlen(e->d_name) + 1);
        out[n++].mime = "image/jpeg";
    }
    if (d)
        closedir(d);
    return n;
}

/* Runs the tools of one job into dir; fills out. -1 with err when the job
 * failed (optional outputs, as a silent video's audio, may be missing). */
static int make_variants(const char *kind, const char *src, const char *dir, struct output *out,
                         size_t *nout, char *err, size_t errlen)
{
    char o1[800], o2[800], o3[800];
    *nout = 0;
    if (!strcmp(kind, "image")) {
        snprintf(o1, sizeof(o1), "%s/thumb.webp[Q=70,strip]", dir);
        const char *argv[] = {"vipsthumbnail", src, "--size", "320x320", "-o", o1, NULL};
        if (run_tool(argv, 120, err, errlen))
            return -1;
        out[(*nout)++] = (struct output){"thumb", "thumb.webp", "image/webp"};
        return 0;
    }
    if (!strcmp(kind, "pdf")) {
        snprintf(o1, sizeof(o1), "%s/page", dir);
        const char *argv[] = {"pdftoppm", "-r",         "72", "-l", "20", "-jpeg",
                              "-jpegopt", "quality=70", src,  o1,   NULL};
        if (run_tool(argv, 300, err, errlen))
            return -1;
        *nout = pdf_pages(dir, out, MEDIA_MAX_PAGES);
        return *nout ? 0 : -1;
    }
    bool video = !strcmp(kind, "video");
    if (video) {
        snprintf(o1, sizeof(o1), "%s/video-240.mp4", dir);
        const char *argv[] = {"ffmpeg",    "-hide_banner",
                              "-nostdin",  "-loglevel",
                              "error",     "-y",
                              "-i",        src,
                              "-map",      "0:v:0",
                              "-map",      "0:a:0?",
                              "-vf",       "scale=-2:240,fps=25",
                              "-c:v",      "libx264",
                              "-preset",   "veryfast",
                              "-crf",      "30",
                              "-pix_fmt",  "yuv420p",
                              "-c:a",      "aac",
                              "-b:a",      "32k",
                              "-ac",       "1",
                              "-movflags", "+faststart",
                              o1,          NULL};
        if (run_tool(argv, MEDIA_TOOL_TIMEOUT_S, err, errlen))
            return -1;
        out[(*nout)++] = (struct output){"video-240", "video-240.mp4", "video/mp4"};
        snprintf(o2, sizeof(o2), "%s/poster.jpg", dir);
        const char *pargv[] = {"ffmpeg",    "-hide_banner",
                               "-nostdin",  "-loglevel",
                               "error",     "-y",
                               "-i",        src,
                               "-vf",       "thumbnail,scale=-2:240",
                               "-frames:v", "1",
                               "-q:v",      "5",
                               o2,          NULL};
        if (run_tool(pargv, 300, err, errlen) == 0)
            out[(*nout)++] = (struct output){"poster", "poster.jpg", "image/jpeg"};
    }
    snprintf(o3, sizeof(o3), "%s/audio.webm", dir);
    const char *aargv[] = {
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",      "-i",
        src,      "-map",         "0:a:0",    "-vn",       "-c:a",  "libopus", "-b:a",
        "32k",    "-ac",          "1",        o3,          NULL};
    if (run_tool(aargv, MEDIA_TOOL_TIMEOUT_S, err, errlen) == 0)
        out[(*nout)++] = (struct output){"audio", "audio.webm", "audio/webm"};
    else if (!video)
        return -1; /* an audio file without playable audio */
    return 0;
}

/* Claims the oldest queued job; false when there is none. */
static bool claim(struct db *db, char sha[STORE_HASH_HEX], char kind[16])
{
    bool got = false;
    if (db_begin(db, true) != DB_OK)
        return false;
    struct db_stmt *st = db_query(db,
                                  "SELECT source_sha256, kind FROM file_jobs WHERE state = "
                                  "'queued' ORDER BY created_at LIMIT 1",
                                  "");
    if (db_next(st)) {
        snprintf(sha, STORE_HASH_HEX, "%s", db_text(st, 0));
        snprintf(kind, 16, "%s", db_text(st, 1));
        got = true;
    }
    db_done(st);
    if (got)
        db_exec(db,
                "UPDATE file_jobs SET state = 'running', attempts = attempts + 1, updated_at = ? "
                "WHERE source_sha256 = ?",
                "is", now_sec(), sha);
    if (db_failed(db) || db_commit(db) != DB_OK) {
        db_rollback(db);
        return false;
    }
    return got;
}

/* Stores the outputs as blobs and records them, and the job's end. */
static void finish(struct db *db, const char *sha, const char *dir, struct output *out, size_t n,
                   int rc, const char *err, double seconds)
{
    char hashes[MEDIA_MAX_PAGES + 4][STORE_HASH_HEX];
    int64_t sizes[MEDIA_MAX_PAGES + 4];
    size_t stored = 0;
    for (size_t i = 0; rc == 0 && i < n; i++, stored++) {
        char path[900];
        snprintf(path, sizeof(path), "%s/%s", dir, out[i].file);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        bool dup;
        if (fd < 0 || fstat(fd, &sb) || store_hash_fd(fd, sb.st_size, hashes[i]) ||
            store_put_path(file_store, path, hashes[i], &dup))
            rc = -1;
        sizes[i] = fd >= 0 ? sb.st_size : 0;
        if (fd >= 0)
            close(fd);
    }
    /* The scratch space goes before the job shows done (the outputs are stored,
     * what is left is the tools' leftovers and a remote store's copy of the source). */
    rm_dir(dir);
    if (db_begin(db, true) != DB_OK)
        return; /* still 'running': queued again at the next start */
    int64_t now = now_sec();
    db_exec(db,
            "UPDATE file_jobs SET state = CASE WHEN ? THEN 'done' WHEN attempts >= ? THEN "
            "'failed' ELSE 'queued' END, error = ?, ms = ?, updated_at = ? WHERE "
            "source_sha256 = ?",
            "iisiis", (int64_t)(rc == 0), (int64_t)MEDIA_ATTEMPTS, rc ? err : NULL,
            (int64_t)(seconds * 1000), now, sha);
    /* No job any more: its source was removed meanwhile (files_sweep). The stored
     * outputs are then orphans that files_orphans removes at the next start. */
    bool alive = db_changes(db) > 0;
    for (size_t i = 0; rc == 0 && alive && i < stored; i++) {
        db_exec(db,
                "INSERT INTO file_blobs (sha256, size, refs, created_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET refs = file_blobs.refs + 1, unref_at = NULL",
                "sii", hashes[i], sizes[i], now);
        db_exec(db,
                "INSERT INTO file_variants (source_sha256, name, sha256, size, mime, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                "sssisi", sha, out[i].name, hashes[i], sizes[i], out[i].mime, now);
    }
    if (db_failed(db) || db_commit(db) != DB_OK)
        db_rollback(db);
}

static void run_job(struct db *db, const char *sha, const char *kind)
{
    char src[700], dir[700], err[300] = "";
    struct output out[MEDIA_MAX_PAGES + 4];
    size_t n = 0;
    snprintf(dir, sizeof(dir), "%s/tmp/job-%s", file_store->root, sha);
    rm_dir(dir); /* what a cut-short run left */
    int64_t t0 = mono_us();
    int rc = -1;
    /* The scratch directory first: a store that must copy the blob copies it there. */
    if (mkdir(dir, 0700) == 0 && store_local_path(file_store, sha, dir, src, sizeof(src)) == 0)
        rc = make_variants(kind, src, dir, out, &n, err, sizeof(err));
    else
        snprintf(err, sizeof(err), "cannot prepare the job: %s", strerror(errno));
    double seconds = (double)(mono_us() - t0) / 1e6;
    finish(db, sha, dir, out, n, rc, err, seconds);
    rm_dir(dir);
    if (rc)
        log_warn("media: %s %s failed: %s", kind, sha, err);
    else
        log_info("media: %s %s: %zu versions in %.1f s", kind, sha, n, seconds);
}

static void *media_main(void *arg)
{
    struct db *db = db_thread();
    pthread_mutex_lock(&mu);
    while (!stopping) {
        pending = false;
        pthread_mutex_unlock(&mu);
        char sha[STORE_HASH_HEX], kind[16];
        bool any = db && file_store && claim(db, sha, kind);
        if (any)
            run_job(db, sha, kind);
        pthread_mutex_lock(&mu);
        if (!any && !pending && !stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5; /* jobs queued by another instance */
            pthread_cond_timedwait(&wake, &mu, &ts);
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int files_media_recover(struct db *db)
{
    /* What the cut-short runs left: a job given up on below never runs again
     * to remove it itself. */
    struct db_stmt *st =
        db_query(db, "SELECT source_sha256 FROM file_jobs WHERE state = 'running'", "");
    while (file_store && db_next(st)) {
        char dir[700];
        if (!store_hash_ok(db_text(st, 0)))
            continue;
        snprintf(dir, sizeof(dir), "%s/tmp/job-%s", file_store->root, db_text(st, 0));
        rm_dir(dir);
    }
    db_done(st);
    db_exec(db,
            "UPDATE file_jobs SET state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' END, "
            "error = CASE WHEN attempts >= ? THEN 'cut short too often' ELSE error END WHERE "
            "state = 'running'",
            "ii", (int64_t)MEDIA_ATTEMPTS, (int64_t)MEDIA_ATTEMPTS);
    return db_failed(db) ? -1 : db_changes(db);
}

void files_media_start(void)
{
    pthread_mutex_lock(&mu);
    stopping = false;
    running = pthread_create(&thread, NULL, media_main, NULL) == 0;
    pthread_mutex_unlock(&mu);
    if (!running)
        log_error("media: cannot start the media thread");
}

void files_media_stop(void)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return;
    }
    stopping = true;
    if (child)
        kill(child, SIGKILL); /* its job runs again at the next start */
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = false;
}
