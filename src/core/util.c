#include "app.h"

#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/time.h>
#include <unistd.h>

void bug_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "BUG at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static NORETURN void out_of_memory(size_t n)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* Seconds added to the wall clock (tests only: clock_skew_set). */
static _Atomic int64_t clock_skew;

void clock_skew_set(int64_t seconds)
{
    atomic_store(&clock_skew, seconds);
}

int64_t clock_skew_get(void)
{
    return atomic_load_explicit(&clock_skew, memory_order_relaxed);
}

int64_t now_sec(void)
{
    return (int64_t)time(NULL) + clock_skew_get();
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + clock_skew_get()) * 1000 + ts.tv_nsec / 1000000;
}

void timespec_in(clockid_t clk, int64_t us, struct timespec *ts)
{
    clock_gettime(clk, ts);
    ts->tv_sec += (time_t)(us / 1000000);
    ts->tv_nsec += (long)(us % 1000000) * 1000;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_iso(int64_t t, char out[static 21])
{
    /* Years 0..9999 only: the format has four digits. */
    static const int64_t min = -62167219200LL, max = 253402300799LL;
    time_t tt = (time_t)(t < min ? min : t > max ? max : t);
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        memcpy(out, "1970-01-01T00:00:00Z", 21);
        return;
    }
    snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Floor division: instants before 1970 fall on the right day too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t beijing_day(int64_t t)
{
    return floor_div(t + BEIJING_OFFSET, 86400);
}

int64_t beijing_day_start(int64_t day)
{
    return day * 86400 - BEIJING_OFFSET;
}

void date_from_days(int64_t z, char out[static 11])
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    if (y < 0 || y > 9999) {
        memcpy(out, y < 0 ? "0000-01-01" : "9999-12-31", 11);
        return;
    }
    /* By hand: the answer cache's key formats today's date on every request. */
    const int v[3] = {y, m, d}, width[3] = {4, 2, 2};
    char *p = out;
    for (int k = 0; k < 3; k++) {
        if (k)
            *p++ = '-';
        for (int i = width[k] - 1, n = v[k]; i >= 0; i--, n /= 10)
            p[i] = (char)('0' + n % 10);
        p += width[k];
    }
    *p = '\0';
}

void date_of(int64_t t, char out[static 11])
{
    date_from_days(beijing_day(t), out);
}

void date_today(char out[static 11])
{
    date_of(now_sec(), out);
}

int64_t day_today(void)
{
    return beijing_day(now_sec());
}

bool date_parse(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int yy = atoi(s), mm = atoi(s + 5), dd = atoi(s + 8);
    if (yy < 1900 || yy > 2200 || mm < 1 || mm > 12 || dd < 1)
        return false;
    int max = mdays[mm - 1];
    if (mm == 2 && ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0))
        max = 29;
    if (dd > max)
        return false;
    *y = yy;
    *m = mm;
    *d = dd;
    return true;
}

bool date_days(const char *s, int64_t *z)
{
    int y, m, d;
    if (!date_parse(s, &y, &m, &d))
        return false;
    *z = days_from_civil(y, m, d);
    return true;
}

bool date_add_months(const char *date, int months, char out[static 11])
{
    int y, m, d;
    if (!date_parse(date, &y, &m, &d))
        return false;
    int i = y * 12 + m - 1 + months;
    int64_t first = days_from_civil(i / 12, i % 12 + 1, 1);
    int64_t next = days_from_civil((i + 1) / 12, (i + 1) % 12 + 1, 1);
    int64_t day = first + d - 1;
    date_from_days(day < next ? day : next - 1, out);
    return true;
}

bool date_passed(const char *date)
{
    int64_t z;
    return date_days(date, &z) && z < day_today();
}

bool month_parse(const char *s, int *y, int *m)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    *y = atoi(s);
    *m = atoi(s + 5);
    return *y >= 1900 && *y <= 2200 && *m >= 1 && *m <= 12;
}

int month_index(const char *s)
{
    int y, m;
    char ym[8];
    if (!s || strlen(s) < 7)
        return -1;
    snprintf(ym, sizeof(ym), "%.7s", s);
    return month_parse(ym, &y, &m) ? y * 12 + m - 1 : -1;
}

int month_diff(const char *a, const char *b)
{
    int x = month_index(a), y = month_index(b);
    return x < 0 || y < 0 ? 0 : y - x;
}

void month_format(int i, char out[static 8])
{
    char tmp[32];
    if (i < 0)
        i = 0;
    snprintf(tmp, sizeof(tmp), "%04d-%02d", (i / 12) % 10000, i % 12 + 1);
    memcpy(out, tmp, 8);
    out[7] = '\0';
}

char *month_str(struct arena *a, int i)
{
    char out[8];
    month_format(i, out);
    return arena_strdup(a, out);
}

char *month_minus(struct arena *a, const char *month, int k)
{
    int y, m;
    if (!month_parse(month, &y, &m))
        return arena_strdup(a, month);
    int t = y * 12 + (m - 1) - k;
    return arena_printf(a, "%04d-%02d", t / 12, t % 12 + 1);
}

int month_of(int64_t t)
{
    int y, m, d;
    civil_from_days(beijing_day(t), &y, &m, &d);
    return y * 12 + m - 1;
}

int month_today(void)
{
    return month_of(now_sec());
}

int64_t month_start(int i)
{
    return beijing_day_start(days_from_civil(i / 12, i % 12 + 1, 1));
}

int period_first_month(int c, int p)
{
    return p > 0 ? c - c % p : c;
}

static bool two_digits(const char *s, int max, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return *out <= max;
}

bool time_parse(const char *s, int64_t *t)
{
    char date[11];
    int y, mo, d, h, mi, sec = 0;
    if (!s || strnlen(s, 40) < 17 || s[10] != 'T' || s[13] != ':')
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!date_parse(date, &y, &mo, &d) || !two_digits(s + 11, 23, &h) ||
        !two_digits(s + 14, 59, &mi))
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!two_digits(p + 1, 59, &sec))
            return false;
        p += 3;
        if (*p == '.') {
            int k = 0;
            for (p++; *p >= '0' && *p <= '9'; p++)
                k++;
            if (k < 1 || k > 9)
                return false;
        }
    }
    if (p[0] != 'Z' || p[1])
        return false;
    *t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return true;
}

bool parse_i64(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int dig = s[i] - '0';
        if (v > (INT64_MAX - dig) / 10)
            return false;
        v = v * 10 + dig;
    }
    *out = v;
    return true;
}

bool mem_equal_ct(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= x[i] ^ y[i];
    return acc == 0;
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int tmpfile_in(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/.tmp-XXXXXX", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

bool write_all(int fd, const void *p, size_t n)
{
    const char *at = p;
    while (n > 0) {
        ssize_t w = write(fd, at, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        at += w;
        n -= (size_t)w;
    }
    return true;
}
