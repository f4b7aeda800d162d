/*
 * conn.c - per-connection deadlines and graceful closes (see conn.h).
 */
#include "app.h"
#include "core/conn.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TICK_MS 200

enum { PHASE_WAITING, PHASE_ACCEPTED };

struct conn {
    struct conn *prev, *next;
    int fd;
    atomic_int phase;
    _Atomic int64_t since_ms; /* PHASE_WAITING: since when */
    bool cut;                 /* shut down at its deadline */
    bool linger;
};

struct lingering {
    int fd; /* -1: a free slot */
    int64_t until_ms;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns;
static long nconns;
static struct lingering lingering[CONN_LINGER_MAX];
static int nlingering;
static int epfd = -1;
static bool running, stopping;
static pthread_t thread;
static atomic_long cut_total;

struct conn *conn_opened(int fd)
{
    struct conn *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    atomic_store(&c->phase, PHASE_WAITING);
    atomic_store(&c->since_ms, mono_us() / 1000);
    pthread_mutex_lock(&mu);
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    nconns++;
    pthread_mutex_unlock(&mu);
    return c;
}

/* Takes over a duplicate of fd to drain it (under mu); false when there is no room. */
static bool linger_add(int fd)
{
    if (!running || nlingering == CONN_LINGER_MAX)
        return false;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0)
        return false;
    /* The answer is in the socket's send queue: the FIN goes after it. */
    shutdown(dup, SHUT_WR);
    int i = 0;
    while (lingering[i].fd >= 0)
        i++;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, dup, &ev) != 0) {
        close(dup);
        return false;
    }
    lingering[i] = (struct lingering){dup, mono_us() / 1000 + CONN_LINGER_MS};
    nlingering++;
    return true;
}

/* Stops draining slot i (under mu). */
static void linger_end(int i)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, lingering[i].fd, NULL);
    close(lingering[i].fd);
    lingering[i].fd = -1;
    nlingering--;
}

void conn_closed(struct conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    nconns--;
    if (c->linger && !c->cut)
        linger_add(c->fd);
    pthread_mutex_unlock(&mu);
    free(c);
}

void conn_waiting(struct conn *c)
{
    if (!c || atomic_load_explicit(&c->phase, memory_order_relaxed) == PHASE_WAITING)
        return;
    atomic_store_explicit(&c->since_ms, mono_us() / 1000, memory_order_relaxed);
    atomic_store_explicit(&c->phase, PHASE_WAITING, memory_order_release);
}

void conn_accepted(struct conn *c)
{
    if (c)
        atomic_store_explicit(&c->phase, PHASE_ACCEPTED, memory_order_relaxed);
}

void conn_linger(struct conn *c)
{
    if (c) {
        pthread_mutex_lock(&mu);
        c->linger = true;
        pthread_mutex_unlock(&mu);
    }
}

long conn_cut_total(void)
{
    return atomic_load_explicit(&cut_total, memory_order_relaxed);
}

/* Shuts the connections waiting past their deadline (under mu). */
static void cut_overdue(int64_t now)
{
    long free_slots = cfg.max_connections - nconns;
    int64_t limit_ms = (free_slots < cfg.max_connections / 8 && cfg.header_timeout > CONN_PRESSURE_S
                            ? CONN_PRESSURE_S
                            : cfg.header_timeout) *
                       1000LL;
    for (struct conn *c = conns; c; c = c->next) {
        if (c->cut || atomic_load_explicit(&c->phase, memory_order_acquire) != PHASE_WAITING ||
            now - atomic_load_explicit(&c->since_ms, memory_order_relaxed) < limit_ms)
            continue;
        /* libmicrohttpd sees the end of the stream and closes the connection. */
        shutdown(c->fd, SHUT_RDWR);
        c->cut = true;
        atomic_fetch_add_explicit(&cut_total, 1, memory_order_relaxed);
    }
}

/* Reads and drops what lingering client i sends; ends it at the client's end
 * or an error (under mu). */
static void drain(int i)
{
    char scratch[16384];
    ssize_t n = 1;
    /* A bounded helping per wake-up: the epoll loop comes back for the rest. */
    for (int reads = 0; reads < 64 && n > 0; reads++)
        n = recv(lingering[i].fd, scratch, sizeof(scratch), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        linger_end(i);
}

static void *guard_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[64];
    pthread_mutex_lock(&mu);
    while (!stopping) {
        pthread_mutex_unlock(&mu);
        int n = epoll_wait(epfd, evs, ARRAY_SIZE(evs), TICK_MS);
        pthread_mutex_lock(&mu);
        for (int i = 0; i < n; i++)
            if (lingering[evs[i].data.u32].fd >= 0) /* not ended by an earlier event */
                drain((int)evs[i].data.u32);
        int64_t now = mono_us() / 1000;
        for (int i = 0; i < CONN_LINGER_MAX && nlingering; i++)
            if (lingering[i].fd >= 0 && now >= lingering[i].until_ms)
                linger_end(i);
        cut_overdue(now);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void conn_start(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        BUG("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < CONN_LINGER_MAX; i++)
        lingering[i].fd = -1;
    stopping = false;
    running = true;
    if (pthread_create(&thread, NULL, guard_main, NULL) != 0)
        BUG("cannot start the connection guard");
}

void conn_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < CONN_LINGER_MAX; i++)
        if (lingering[i].fd >= 0)
            linger_end(i);
    running = false;
    pthread_mutex_unlock(&mu);
    close(epfd);
    epfd = -1;
}
