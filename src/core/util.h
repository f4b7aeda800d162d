/* util.h - allocation that never returns NULL, small string and time helpers. */
#ifndef ZHIBU_UTIL_H
#define ZHIBU_UTIL_H

/* Allocation failure aborts the process: nobody checks for NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Returns a malloc'd copy of s; the caller frees it. */
char *xstrdup(const char *s);

/* Current wall-clock time in seconds / milliseconds since the epoch, plus the
 * test clock's skew. Every "now" of the domain (dates, deadlines, windows,
 * escalations, ages) comes from here or date_today(), never from time(). */
int64_t now_sec(void);
int64_t now_ms(void);
/* The test clock: seconds added to now_sec/now_ms/date_today. Only a server
 * started with ZHIBU_TEST_HOOKS=1 lets a client move it (POST /test/clock). */
void clock_skew_set(int64_t seconds);
int64_t clock_skew_get(void);
/* Monotonic clock in microseconds, for durations. */
int64_t mono_us(void);

/* Writes t (seconds since the epoch) as "2026-11-24T06:13:33Z" into out (>= 21 bytes). */
void time_iso(int64_t t, char out[static 21]);
/* Today (UTC) as "YYYY-MM-DD". */
void date_today(char out[static 11]);
/* Parses "YYYY-MM-DD" strictly (a real calendar date); returns false otherwise. */
bool date_parse(const char *s, int *y, int *m, int *d);

/* Parses an instant "YYYY-MM-DDTHH:MM[:SS[.fraction]]Z" (UTC; the fraction, up
 * to 9 digits, is dropped) strictly into seconds since the epoch. */
bool time_parse(const char *s, int64_t *t);

/* Parses 1 to 19 decimal digits (no sign, spaces or trailing bytes) as an int64;
 * false otherwise or on overflow. */
bool parse_i64(const char *s, size_t len, int64_t *out);

/* Constant-time comparison of n bytes. */
bool mem_equal_ct(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
