/*
 * conn.h - what zhibu keeps about each open connection beside libmicrohttpd,
 * against slow and hostile clients (SECURITY.md check 4 and 15):
 *
 * - a deadline for what an unknown client sends: a request's line and headers
 *   must arrive within header_timeout seconds of the connection opening or the
 *   previous answer, and an anonymous body too (login); when the server nears
 *   max_connections the deadline shrinks to CONN_PRESSURE_S, so a client that
 *   trickles a byte now and then cannot hold a slot that a new client needs.
 *   libmicrohttpd's own timeout (conn_timeout) only counts silence.
 * - a graceful close for a connection answered before its body was read (401,
 *   413, 503 from the headers): the answer goes out, then the guard thread
 *   shuts the sending side and reads and drops what the client still sends,
 *   for at most CONN_LINGER_MS, so that the client reads the answer instead of
 *   a reset (closing a socket with unread bytes makes the kernel send one). A
 *   client that goes on sending costs the one guard thread, no more.
 *
 * One guard thread does both. A connection is cut by shutdown(2) on its
 * socket, which libmicrohttpd then sees as a closed connection; the entry
 * leaves the list (under a lock) before libmicrohttpd closes the descriptor,
 * so the guard never touches a reused one.
 */
#ifndef ZHIBU_CONN_H
#define ZHIBU_CONN_H

#define CONN_PRESSURE_S 1    /* the deadline when fewer than an eighth of the slots are free */
#define CONN_LINGER_MS 5000  /* how long a connection answered early is drained at most */
#define CONN_LINGER_MAX 1024 /* connections drained at once; beyond, closed at once */

struct conn;

/* Starts the guard thread; conn_stop ends it and closes what it still drains. */
void conn_start(void);
void conn_stop(void);

/* A connection on socket fd opened (malloc'd; freed by conn_closed). Its deadline runs. */
struct conn *conn_opened(int fd);
/* It is closing: called before libmicrohttpd closes fd. NULL is fine. */
void conn_closed(struct conn *c);

/* A request is awaited, or an anonymous one is still arriving: the deadline
 * runs from now (at the latest). conn_accepted: the request is in, or comes
 * from a caller already authenticated; no deadline until the next request. */
void conn_waiting(struct conn *c);
void conn_accepted(struct conn *c);

/* The answer queued now goes out before the body was read: drain the client's
 * writes after it instead of closing at once. */
void conn_linger(struct conn *c);

/* For /metrics: connections cut at their deadline so far. */
long conn_cut_total(void);

#endif
