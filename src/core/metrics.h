/*
 * metrics.h - counters for GET /metrics (Prometheus text format): requests
 * by route and status, a latency histogram, requests per HTTP thread, open
 * connections, store errors.
 * Lock-free: relaxed atomics only.
 */
#ifndef ZHIBU_METRICS_H
#define ZHIBU_METRICS_H

/* Sizes the per-route tables; call after router_init(). */
void metrics_init(size_t nroutes);
/* route: index from router_index(), or -1 for non-API requests (static, health). */
void metrics_request(long route, int status, int64_t micros);
void metrics_connection(int delta);
/* The number of HTTP threads (at most METRICS_THREADS_MAX), and a request
 * answered by thread i: requests per thread show how the load spreads. */
#define METRICS_THREADS_MAX 256
void metrics_threads(unsigned n);
void metrics_thread_request(unsigned i);
/* A cached answer given without opening a transaction. */
void metrics_memory_answer(void);
long metrics_open_connections(void);
void metrics_render(struct buf *out);

#endif
