#include "app.h"

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
    buf_init(b);
    jw_init(j, b);
    jw_obj_begin(j);
    jw_kv_str(j, "ts", ts);
    jw_kv_str(j, "level", level_names[level]);
    jw_kv_str(j, "msg", msg);
    return j;
}

void log_end(struct buf *b, struct jw *j)
{
    jw_obj_end(j);
    buf_addch(b, '\n');
    ssize_t off = 0;
    while ((size_t)off < b->len) {
        ssize_t n = write(STDERR_FILENO, b->data + off, b->len - (size_t)off);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        off += n;
    }
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
    log_begin(&b, &j, level, text);
    log_end(&b, &j);
}
