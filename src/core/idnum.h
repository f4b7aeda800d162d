/*
 * idnum.h - citizen ID numbers (居民身份证号码, GB 11643-1999): 17 digits
 * (6 region, 8 birth date, 3 sequence) and a check character computed with
 * ISO 7064 MOD 11-2 (0-9 or X).
 */
#ifndef ZHIBU_IDNUM_H
#define ZHIBU_IDNUM_H

#define IDNUM_LEN 18

/*
 * Checks an ID number. On success copies it into norm (a lower-case x made
 * upper-case) and its birth date as "YYYY-MM-DD" into birth, and returns
 * NULL; otherwise returns why it is wrong (a static English sentence).
 * Dates after today are refused.
 */
const char *idnum_check(const char *s, char norm[IDNUM_LEN + 1], char birth[11]);

/* The check character for the first 17 digits. */
char idnum_check_char(const char *first17);

/*
 * "1101**************": the first 4 characters (province and prefecture, which
 * the member's branch tells anyway), the rest starred (arena string). The
 * birth date is shown beside it in the record, so the mask keeps back the
 * other region digits, the sequence and the check character: about 50,000
 * numbers fit a mask, a birth date and a gender (docs/SECURITY.md).
 */
char *idnum_mask(struct arena *a, const char *id);

#endif
