/*
 * arena.h - per-request memory. Everything a request allocates comes from
 * its arena and is released at once when the request ends; handlers never
 * free. Allocation failure aborts (see xmalloc).
 */
#ifndef ZHIBU_ARENA_H
#define ZHIBU_ARENA_H

struct arena_block;

struct arena {
    struct arena_block *head; /* current block, linked to older ones */
    size_t used;              /* bytes used in head */
    size_t total;             /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
/* Frees every block. The arena can be reused after arena_init(). */
void arena_release(struct arena *a);
/* Keeps the first block, drops the rest: cheap reuse between requests. */
void arena_reset(struct arena *a);

/* Returns n bytes aligned for any type, owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Zeroed n*size bytes; aborts on overflow. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

#endif
