/*
 * rcache.c - the answer cache: a hash table of entries on an LRU list under
 * one mutex, bounded by bytes. Entries of an older change sequence are
 * replaced when met; the LRU end drops what is not asked for.
 */
#include "app.h"
#include "core/rcache.h"

#include <pthread.h>
#include <stdatomic.h>

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
    int64_t seq;
    int status;
    struct body *body;
    size_t len;
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
    return sizeof(*e) + strlen(e->key) + 1 + e->len;
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
    free(e);
}

static struct entry *find(const char *key, uint64_t h)
{
    for (struct entry *e = rc.buckets[h % BUCKETS]; e; e = e->chain)
        if (e->hash == h && !strcmp(e->key, key))
            return e;
    return NULL;
}

const char *rcache_get(const char *key, int64_t seq, size_t *len, int *status)
{
    if (!rc.max_bytes)
        return NULL;
    uint64_t h = hash_str(key);
    const char *hit = NULL;
    pthread_mutex_lock(&rc.lock);
    struct entry *e = find(key, h);
    if (e && e->seq == seq) {
        atomic_fetch_add(&e->body->refs, 1);
        hit = e->body->data;
        *len = e->len;
        *status = e->status;
        lru_unlink(e);
        lru_push(e);
        rc.hits++;
    } else {
        rc.misses++;
    }
    pthread_mutex_unlock(&rc.lock);
    return hit;
}

void rcache_put(const char *key, int64_t seq, int status, const char *body, size_t len)
{
    if (!rc.max_bytes || len > rc.max_bytes / 8)
        return;
    uint64_t h = hash_str(key);
    struct entry *n = xcalloc(1, sizeof(*n));
    n->key = xstrdup(key);
    n->hash = h;
    n->seq = seq;
    n->status = status;
    n->body = xmalloc(sizeof(*n->body) + (len ? len : 1));
    atomic_init(&n->body->refs, 1);
    n->body->len = len;
    memcpy(n->body->data, body, len);
    n->len = len;
    pthread_mutex_lock(&rc.lock);
    struct entry *old = find(key, h);
    if (old && old->seq > seq) {
        /* A newer answer is there already (a slower request of an older snapshot). */
        pthread_mutex_unlock(&rc.lock);
        free(n->key);
        rcache_release(n->body->data);
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
