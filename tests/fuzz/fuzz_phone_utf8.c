/*
 * fuzz_phone_utf8.c - the small validators against independent reference
 * implementations: valid_phone, utf8_chars, date_parse, time_parse, parse_i64.
 */
#include "app.h"

#include <ctype.h>

/* ---- references, written differently from the code under test ---- */

static bool ref_phone(const char *s)
{
    /* ^1[3-9][0-9]{9}$ */
    if (strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return false;
    return strspn(s, "0123456789") == 11;
}

/* Unicode 15, table 3-7 (well-formed UTF-8 byte sequences), then the control check. */
static long ref_utf8_chars(const unsigned char *s, size_t n)
{
    long count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char b0 = s[i];
        size_t len;
        unsigned char lo = 0x80, hi = 0xbf;
        if (b0 <= 0x7f)
            len = 1;
        else if (b0 >= 0xc2 && b0 <= 0xdf)
            len = 2;
        else if (b0 == 0xe0) {
            len = 3;
            lo = 0xa0;
        } else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 == 0xee || b0 == 0xef)
            len = 3;
        else if (b0 == 0xed) {
            len = 3;
            hi = 0x9f;
        } else if (b0 == 0xf0) {
            len = 4;
            lo = 0x90;
        } else if (b0 >= 0xf1 && b0 <= 0xf3)
            len = 4;
        else if (b0 == 0xf4) {
            len = 4;
            hi = 0x8f;
        } else
            return -1;
        if (n - i < len)
            return -1;
        if (len > 1 && (s[i + 1] < lo || s[i + 1] > hi))
            return -1;
        for (size_t k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return -1;
        /* C0 controls, DEL, C1 controls (U+0080..U+009F are c2 80..c2 9f). */
        if (b0 < 0x20 || b0 == 0x7f || (b0 == 0xc2 && s[i + 1] < 0xa0))
            return -1;
        i += len;
        count++;
    }
    return count;
}

static bool ref_date(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10)
        return false;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
            return false;
    int yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int mm = (s[5] - '0') * 10 + (s[6] - '0');
    int dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (yy < 1900 || yy > 2200 || mm < 1 || mm > 12 || dd < 1 || dd > 31)
        return false;
    /* Let the C library normalise the date: a real date comes back unchanged. */
    struct tm tm = {.tm_year = yy - 1900, .tm_mon = mm - 1, .tm_mday = dd, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back))
        return false;
    if (back.tm_year != yy - 1900 || back.tm_mon != mm - 1 || back.tm_mday != dd)
        return false;
    *y = yy;
    *m = mm;
    *d = dd;
    return true;
}

/* "YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]Z" by hand, the date through ref_date, timegm for
 * the seconds. */
static bool ref_time(const char *s, int64_t *t)
{
    size_t n = strlen(s);
    if (n < 17 || s[10] != 'T' || s[13] != ':')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    int y, m, d;
    if (!ref_date(date, &y, &m, &d))
        return false;
    const char *hm = s + 11;
    if (!isdigit((unsigned char)hm[0]) || !isdigit((unsigned char)hm[1]) ||
        !isdigit((unsigned char)hm[3]) || !isdigit((unsigned char)hm[4]))
        return false;
    int hh = (hm[0] - '0') * 10 + hm[1] - '0', mi = (hm[3] - '0') * 10 + hm[4] - '0', ss = 0;
    size_t i = 16;
    if (s[i] == ':') {
        if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
            return false;
        ss = (s[i + 1] - '0') * 10 + s[i + 2] - '0';
        i += 3;
        if (s[i] == '.') {
            size_t k = strspn(s + i + 1, "0123456789");
            if (k < 1 || k > 9)
                return false;
            i += 1 + k;
        }
    }
    if (strcmp(s + i, "Z") || hh > 23 || mi > 59 || ss > 59)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh,
                    .tm_min = mi, .tm_sec = ss};
    *t = (int64_t)timegm(&tm);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';

    if (valid_phone(s) != ref_phone(s))
        abort();

    long got = utf8_chars((const char *)data, size);
    long want = ref_utf8_chars(data, size);
    if (got != want) {
        fprintf(stderr, "utf8_chars = %ld, reference = %ld\n", got, want);
        abort();
    }

    int y = 0, m = 0, d = 0, ry = 0, rm = 0, rd = 0;
    bool dp = date_parse(s, &y, &m, &d), rp = ref_date(s, &ry, &rm, &rd);
    if (dp != rp || (dp && (y != ry || m != rm || d != rd))) {
        fprintf(stderr, "date_parse(\"%s\") = %d, reference %d\n", s, dp, rp);
        abort();
    }

    int64_t t = 0, rt = 0;
    bool tp = time_parse(s, &t), rtp = ref_time(s, &rt);
    if (tp != rtp || (tp && t != rt)) {
        fprintf(stderr, "time_parse(\"%s\") = %d %" PRId64 ", reference %d %" PRId64 "\n", s, tp, t,
                rtp, rt);
        abort();
    }

    /* parse_i64 over every prefix length of the input. */
    for (size_t len = 0; len <= size && len <= 24; len++) {
        int64_t v = -1;
        bool ok = parse_i64((const char *)data, len, &v);
        bool digits = len > 0 && strspn(s, "0123456789") >= len;
        if (ok) {
            if (!digits || v < 0)
                abort();
            /* Printing the value back gives the same digits, leading zeros aside. */
            char back[32];
            snprintf(back, sizeof(back), "%" PRId64, v);
            size_t z = 0;
            while (z + 1 < len && data[z] == '0')
                z++;
            if (strlen(back) != len - z || memcmp(back, data + z, len - z) != 0)
                abort();
        } else if (digits && len <= 19) {
            /* Refused digits must be a number above INT64_MAX. */
            unsigned __int128 w = 0;
            for (size_t i = 0; i < len; i++)
                w = w * 10 + (unsigned)(data[i] - '0');
            if (w <= (unsigned __int128)INT64_MAX)
                abort();
        }
    }
    free(s);
    return 0;
}
