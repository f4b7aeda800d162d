#include "app.h"
#include "core/filehdr.h"

#include <sodium.h>

/* Digits at *p as an int64 (at most 18 of them, so no overflow); advances *p. */
static bool digits(const char **p, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9') {
        if (++n > 18)
            return false;
        v = v * 10 + (*s++ - '0');
    }
    if (!n)
        return false;
    *p = s;
    *out = v;
    return true;
}

enum range_result range_parse(const char *h, int64_t size, int64_t *start, int64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6))
        return RANGE_NONE;
    const char *p = h + 6;
    while (*p == ' ')
        p++;
    int64_t a = -1, b = -1;
    if (*p == '-') { /* a suffix: the last b bytes */
        p++;
        if (!digits(&p, &b))
            return RANGE_NONE;
    } else {
        if (!digits(&p, &a) || *p++ != '-')
            return RANGE_NONE;
        if (*p >= '0' && *p <= '9' && !digits(&p, &b))
            return RANGE_NONE;
        if (b >= 0 && b < a)
            return RANGE_NONE; /* invalid: ignored, as RFC 9110 says */
    }
    while (*p == ' ')
        p++;
    if (*p) /* several ranges (","), or trailing bytes: the whole file */
        return RANGE_NONE;
    if (a < 0) { /* suffix */
        if (b == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        *len = b < size ? b : size;
        *start = size - *len;
        return RANGE_OK;
    }
    if (a >= size)
        return RANGE_UNSATISFIABLE;
    int64_t last = b < 0 || b >= size ? size - 1 : b;
    *start = a;
    *len = last - a + 1;
    return RANGE_OK;
}

bool upload_offset_parse(const char *h, int64_t *offset)
{
    return h && digits(&h, offset) && !*h;
}

bool upload_checksum_parse(const char *h, unsigned char digest[32])
{
    if (!h || strncmp(h, "sha256 ", 7))
        return false;
    const char *b64 = h + 7;
    size_t n = strlen(b64), got = 0;
    const char *end;
    if (n != 44) /* 32 bytes: 43 characters and one "=" */
        return false;
    return sodium_base642bin(digest, 32, b64, n, NULL, &got, &end,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == 32 && *end == '\0';
}

static bool plain_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char *content_disposition(const char *name, bool inline_, char *out, size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_addstr(&b, inline_ ? "inline" : "attachment");
    buf_addstr(&b, "; filename=\"download");
    const char *dot = strrchr(name, '.');
    bool ext_ok = dot && strlen(dot) >= 2 && strlen(dot) <= 8;
    for (const char *p = dot ? dot + 1 : ""; ext_ok && *p; p++)
        ext_ok = plain_ascii((unsigned char)*p);
    if (ext_ok)
        buf_addstr(&b, dot);
    buf_addstr(&b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (plain_ascii(*p) || strchr("-._~", *p))
            buf_addch(&b, (char)*p);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    size_t len = b.len < n - 1 ? b.len : n - 1;
    /* Never end inside an escape: drop a cut "%X" or "%". */
    if (len < b.len) {
        if (len >= 1 && b.data[len - 1] == '%')
            len -= 1;
        else if (len >= 2 && b.data[len - 2] == '%')
            len -= 2;
    }
    memcpy(out, b.data, len);
    out[len] = '\0';
    buf_release(&b);
    return out;
}
