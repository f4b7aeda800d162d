/*
 * idnum.c - citizen ID number validation (GB 11643-1999) and masking.
 */
#include "app.h"
#include "core/idnum.h"

char idnum_check_char(const char *first17)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * weight[i];
    return check[sum % 11];
}

/* Province-level region codes (the first two digits). */
static bool region_ok(const char *s)
{
    static const char *const codes = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 "
                                     "45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 ";
    for (const char *c = codes; *c; c += 3)
        if (c[0] == s[0] && c[1] == s[1])
            return true;
    return false;
}

const char *idnum_check(const char *s, char norm[IDNUM_LEN + 1], char birth[11])
{
    if (!s || strlen(s) != IDNUM_LEN)
        return "an ID number has 18 characters";
    for (int i = 0; i < 17; i++)
        if (s[i] < '0' || s[i] > '9')
            return "the first 17 characters of an ID number are digits";
    char last = s[17] == 'x' ? 'X' : s[17];
    if (!((last >= '0' && last <= '9') || last == 'X'))
        return "the last character of an ID number is a digit or X";
    if (!region_ok(s))
        return "the ID number does not start with a region code";
    char date[16];
    snprintf(date, sizeof(date), "%.4s-%.2s-%.2s", s + 6, s + 10, s + 12);
    int y, m, d;
    if (!date_parse(date, &y, &m, &d))
        return "the birth date in the ID number is not a real date";
    char today[11];
    date_today(today);
    if (strcmp(date, today) > 0)
        return "the birth date in the ID number is in the future";
    if (idnum_check_char(s) != last)
        return "the check character of the ID number is wrong (mistyped?)";
    memcpy(norm, s, 17);
    norm[17] = last;
    norm[18] = '\0';
    memcpy(birth, date, 11);
    return NULL;
}

char *idnum_mask(struct arena *a, const char *id)
{
    size_t n = strlen(id);
    if (n < 8)
        return arena_strdup(a, "****");
    return arena_printf(a, "%.4s%.*s", id, (int)(n - 4), "**************************");
}
