#include "app.h"

static char empty_buf[1];

void buf_init(struct buf *b)
{
    b->data = empty_buf;
    b->len = 0;
    b->cap = 0;
    b->arena = NULL;
}

void buf_init_arena(struct buf *b, struct arena *a)
{
    buf_init(b);
    b->arena = a;
}

void buf_release(struct buf *b)
{
    if (b->cap && !b->arena)
        free(b->data);
    struct arena *a = b->arena;
    buf_init(b);
    b->arena = a;
}

static void buf_resize(struct buf *b, size_t cap)
{
    if (b->arena) {
        char *p = arena_alloc(b->arena, cap);
        memcpy(p, b->data, b->len + 1);
        b->data = p;
    } else {
        b->data = b->cap ? xrealloc(b->data, cap) : memcpy(xmalloc(cap), b->data, b->len + 1);
    }
    b->cap = cap;
}

void buf_grow(struct buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    if (b->len + n + 1 < n)
        BUG("buf overflow");
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap = cap * 2;
    buf_resize(b, cap);
}

void buf_grow_exact(struct buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    if (b->len + n + 1 < n)
        BUG("buf overflow");
    buf_resize(b, b->len + n + 1);
}

void buf_add(struct buf *b, const void *p, size_t n)
{
    buf_grow(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addint(struct buf *b, int64_t v)
{
    char digits[24], *p = digits + sizeof(digits);
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        BUG("bad format %s", fmt);
    if ((size_t)n >= room) {
        buf_grow(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
    if (b->arena)
        BUG("buf_detach on an arena buffer");
    char *p = b->cap ? b->data : xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b);
    return p;
}
