/*
 * log.h - structured JSON-lines logging to stderr: one object per line with
 * time, level, message and the fields the caller adds. Thread-safe: a line
 * is written whole, with one write(2), in the order each thread wrote it.
 *
 * The access log is written in batches while the server runs
 * (log_batch_start): each thread gathers its lines and writes them together
 * when it holds LOG_BATCH_BYTES, at most LOG_BATCH_MS after the oldest, before
 * any line of its own that is not batched, when the thread ends, and at
 * log_batch_stop. A process killed with SIGKILL may lose the last
 * LOG_BATCH_MS of access lines; a clean stop loses none.
 */
#ifndef ZHIBU_LOG_H
#define ZHIBU_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

#define LOG_BATCH_BYTES (16 * 1024)
#define LOG_BATCH_MS 100

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* A plain message: {"ts":..,"level":..,"msg":..}, written at once. */
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * A line with fields: begin it in a buffer the caller initialised (buf_init,
 * or buf_init_arena to build it without malloc), add fields to the writer,
 * end it; log_end releases the buffer.
 *   struct buf b; struct jw j; buf_init(&b);
 *   log_begin(&b, &j, LOG_INFO, "access"); jw_kv_int(&j, "status", 200);
 *   log_end(&b, &j, true);
 * batched: the line may wait in the calling thread's batch (the access
 * log); false writes it at once (errors, and every other line).
 */
struct jw *log_begin(struct buf *b, struct jw *j, enum log_level level, const char *msg);
void log_end(struct buf *b, struct jw *j, bool batched);

/* Starts batching (a thread that writes every batch at most LOG_BATCH_MS
 * old); log_batch_stop writes every batch and stops it. For `zhibu serve`. */
void log_batch_start(void);
void log_batch_stop(void);

#endif
