#include "app.h"

#include <math.h>

void jw_init(struct jw *j, struct buf *out)
{
    j->out = out;
    j->depth = 0;
    j->need_comma[0] = false;
    j->after_key = false;
}

/* Called before every value or key: writes the separating comma. */
static void jw_sep(struct jw *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth])
        buf_addch(j->out, ',');
    j->need_comma[j->depth] = true;
}

static void jw_open(struct jw *j, char c)
{
    jw_sep(j);
    buf_addch(j->out, c);
    if (++j->depth >= JW_MAX_DEPTH)
        BUG("JSON nesting deeper than %d", JW_MAX_DEPTH);
    j->need_comma[j->depth] = false;
}

static void jw_close(struct jw *j, char c)
{
    assert(j->depth > 0 && !j->after_key);
    j->depth--;
    buf_addch(j->out, c);
}

void jw_obj_begin(struct jw *j)
{
    jw_open(j, '{');
}

void jw_obj_end(struct jw *j)
{
    jw_close(j, '}');
}

void jw_arr_begin(struct jw *j)
{
    jw_open(j, '[');
}

void jw_arr_end(struct jw *j)
{
    jw_close(j, ']');
}

void jw_key(struct jw *j, const char *key)
{
    jw_sep(j);
    jw_escape(j->out, key, strlen(key));
    buf_addch(j->out, ':');
    j->after_key = true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        min = 0x80;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        min = 0x800;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

void jw_escape(struct buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    buf_grow(b, n + 2);
    buf_addch(b, '"');
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t seq = c >= 0x80 ? utf8_seq(s + i, n - i) : 0;
        if (seq > 1) {
            i += seq;
            continue;
        }
        buf_add(b, s + run, i - run);
        switch (c) {
        case '"':
            buf_add(b, "\\\"", 2);
            break;
        case '\\':
            buf_add(b, "\\\\", 2);
            break;
        case '\n':
            buf_add(b, "\\n", 2);
            break;
        case '\r':
            buf_add(b, "\\r", 2);
            break;
        case '\t':
            buf_add(b, "\\t", 2);
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_add(b, esc, 6);
            } else {
                buf_add(b, "\xef\xbf\xbd", 3); /* invalid UTF-8 byte -> U+FFFD */
            }
        }
        i++;
        run = i;
    }
    buf_add(b, s + run, n - run);
    buf_addch(b, '"');
}

void jw_strn(struct jw *j, const char *s, size_t n)
{
    jw_sep(j);
    jw_escape(j->out, s, n);
}

void jw_str(struct jw *j, const char *s)
{
    if (!s) {
        jw_null(j);
        return;
    }
    jw_strn(j, s, strlen(s));
}

void jw_int(struct jw *j, int64_t v)
{
    jw_sep(j);
    buf_addint(j->out, v);
}

void jw_bool(struct jw *j, bool v)
{
    jw_sep(j);
    buf_addstr(j->out, v ? "true" : "false");
}

void jw_null(struct jw *j)
{
    jw_sep(j);
    buf_add(j->out, "null", 4);
}

void jw_time(struct jw *j, int64_t t)
{
    char iso[21];
    time_iso(t, iso);
    jw_sep(j);
    buf_addch(j->out, '"');
    buf_addstr(j->out, iso);
    buf_addch(j->out, '"');
}

void jw_fixed(struct jw *j, double v, int decimals)
{
    assert(decimals >= 0 && decimals <= 9);
    if (!isfinite(v)) {
        jw_null(j);
        return;
    }
    jw_sep(j);
    buf_printf(j->out, "%.*f", decimals, v);
}

void jw_raw(struct jw *j, const char *raw, size_t n)
{
    jw_sep(j);
    buf_add(j->out, raw, n);
}

void jw_kv_str(struct jw *j, const char *key, const char *s)
{
    jw_key(j, key);
    jw_str(j, s);
}

void jw_kv_int(struct jw *j, const char *key, int64_t v)
{
    jw_key(j, key);
    jw_int(j, v);
}

void jw_kv_bool(struct jw *j, const char *key, bool v)
{
    jw_key(j, key);
    jw_bool(j, v);
}

void jw_kv_null(struct jw *j, const char *key)
{
    jw_key(j, key);
    jw_null(j);
}

void jw_kv_id(struct jw *j, const char *key, int64_t id)
{
    jw_key(j, key);
    if (id > 0)
        jw_int(j, id);
    else
        jw_null(j);
}

void jw_kv_time(struct jw *j, const char *key, int64_t t)
{
    jw_key(j, key);
    if (t)
        jw_time(j, t);
    else
        jw_null(j);
}

char *jw_small(char *out, size_t n, const char *fmt, ...)
{
    struct buf b;
    struct jw j;
    buf_init(&b);
    jw_init(&j, &b);
    jw_obj_begin(&j);
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        const char *key = va_arg(ap, const char *);
        if (*f == 'i')
            jw_kv_int(&j, key, va_arg(ap, int64_t));
        else if (*f == 's')
            jw_kv_str(&j, key, va_arg(ap, const char *));
        else
            BUG("jw_small: format %c", *f);
    }
    va_end(ap);
    jw_obj_end(&j);
    if (b.len >= n)
        BUG("jw_small: %zu bytes do not fit in %zu", b.len, n);
    memcpy(out, b.data, b.len + 1);
    buf_release(&b);
    return out;
}
