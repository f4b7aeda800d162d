#include "app.h"

#include <pthread.h>

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct arena_block {
    struct arena_block *prev;
    size_t size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

/* Standard blocks freed by this thread, kept for its next requests: every
 * request's arena takes and gives back at least one, and an 8 KiB malloc/free
 * pair per request goes through glibc's slow bins. */
#define SPARE_BLOCKS 8
static _Thread_local struct arena_block *spare[SPARE_BLOCKS];
static _Thread_local int nspare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

/* At thread exit: the thread's spare blocks go back to malloc. */
static void spare_free(void *unused)
{
    (void)unused;
    while (nspare)
        free(spare[--nspare]);
}

static void spare_key_init(void)
{
    pthread_key_create(&spare_key, spare_free);
}

static struct arena_block *block_new(struct arena_block *prev, size_t size)
{
    struct arena_block *b =
        size == ARENA_BLOCK && nspare ? spare[--nspare] : xmalloc(sizeof(*b) + size);
    b->prev = prev;
    b->size = size;
    return b;
}

static void block_free(struct arena_block *b)
{
    if (b->size == ARENA_BLOCK && nspare < SPARE_BLOCKS) {
        if (!nspare) {
            /* Makes sure spare_free runs when this thread ends. */
            pthread_once(&spare_once, spare_key_init);
            pthread_setspecific(spare_key, spare);
        }
        spare[nspare++] = b;
    } else {
        free(b);
    }
}

void arena_init(struct arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *prev = b->prev;
        block_free(b);
        b = prev;
    }
    arena_init(a);
}

void arena_reset(struct arena *a)
{
    struct arena_block *b = a->head;
    if (!b)
        return;
    while (b->prev) {
        struct arena_block *prev = b->prev;
        block_free(b);
        b = prev;
    }
    a->head = b;
    a->used = 0;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        BUG("arena allocation of %zu bytes overflows", n);
    if (!a->head || a->used + need > a->head->size) {
        if (need > ARENA_BLOCK / 2) {
            /* Big allocations get a block of their own behind the current one
             * so the current block keeps serving small ones. */
            struct arena_block *big = block_new(a->head ? a->head->prev : NULL, need);
            if (a->head)
                a->head->prev = big;
            else {
                a->head = big;
                a->used = need;
            }
            a->total += need;
            return big->data;
        }
        a->head = block_new(a->head, ARENA_BLOCK);
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += need;
    a->total += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        BUG("arena_calloc overflow %zu x %zu", n, size);
    void *p = arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        BUG("bad format %s", fmt);
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
