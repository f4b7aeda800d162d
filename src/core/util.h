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
/* The time us microseconds from now on clock clk, for pthread_cond_timedwait. */
void timespec_in(clockid_t clk, int64_t us, struct timespec *ts);

/* Writes t (seconds since the epoch) as "2026-11-24T06:13:33Z" into out (>= 21 bytes). */
void time_iso(int64_t t, char out[static 21]);

/*
 * The calendar. Instants are stored in UTC; every rule about days, months,
 * quarters and years (today, this month, arrears, compliance periods, ages,
 * deadlines) is reasoned in Beijing time, UTC+8 all year (no daylight saving
 * since 1991). A "day number" counts days since 1970-01-01; a "month index"
 * is year * 12 + month - 1.
 */
#define BEIJING_OFFSET (8 * 3600)
/* Day number of a proleptic Gregorian date (any y, m 1..12, d 1..31). */
int64_t days_from_civil(int y, int m, int d);
/* The date of day number z. */
void civil_from_days(int64_t z, int *y, int *m, int *d);
/* The Beijing day number holding instant t. */
int64_t beijing_day(int64_t t);
/* The instant (UTC seconds) at which Beijing day `day` begins. */
int64_t beijing_day_start(int64_t day);
/* Day number z as "YYYY-MM-DD" (years outside 0..9999 clamp). */
void date_from_days(int64_t z, char out[static 11]);
/* The Beijing date of instant t as "YYYY-MM-DD". */
void date_of(int64_t t, char out[static 11]);
/* Today (Beijing) as "YYYY-MM-DD". */
void date_today(char out[static 11]);
/* Today's Beijing day number. */
int64_t day_today(void);
/* Parses "YYYY-MM-DD" strictly (a real calendar date); returns false otherwise. */
bool date_parse(const char *s, int *y, int *m, int *d);
/* "YYYY-MM-DD" as a day number; false if it is not a real date. */
bool date_days(const char *s, int64_t *z);
/* The date `months` months after date (negative: before) into out; the day is
 * kept, or the month's last day when it is shorter (31 Jan + 1 month: 28 or
 * 29 Feb). False if date is not a real date. */
bool date_add_months(const char *date, int months, char out[static 11]);
/* Whether the Beijing day `date` ("YYYY-MM-DD") has ended: a deadline on
 * that day is overdue from 00:00 Beijing time the day after. */
bool date_passed(const char *date);
/* Parses "YYYY-MM" strictly (years 1900..2200). */
bool month_parse(const char *s, int *y, int *m);
/* "YYYY-MM" (or a date "YYYY-MM-DD": its month) as a month index; -1 if malformed. */
int month_index(const char *s);
/* Months from "YYYY-MM" a to b (b - a); 0 if either is malformed. */
int month_diff(const char *a, const char *b);
/* Month index i as "YYYY-MM" into out. */
void month_format(int i, char out[static 8]);
struct arena;
/* Month index i as "YYYY-MM" (arena). */
char *month_str(struct arena *a, int i);
/* The month k months before "YYYY-MM" (arena; a malformed month is copied). */
char *month_minus(struct arena *a, const char *month, int k);
/* The Beijing month index of instant t, and of now. */
int month_of(int64_t t);
int month_today(void);
/* The instant (UTC seconds) at which month index i begins in Beijing. */
int64_t month_start(int i);
/* The first month of the period of p months holding month c (periods are
 * aligned on the calendar year: p divides 12; quarters are p = 3). */
int period_first_month(int c, int p);

/* Parses an instant "YYYY-MM-DDTHH:MM[:SS[.fraction]]Z" (UTC; the fraction, up
 * to 9 digits, is dropped) strictly into seconds since the epoch. */
bool time_parse(const char *s, int64_t *t);

/* Parses 1 to 19 decimal digits (no sign, spaces or trailing bytes) as an int64;
 * false otherwise or on overflow. */
bool parse_i64(const char *s, size_t len, int64_t *out);

/* Constant-time comparison of n bytes. */
bool mem_equal_ct(const void *a, const void *b, size_t n);

/* An unnamed temporary file in dir (mode 0600, no name left behind even after
 * a crash where the file system allows: O_TMPFILE, else a unique name removed
 * at once), open for reading and writing. The descriptor, or -1 with errno. */
int tmpfile_in(const char *dir);
/* Writes all n bytes (retrying short writes and EINTR); false with errno set. */
bool write_all(int fd, const void *p, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
