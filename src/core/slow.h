/*
 * slow.h - the slow lane: a small pool of threads for routes' outside phases
 * (password hashing with argon2id: tens of milliseconds of CPU and 64 MiB
 * each), so that the HTTP threads never hash and a flood of logins cannot
 * hold up anyone else's requests.
 *
 * The dispatcher suspends the connection, submits the phase here and the
 * pool thread resumes the connection when it is done. The queue is bounded
 * (cfg.slow_queue) and so is what one source address may have queued or
 * running (cfg.slow_per_source): beyond either, submitting fails at once and
 * the request is answered without waiting.
 */
#ifndef ZHIBU_SLOW_H
#define ZHIBU_SLOW_H

enum slow_result {
    SLOW_QUEUED,
    SLOW_FULL,        /* the queue is full: the server is busy */
    SLOW_SOURCE_BUSY, /* this source has its share queued or running */
};

/* Starts the pool's threads (cfg.slow_threads; 0: half the cores, at least one). */
void slow_start(void);
/* Runs what is queued, then stops the threads. */
void slow_stop(void);

/* Queues run(arg) for a pool thread; source (copied) is the client address.
 * When (and only when) it is queued, accepted(arg) is called first, before
 * any thread can run it (the dispatcher suspends the connection there). */
enum slow_result slow_submit(const char *source, void (*run)(void *), void *arg,
                             void (*accepted)(void *));

/* Jobs queued or running now (metrics, tests). */
int slow_pending(void);

#endif
