#include "app.h"
#include "core/otp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_start(void)
{
    if (oath_init() != OATH_OK)
        BUG("liboath cannot start");
}

void totp_secret_new(char out[TOTP_SECRET_B32 + 1])
{
    pthread_once(&oath_once, oath_start);
    unsigned char raw[TOTP_SECRET_BYTES];
    randombytes_buf(raw, sizeof(raw));
    char *b32 = NULL;
    size_t n = 0;
    if (oath_base32_encode((const char *)raw, sizeof(raw), &b32, &n) != OATH_OK ||
        n != TOTP_SECRET_B32)
        BUG("base32 of a %d-byte secret", TOTP_SECRET_BYTES);
    memcpy(out, b32, TOTP_SECRET_B32);
    out[TOTP_SECRET_B32] = '\0';
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b32, n);
    free(b32);
}

bool totp_code_at(const unsigned char *secret, size_t len, int64_t t, unsigned digits, char *out)
{
    pthread_once(&oath_once, oath_start);
    return oath_totp_generate((const char *)secret, len, (time_t)t, TOTP_STEP, 0, digits, out) ==
           OATH_OK;
}

int64_t totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step)
{
    if (!secret_b32 || !code || strlen(code) != TOTP_DIGITS)
        return 0;
    for (size_t i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    pthread_once(&oath_once, oath_start);
    char *raw = NULL;
    size_t len = 0;
    if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &len) != OATH_OK)
        return 0;
    /* Every step of the window is computed and compared in constant time,
     * whichever matches: the answer's timing tells nothing. oath_totp_validate
     * stops at the first match, which would not skip a used step. */
    int64_t now_step = now / TOTP_STEP, found = 0;
    for (int64_t step = now_step - 1; step <= now_step + 1; step++) {
        char want[TOTP_DIGITS + 1];
        if (!totp_code_at((const unsigned char *)raw, len, step * TOTP_STEP, TOTP_DIGITS, want))
            continue;
        if (sodium_memcmp(want, code, TOTP_DIGITS) == 0 && step > last_step && !found)
            found = step;
        sodium_memzero(want, sizeof(want));
    }
    sodium_memzero(raw, len);
    free(raw);
    return found;
}

/* Percent-encodes s for a URI component (RFC 3986 unreserved kept). */
static void uri_escape(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            buf_addch(b, (char)*p);
        else
            buf_printf(b, "%%%02X", *p);
    }
}

char *totp_uri(struct arena *a, const char *issuer, const char *label, const char *secret_b32)
{
    struct buf b;
    buf_init_arena(&b, a);
    buf_addstr(&b, "otpauth://totp/");
    uri_escape(&b, issuer);
    buf_addstr(&b, ":");
    uri_escape(&b, label);
    buf_printf(&b, "?secret=%s&issuer=", secret_b32);
    uri_escape(&b, issuer);
    buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP);
    return b.data;
}

char *totp_qr_svg(struct arena *a, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    const int quiet = 4, size = qr->width + 2 * quiet;
    struct buf b;
    buf_init_arena(&b, a);
    buf_printf(&b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
               "<path fill=\"#000\" d=\"",
               size, size, size, size);
    for (int y = 0; y < qr->width; y++) {
        for (int x = 0; x < qr->width; x++) {
            if (!(qr->data[y * qr->width + x] & 1))
                continue;
            /* A run of dark modules on the row is one rectangle. */
            int run = 1;
            while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
                run++;
            buf_printf(&b, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
            x += run - 1;
        }
    }
    buf_addstr(&b, "\"/></svg>");
    QRcode_free(qr);
    return b.data;
}

void totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1])
{
    char half[6];
    random_password(half, sizeof(half));
    memcpy(out, half, 5);
    out[5] = '-';
    random_password(half, sizeof(half));
    memcpy(out + 6, half, 5);
    out[TOTP_RECOVERY_LEN] = '\0';
}

bool totp_recovery_normalize(const char *in, char out[TOTP_RECOVERY_LEN + 1])
{
    size_t n = 0;
    for (const char *p = in; p && *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) || n == 10)
            return false;
        out[n++] = c;
    }
    if (n != 10)
        return false;
    /* Stored and compared as "abcde-fghjk". */
    memmove(out + 6, out + 5, 5);
    out[5] = '-';
    out[TOTP_RECOVERY_LEN] = '\0';
    return true;
}
