#include "app.h"
#include "core/filehdr.h"

#include <ctype.h>
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

bool upload_checksum_parse(const char *h, enum upload_hash *alg, unsigned char digest[32])
{
    size_t bytes, chars;
    if (h && !strncmp(h, "sha1 ", 5)) {
        *alg = UPLOAD_SHA1;
        bytes = 20, chars = 28; /* 27 characters and one "=" */
        h += 5;
    } else if (h && !strncmp(h, "sha256 ", 7)) {
        *alg = UPLOAD_SHA256;
        bytes = 32, chars = 44; /* 43 characters and one "=" */
        h += 7;
    } else {
        return false;
    }
    size_t got = 0;
    const char *end;
    return strlen(h) == chars &&
           sodium_base642bin(digest, bytes, h, chars, NULL, &got, &end,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == bytes && *end == '\0';
}

#define METADATA_KEY_MAX 64

/* Whether v (len bytes) is standard base64 with its padding. */
static bool base64_ok(const char *v, size_t len)
{
    if (len % 4)
        return false;
    size_t pad = len && v[len - 1] == '=' ? (len > 1 && v[len - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < len - pad; i++)
        if (!isalnum((unsigned char)v[i]) && v[i] != '+' && v[i] != '/')
            return false;
    return true;
}

int upload_metadata_get(const char *h, const char *key, char *out, size_t n, size_t *len)
{
    char seen[32][METADATA_KEY_MAX + 1];
    int nseen = 0, found = 0;
    if (!h)
        return 0;
    for (const char *p = h;;) {
        while (*p == ' ')
            p++;
        size_t klen = 0;
        while (p[klen] > ' ' && p[klen] < 0x7f && p[klen] != ',')
            klen++;
        if (klen == 0 || klen > METADATA_KEY_MAX || nseen == (int)ARRAY_SIZE(seen))
            return -1;
        for (int i = 0; i < nseen; i++)
            if (strlen(seen[i]) == klen && !memcmp(seen[i], p, klen))
                return -1; /* a key twice */
        memcpy(seen[nseen], p, klen);
        seen[nseen++][klen] = '\0';
        bool wanted = strlen(key) == klen && !memcmp(key, p, klen);
        p += klen;
        const char *v = p;
        size_t vlen = 0;
        if (*p == ' ') {
            v = ++p;
            vlen = strcspn(v, ", ");
            p += vlen;
        }
        if (*p != ',' && *p != '\0' && *p != ' ')
            return -1;
        if (!base64_ok(v, vlen))
            return -1;
        size_t got = 0;
        if (wanted && vlen &&
            (!n || sodium_base642bin((unsigned char *)out, n - 1, v, vlen, NULL, &got, NULL,
                                     sodium_base64_VARIANT_ORIGINAL)))
            return -1; /* too long for out */
        if (wanted) {
            if (!n)
                return -1;
            out[got] = '\0';
            *len = got;
            found = 1;
        }
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return found;
        if (*p != ',')
            return -1;
        p++;
    }
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
