/*
 * rcache.h - a cache of rendered answers for read routes whose answer depends
 * only on the request (ROUTE_CACHE: rosters, statistics, an organisation),
 * or on the request and the caller (ROUTE_CACHE_MINE: a home feed, GET /me).
 * The dispatcher looks an answer up after login and the permission check,
 * so the cache never widens what a caller may read. An entry is valid while
 * the store's change sequence (seqs 'change', bumped by every write of a
 * record) is what it was when the answer was rendered, read in the
 * request's own snapshot: a write anywhere, by this process or another (the
 * command line), retires every entry, so answers are always current. An
 * answer about the caller is also tied to the authorisation sequence (seqs
 * 'auth': sessions, roles, second factors), and an answer that depends on
 * the clock carries the second it stops being true. The key includes
 * today's date, because ages and dues arrears depend on it.
 */
#ifndef ZHIBU_RCACHE_H
#define ZHIBU_RCACHE_H

/* Sets the memory budget in bytes (0 turns the cache off). Call once. */
void rcache_init(size_t max_bytes);
/* A cached answer: the bytes, gzip-compressed when asked for and worth it. */
struct rcache_hit {
    const char *data;
    size_t len;
    int status;
    bool gzip; /* data is the gzip encoding of the answer */
};

/* The sequences an answer was rendered at: change, and auth for an answer
 * about the caller (0 for the others, on both sides). */
struct rcache_ver {
    int64_t change;
    int64_t auth;
};

/*
 * On a hit (an entry of key rendered at exactly v, and not past its
 * expiry) fills *hit and returns true; false on a miss. With want_gzip the
 * answer comes gzip-compressed if the cache holds it so (answers of 256
 * bytes and more, compressed once when stored). The caller holds a reference:
 * the bytes stay valid until rcache_release(hit->data) however the cache
 * changes meanwhile, so they can be sent without a copy (rcache_release is a
 * libmicrohttpd free callback).
 */
bool rcache_get(const char *key, struct rcache_ver v, bool want_gzip, struct rcache_hit *hit);
void rcache_release(void *data);
/* Stores an answer rendered at v (and its gzip encoding); until: the second
 * (now_sec) from which it is no longer true, 0 if it does not expire. */
void rcache_put(const char *key, struct rcache_ver v, int64_t until, int status, const char *body,
                size_t len);
/* Hits and misses (answers rendered and stored) so far (for /metrics). */
void rcache_stats(uint64_t *hits, uint64_t *misses);

#endif
