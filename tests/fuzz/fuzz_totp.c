/*
 * fuzz_totp.c - the second-factor inputs a client types: totp_check (the
 * code against a fixed secret, any time and last step) and
 * totp_recovery_normalize, each against a reference written differently.
 */
#include "app.h"
#include "core/otp.h"

#include <ctype.h>

#define SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* RFC 6238's "12345678901234567890" */

/* The canonical recovery code of s, or false: keep [a-z0-9] after folding
 * case, drop spaces and dashes, anything else refuses; exactly ten. */
static bool ref_normalize(const char *s, char out[12])
{
    char keep[64];
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '-')
            continue;
        if (!isalnum(c) || c > 0x7f)
            return false;
        if (n >= sizeof(keep))
            return false;
        keep[n++] = (char)tolower(c);
    }
    if (n != 10)
        return false;
    snprintf(out, 12, "%.5s-%.5s", keep, keep + 5);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > 200)
        return 0;
    int64_t t, last;
    memcpy(&t, data, 4); /* 32 bits of time: any step, negative ones too */
    t = (int32_t)t;
    last = data[4];
    char *s = malloc(size - 5 + 1);
    memcpy(s, data + 5, size - 5);
    s[size - 5] = '\0';

    int64_t step = totp_check(SECRET, s, t, last);
    if (step) {
        /* Only a 6-digit code of a step in the window, after last, is accepted. */
        assert(strlen(s) == 6 && strspn(s, "0123456789") == 6);
        assert(step > last && step >= t / 30 - 1 && step <= t / 30 + 1);
        char want[7];
        assert(totp_code_at((const unsigned char *)"12345678901234567890", 20, step * 30, 6, want));
        assert(!strcmp(want, s));
    }

    char a[TOTP_RECOVERY_LEN + 1], b[12];
    bool ok = totp_recovery_normalize(s, a), rok = ref_normalize(s, b);
    assert(ok == rok);
    if (ok)
        assert(!strcmp(a, b));
    free(s);
    return 0;
}
