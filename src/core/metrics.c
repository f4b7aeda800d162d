#include "app.h"
#include "core/conn.h"
#include "core/live.h"
#include "core/rcache.h"
#include "core/metrics.h"

#include <stdatomic.h>

/* The statuses counted one by one; anything else falls into "other". */
static const int statuses[] = {200, 201, 204, 206, 304, 400, 401, 403, 404,
                               405, 409, 413, 422, 429, 500, 503, 0};
#define NSTATUS ARRAY_SIZE(statuses)
/* Latency buckets in microseconds (rendered in seconds). */
static const int64_t buckets_us[] = {500,   1000,   2500,   5000,   10000,   25000,
                                     50000, 100000, 250000, 500000, 1000000, 5000000};
#define NBUCKET ARRAY_SIZE(buckets_us)

struct route_stats {
    atomic_ulong by_status[NSTATUS];
    atomic_ulong hist[NBUCKET + 1];
    atomic_ulong sum_us;
};

static struct route_stats *stats; /* [nroutes + 1]: the last one is "other" */
static size_t nstats;
static atomic_long open_conns;
static atomic_ulong memory_answers;
static atomic_ulong thread_requests[METRICS_THREADS_MAX];
static atomic_uint nthreads;

void metrics_memory_answer(void)
{
    atomic_fetch_add_explicit(&memory_answers, 1, memory_order_relaxed);
}

void metrics_init(size_t nroutes)
{
    nstats = nroutes + 1;
    stats = xcalloc(nstats, sizeof(*stats));
}

void metrics_request(long route, int status, int64_t micros)
{
    if (!stats)
        return;
    struct route_stats *s = &stats[route < 0 ? (long)nstats - 1 : route];
    size_t si = NSTATUS - 1;
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (statuses[i] == status) {
            si = i;
            break;
        }
    atomic_fetch_add_explicit(&s->by_status[si], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKET && micros > buckets_us[b])
        b++;
    atomic_fetch_add_explicit(&s->hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (unsigned long)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
}

void metrics_connection(int delta)
{
    atomic_fetch_add_explicit(&open_conns, delta, memory_order_relaxed);
}

void metrics_threads(unsigned n)
{
    atomic_store(&nthreads, n < METRICS_THREADS_MAX ? n : METRICS_THREADS_MAX);
}

void metrics_thread_request(unsigned i)
{
    if (i < METRICS_THREADS_MAX)
        atomic_fetch_add_explicit(&thread_requests[i], 1, memory_order_relaxed);
}

long metrics_open_connections(void)
{
    return atomic_load(&open_conns);
}

static void route_label(struct buf *out, size_t i)
{
    const struct route *r = router_at(i);
    if (r)
        buf_printf(out, "route=\"%s %s\"", r->method, r->path);
    else
        buf_addstr(out, "route=\"other\"");
}

void metrics_render(struct buf *out)
{
    uint64_t hits, misses;
    rcache_stats(&hits, &misses);
    buf_printf(out,
               "# HELP zhibu_cache_hits_total Answers served from the answer cache.\n"
               "# TYPE zhibu_cache_hits_total counter\nzhibu_cache_hits_total %" PRIu64 "\n"
               "# HELP zhibu_cache_misses_total Cacheable answers that had to be rendered.\n"
               "# TYPE zhibu_cache_misses_total counter\nzhibu_cache_misses_total %" PRIu64 "\n"
               "# HELP zhibu_cache_memory_answers_total Cached answers given without opening a "
               "transaction.\n"
               "# TYPE zhibu_cache_memory_answers_total counter\nzhibu_cache_memory_answers_total "
               "%lu\n",
               hits, misses, atomic_load(&memory_answers));
    buf_addstr(out, "# HELP zhibu_http_requests_total HTTP requests by route and status.\n"
                    "# TYPE zhibu_http_requests_total counter\n");
    for (size_t i = 0; i < nstats; i++)
        for (size_t k = 0; k < NSTATUS; k++) {
            unsigned long v = atomic_load(&stats[i].by_status[k]);
            if (!v)
                continue;
            buf_addstr(out, "zhibu_http_requests_total{");
            route_label(out, i);
            if (statuses[k])
                buf_printf(out, ",status=\"%d\"} %lu\n", statuses[k], v);
            else
                buf_printf(out, ",status=\"other\"} %lu\n", v);
        }
    buf_addstr(out, "# HELP zhibu_http_request_duration_seconds Time to answer a request.\n"
                    "# TYPE zhibu_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nstats; i++) {
        unsigned long cum = 0;
        for (size_t b = 0; b <= NBUCKET; b++)
            cum += atomic_load(&stats[i].hist[b]);
        if (!cum)
            continue;
        unsigned long run = 0;
        for (size_t b = 0; b <= NBUCKET; b++) {
            run += atomic_load(&stats[i].hist[b]);
            buf_addstr(out, "zhibu_http_request_duration_seconds_bucket{");
            route_label(out, i);
            if (b < NBUCKET)
                buf_printf(out, ",le=\"%g\"} %lu\n", (double)buckets_us[b] / 1e6, run);
            else
                buf_printf(out, ",le=\"+Inf\"} %lu\n", run);
        }
        buf_addstr(out, "zhibu_http_request_duration_seconds_sum{");
        route_label(out, i);
        buf_printf(out, "} %.6f\n", (double)atomic_load(&stats[i].sum_us) / 1e6);
        buf_addstr(out, "zhibu_http_request_duration_seconds_count{");
        route_label(out, i);
        buf_printf(out, "} %lu\n", cum);
    }
    buf_addstr(out, "# HELP zhibu_http_thread_requests_total HTTP requests by the thread that "
                    "answered them.\n"
                    "# TYPE zhibu_http_thread_requests_total counter\n");
    for (unsigned i = 0; i < atomic_load(&nthreads); i++)
        buf_printf(out, "zhibu_http_thread_requests_total{thread=\"%u\"} %lu\n", i,
                   atomic_load(&thread_requests[i]));
    buf_printf(out,
               "# HELP zhibu_open_connections Open HTTP connections.\n"
               "# TYPE zhibu_open_connections gauge\nzhibu_open_connections %ld\n"
               "# HELP zhibu_db_errors_total Failed store operations.\n"
               "# TYPE zhibu_db_errors_total counter\nzhibu_db_errors_total %" PRIu64 "\n"
               "# HELP zhibu_live_streams Open live-update streams (GET /api/v1/events).\n"
               "# TYPE zhibu_live_streams gauge\nzhibu_live_streams %d\n"
               "# HELP zhibu_connections_cut_total Connections closed because their request "
               "line and headers (or anonymous body) missed header_timeout.\n"
               "# TYPE zhibu_connections_cut_total counter\nzhibu_connections_cut_total %ld\n",
               metrics_open_connections(), db_error_count(), live_stream_count(), conn_cut_total());
}
