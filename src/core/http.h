/*
 * http.h - the HTTP server: libmicrohttpd with epoll and a thread pool,
 * the request dispatcher (route match, validation, login, CSRF,
 * permission, transaction, idempotency, audit, envelope, log, metrics),
 * /healthz, /metrics and the web client's static files.
 */
#ifndef ZHIBU_HTTP_H
#define ZHIBU_HTTP_H

/* Starts listening on cfg.listen_host:cfg.listen_port; -1 with a reason. */
int http_start(char *err, size_t errlen);
/* Stops accepting, waits up to grace_ms for requests in flight, stops. */
void http_stop(int grace_ms);
/* The port actually bound (useful with port 0). */
int http_port(void);

#endif
