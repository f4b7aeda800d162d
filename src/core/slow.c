/*
 * slow.c - the slow lane (see slow.h): a fixed ring of jobs under one
 * mutex, a condition variable for the pool threads.
 */
#include "app.h"
#include "core/slow.h"

#include <pthread.h>
#include <unistd.h>

#define SLOW_MAX_THREADS 16

struct slow_job {
    void (*run)(void *);
    void *arg;
    char source[64];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct slow_job *ring; /* cfg.slow_queue jobs waiting */
static size_t ring_cap, head, count;
/* The sources of the jobs running now, one per thread ("" when idle). */
static char running[SLOW_MAX_THREADS][64];
static pthread_t threads[SLOW_MAX_THREADS];
static int nthreads;
static bool stopping;

static int source_count(const char *source)
{
    int n = 0;
    for (size_t i = 0; i < count; i++)
        n += !strcmp(ring[(head + i) % ring_cap].source, source);
    for (int t = 0; t < nthreads; t++)
        n += !strcmp(running[t], source);
    return n;
}

enum slow_result slow_submit(const char *source, void (*run)(void *), void *arg,
                             void (*accepted)(void *))
{
    enum slow_result rc = SLOW_QUEUED;
    pthread_mutex_lock(&mu);
    if (count == ring_cap || stopping || !nthreads) {
        rc = SLOW_FULL;
    } else if (source_count(source) >= cfg.slow_per_source) {
        rc = SLOW_SOURCE_BUSY;
    } else {
        accepted(arg); /* before any thread can run it */
        struct slow_job *j = &ring[(head + count) % ring_cap];
        j->run = run;
        j->arg = arg;
        snprintf(j->source, sizeof(j->source), "%s", source);
        count++;
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int slow_pending(void)
{
    pthread_mutex_lock(&mu);
    int n = (int)count;
    for (int t = 0; t < nthreads; t++)
        n += running[t][0] != '\0';
    pthread_mutex_unlock(&mu);
    return n;
}

static void *worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!count && !stopping)
            pthread_cond_wait(&wake, &mu);
        if (!count) /* stopping, and nothing left to run */
            break;
        struct slow_job j = ring[head];
        head = (head + 1) % ring_cap;
        count--;
        memcpy(running[self], j.source, sizeof(running[self]));
        pthread_mutex_unlock(&mu);
        j.run(j.arg);
        pthread_mutex_lock(&mu);
        running[self][0] = '\0';
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void slow_start(void)
{
    int n = cfg.slow_threads;
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 1 ? (int)cores / 2 : 1;
    }
    if (n > SLOW_MAX_THREADS)
        n = SLOW_MAX_THREADS;
    ring_cap = (size_t)cfg.slow_queue;
    ring = xcalloc(ring_cap, sizeof(*ring));
    head = count = 0;
    stopping = false;
    for (int t = 0; t < n; t++) {
        running[t][0] = '\0';
        if (pthread_create(&threads[t], NULL, worker, (void *)(intptr_t)t) != 0)
            BUG("cannot start a slow-lane thread");
        nthreads = t + 1;
    }
}

void slow_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_broadcast(&wake);
    int n = nthreads;
    pthread_mutex_unlock(&mu);
    for (int t = 0; t < n; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_lock(&mu);
    nthreads = 0;
    free(ring);
    ring = NULL;
    ring_cap = 0;
    pthread_mutex_unlock(&mu);
}
