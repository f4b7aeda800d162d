/*
 * log.h - structured JSON-lines logging to stderr: one object per line with
 * time, level, message and the fields the caller adds. Thread-safe: a line
 * is written with one write(2).
 */
#ifndef ZHIBU_LOG_H
#define ZHIBU_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* A plain message: {"ts":..,"level":..,"msg":..}. */
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * A line with fields: begin it, add fields to the returned writer, end it.
 *   struct buf b; struct jw *j = log_begin(&b, &jw, LOG_INFO, "access");
 *   jw_kv_int(j, "status", 200); log_end(&b, &jw);
 */
struct jw *log_begin(struct buf *b, struct jw *j, enum log_level level, const char *msg);
void log_end(struct buf *b, struct jw *j);

#endif
