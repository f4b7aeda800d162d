/*
 * buf.h - the one growable byte buffer (after git's strbuf). The contents
 * are always NUL-terminated. A buf either owns malloc'd memory
 * (buf_init/buf_release) or grows inside an arena (buf_init_arena), in
 * which case buf_release does nothing and the arena frees it.
 */
#ifndef ZHIBU_BUF_H
#define ZHIBU_BUF_H

struct buf {
    char *data;
    size_t len;
    size_t cap;
    struct arena *arena; /* NULL: malloc'd */
};

void buf_init(struct buf *b);
void buf_init_arena(struct buf *b, struct arena *a);
void buf_release(struct buf *b);
/* Makes room for n more bytes. */
void buf_grow(struct buf *b, size_t n);
/* The same without rounding up: room for exactly n more bytes (and the NUL)
 * when there is less, for a size known in advance. */
void buf_grow_exact(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addstr(struct buf *b, const char *s);
/* A decimal integer, without printf. */
void buf_addint(struct buf *b, int64_t v);
/* One byte (inline: JSON and log lines add many). */
static inline void buf_addch(struct buf *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_reset(struct buf *b);
/* Hands the malloc'd contents to the caller (who frees them); b is re-initialised. */
char *buf_detach(struct buf *b, size_t *len);

#endif
