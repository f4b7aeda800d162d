/*
 * rcache.c - the answer cache: a hash table of entries on an LRU list under
 * one mutex, bounded by bytes. Entries of older sequences are replaced when
 * met; the LRU end drops what is not asked for.
 */
#include "app.h"
#include "core/rcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <zlib.h>

/* A rendered answer, shared by the cache and the responses sending it. */
struct body {
    atomic_int refs;
    size_t len;
    char data[];
};

static struct body *body_of(void *data)
{
    return (struct body *)(void *)((char *)data - offsetof(struct body, data));
}

void rcache_release(void *data)
{
    struct body *b = body_of(data);
    if (atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

struct entry {
    char *key;
    uint64_t hash;
    struct rcache_ver v;
    int64_t until; /* now_sec() from which it is stale, 0: never */
    int status;
    struct body *body, *gz; /* gz: NULL when not worth it */
    size_t len, gzlen;
    struct entry *chain;       /* same bucket */
    struct entry *prev, *next; /* LRU: head is the most recent */
};

#define BUCKETS 4096

static struct {
    pthread_mutex_t lock;
    size_t max_bytes, bytes;
    struct entry *buckets[BUCKETS];
    struct entry *head, *tail;
    uint64_t hits, misses;
} rc = {.lock = PTHREAD_MUTEX_INITIALIZER};

void rcache_init(size_t max_bytes)
{
    rc.max_bytes = max_bytes;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t entry_size(const struct entry *e)
{
    return sizeof(*e) + strlen(e->key) + 1 + e->len + e->gzlen;
}

static void lru_unlink(struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        rc.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        rc.tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct entry *e)
{
    e->next = rc.head;
    e->prev = NULL;
    if (rc.head)
        rc.head->prev = e;
    rc.head = e;
    if (!rc.tail)
        rc.tail = e;
}

static void entry_drop(struct entry *e)
{
    struct entry **p = &rc.buckets[e->hash % BUCKETS];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    lru_unlink(e);
    rc.bytes -= entry_size(e);
    free(e->key);
    rcache_release(e->body->data);
    if (e->gz)
        rcache_release(e->gz->data);
    free(e);
}

static struct entry *find(const char *key, uint64_t h)
{
    for (struct entry *e = rc.buckets[h % BUCKETS]; e; e = e->chain)
        if (e->hash == h && !strcmp(e->key, key))
            return e;
    return NULL;
}

static bool ver_equal(struct rcache_ver a, struct rcache_ver b)
{
    return a.change == b.change && a.auth == b.auth;
}

/* Whether a is of an older snapshot than b (both sequences only grow). */
static bool ver_older(struct rcache_ver a, struct rcache_ver b)
{
    return a.change < b.change || (a.change == b.change && a.auth < b.auth);
}

bool rcache_get(const char *key, struct rcache_ver v, bool want_gzip, struct rcache_hit *hit)
{
    if (!rc.max_bytes)
        return false;
    uint64_t h = hash_str(key);
    bool found = false;
    pthread_mutex_lock(&rc.lock);
    struct entry *e = find(key, h);
    if (e && ver_equal(e->v, v) && (!e->until || now_sec() < e->until)) {
        struct body *b = want_gzip && e->gz ? e->gz : e->body;
        atomic_fetch_add(&b->refs, 1);
        *hit = (struct rcache_hit){
            .data = b->data, .len = b->len, .status = e->status, .gzip = b == e->gz};
        found = true;
        lru_unlink(e);
        lru_push(e);
        rc.hits++;
    }
    pthread_mutex_unlock(&rc.lock);
    return found;
}

static struct body *body_new(const char *data, size_t len)
{
    struct body *b = xmalloc(sizeof(*b) + (len ? len : 1));
    atomic_init(&b->refs, 1);
    b->len = len;
    memcpy(b->data, data, len);
    return b;
}

/* The gzip encoding of data (fast level: it is made on every store), or NULL
 * when the answer is small or does not shrink by a quarter. */
static struct body *body_gzip(const char *data, size_t len)
{
    if (len < 256)
        return NULL;
    z_stream z = {0};
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong bound = deflateBound(&z, (uLong)len);
    struct body *b = xmalloc(sizeof(*b) + bound);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)b->data;
    z.avail_out = (uInt)bound;
    int zrc = deflate(&z, Z_FINISH);
    size_t out = z.total_out;
    deflateEnd(&z);
    if (zrc != Z_STREAM_END || out > len - len / 4) {
        free(b);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->len = out;
    return b;
}

void rcache_put(const char *key, struct rcache_ver v, int64_t until, int status, const char *body,
                size_t len)
{
    if (!rc.max_bytes)
        return;
    pthread_mutex_lock(&rc.lock);
    rc.misses++; /* an answer that had to be rendered */
    pthread_mutex_unlock(&rc.lock);
    if (len > rc.max_bytes / 8)
        return;
    uint64_t h = hash_str(key);
    struct entry *n = xcalloc(1, sizeof(*n));
    n->key = xstrdup(key);
    n->hash = h;
    n->v = v;
    n->until = until;
    n->status = status;
    n->body = body_new(body, len);
    n->len = len;
    n->gz = body_gzip(body, len);
    n->gzlen = n->gz ? n->gz->len : 0;
    pthread_mutex_lock(&rc.lock);
    struct entry *old = find(key, h);
    if (old && ver_older(v, old->v)) {
        /* A newer answer is there already (a slower request of an older snapshot). */
        pthread_mutex_unlock(&rc.lock);
        free(n->key);
        rcache_release(n->body->data);
        if (n->gz)
            rcache_release(n->gz->data);
        free(n);
        return;
    }
    if (old)
        entry_drop(old);
    n->chain = rc.buckets[h % BUCKETS];
    rc.buckets[h % BUCKETS] = n;
    lru_push(n);
    rc.bytes += entry_size(n);
    while (rc.bytes > rc.max_bytes && rc.tail)
        entry_drop(rc.tail);
    pthread_mutex_unlock(&rc.lock);
}

void rcache_stats(uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&rc.lock);
    *hits = rc.hits;
    *misses = rc.misses;
    pthread_mutex_unlock(&rc.lock);
}
