/*
 * rcache.h - a cache of rendered answers for read routes whose answer depends
 * only on the request (ROUTE_CACHE: rosters, statistics), not on who asks.
 * The dispatcher looks an answer up after login and the permission check,
 * so the cache never widens what a caller may read. An entry is valid while
 * the store's change sequence (seqs 'change', bumped by every write of a
 * record) is what it was when the answer was rendered, read in the
 * request's own snapshot: a write anywhere, by this process or another (the
 * command line), retires every entry, so answers are always current. The
 * key includes today's date, because ages and dues arrears depend on it.
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

/*
 * On a hit fills *hit and returns true; false on a miss. With want_gzip the
 * answer comes gzip-compressed if the cache holds it so (answers of 256
 * bytes and more, compressed once when stored). The caller holds a reference:
 * the bytes stay valid until rcache_release(hit->data) however the cache
 * changes meanwhile, so they can be sent without a copy (rcache_release is a
 * libmicrohttpd free callback).
 */
bool rcache_get(const char *key, int64_t seq, bool want_gzip, struct rcache_hit *hit);
void rcache_release(void *data);
/* Stores an answer rendered at change sequence seq (and its gzip encoding). */
void rcache_put(const char *key, int64_t seq, int status, const char *body, size_t len);
/* Hits and misses (answers rendered and stored) so far (for /metrics). */
void rcache_stats(uint64_t *hits, uint64_t *misses);

#endif
