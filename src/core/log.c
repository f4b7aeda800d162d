#include "app.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    min_level = level;
}

bool log_enabled(enum log_level level)
{
    return level >= min_level;
}

static void write_all_stderr(const char *p, size_t n)
{
    write_all(STDERR_FILENO, p, n); /* a log line that cannot be written is dropped */
}

/* ---- batches ---- */

/*
 * A thread's batch of lines. Its owner appends under lock; the flusher
 * thread and log_batch_stop write it under the same lock, so a thread's
 * lines leave in order. A batch outlives its thread (the key's destructor
 * writes it and frees it for the next thread that logs).
 */
struct batch {
    pthread_mutex_t lock;
    struct buf buf; /* malloc'd, kept between writes */
    bool owned;     /* a live thread has it */
    struct batch *next;
};

static struct {
    pthread_mutex_t lock; /* the list, and starting and stopping */
    pthread_cond_t wake;
    struct batch *all;
    pthread_t flusher;
    bool stopping;
} batches = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_bool batching;
static pthread_key_t batch_key;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

/* Writes what b holds; its lock held. */
static void batch_write(struct batch *b)
{
    if (b->buf.len)
        write_all_stderr(b->buf.data, b->buf.len);
    b->buf.len = 0;
}

static void batch_thread_end(void *arg)
{
    struct batch *b = arg;
    pthread_mutex_lock(&b->lock);
    batch_write(b);
    pthread_mutex_unlock(&b->lock);
    pthread_mutex_lock(&batches.lock);
    b->owned = false;
    pthread_mutex_unlock(&batches.lock);
}

static void batch_key_create(void)
{
    if (pthread_key_create(&batch_key, batch_thread_end) != 0)
        BUG("cannot create the log batch key");
}

/* The calling thread's batch (a free one, or a new one). */
static struct batch *batch_mine(void)
{
    struct batch *b = pthread_getspecific(batch_key);
    if (b)
        return b;
    pthread_mutex_lock(&batches.lock);
    for (b = batches.all; b && b->owned; b = b->next)
        ;
    if (!b) {
        b = xcalloc(1, sizeof(*b));
        pthread_mutex_init(&b->lock, NULL);
        buf_init(&b->buf);
        b->next = batches.all;
        batches.all = b;
    }
    b->owned = true;
    pthread_mutex_unlock(&batches.lock);
    pthread_setspecific(batch_key, b);
    return b;
}

/* Writes every batch. */
static void batch_write_all(void)
{
    pthread_mutex_lock(&batches.lock);
    for (struct batch *b = batches.all; b; b = b->next) {
        pthread_mutex_lock(&b->lock);
        batch_write(b);
        pthread_mutex_unlock(&b->lock);
    }
    pthread_mutex_unlock(&batches.lock);
}

static void *flusher_main(void *arg)
{
    pthread_mutex_lock(&batches.lock);
    while (!batches.stopping) {
        struct timespec ts;
        timespec_in(CLOCK_MONOTONIC, LOG_BATCH_MS * 1000, &ts);
        pthread_cond_timedwait(&batches.wake, &batches.lock, &ts);
        pthread_mutex_unlock(&batches.lock);
        batch_write_all();
        pthread_mutex_lock(&batches.lock);
    }
    pthread_mutex_unlock(&batches.lock);
    return NULL;
}

void log_batch_start(void)
{
    pthread_once(&batch_once, batch_key_create);
    pthread_mutex_lock(&batches.lock);
    if (atomic_load(&batching)) {
        pthread_mutex_unlock(&batches.lock);
        return;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&batches.wake, &attr);
    pthread_condattr_destroy(&attr);
    batches.stopping = false;
    if (pthread_create(&batches.flusher, NULL, flusher_main, NULL) != 0)
        BUG("cannot start the log flusher");
    atomic_store(&batching, true);
    pthread_mutex_unlock(&batches.lock);
}

void log_batch_stop(void)
{
    pthread_mutex_lock(&batches.lock);
    if (!atomic_load(&batching)) {
        pthread_mutex_unlock(&batches.lock);
        return;
    }
    /* From here lines are written at once (see log_end); those batched
     * before are written below. */
    atomic_store(&batching, false);
    batches.stopping = true;
    pthread_cond_signal(&batches.wake);
    pthread_mutex_unlock(&batches.lock);
    pthread_join(batches.flusher, NULL);
    pthread_cond_destroy(&batches.wake);
    batch_write_all();
}

/* ---- lines ---- */

struct jw *log_begin(struct buf *b, struct jw *j, enum log_level level, const char *msg)
{
    /* The seconds part changes once a second: format it once per thread. */
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local char cached[21];
    char ts[32];
    int64_t ms = now_ms();
    if (ms / 1000 != cached_sec) {
        cached_sec = ms / 1000;
        time_iso(cached_sec, cached);
    }
    /* 2026-11-24T06:13:33Z -> 2026-11-24T06:13:33.123Z */
    int frac = (int)(ms % 1000);
    memcpy(ts, cached, 19);
    ts[19] = '.';
    ts[20] = (char)('0' + frac / 100);
    ts[21] = (char)('0' + frac / 10 % 10);
    ts[22] = (char)('0' + frac % 10);
    ts[23] = 'Z';
    ts[24] = '\0';
    jw_init(j, b);
    jw_obj_begin(j);
    jw_kv_str(j, "ts", ts);
    jw_kv_str(j, "level", level_names[level]);
    jw_kv_str(j, "msg", msg);
    return j;
}

void log_end(struct buf *b, struct jw *j, bool batched)
{
    jw_obj_end(j);
    buf_addch(b, '\n');
    struct batch *mine = NULL;
    if (atomic_load(&batching))
        mine = batched ? batch_mine() : pthread_getspecific(batch_key);
    if (mine) {
        pthread_mutex_lock(&mine->lock);
        /* Batching may have stopped meanwhile: log_batch_stop wrote the
         * batches, and lines go at once from then on. */
        if (batched && atomic_load(&batching)) {
            buf_add(&mine->buf, b->data, b->len);
            if (mine->buf.len >= LOG_BATCH_BYTES)
                batch_write(mine);
            pthread_mutex_unlock(&mine->lock);
            buf_release(b);
            return;
        }
        batch_write(mine); /* the thread's earlier lines first */
    }
    write_all_stderr(b->data, b->len);
    if (mine)
        pthread_mutex_unlock(&mine->lock);
    buf_release(b);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct buf b;
    struct jw j;
    buf_init(&b);
    log_begin(&b, &j, level, text);
    log_end(&b, &j, false);
}
