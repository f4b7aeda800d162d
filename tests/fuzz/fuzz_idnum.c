/*
 * fuzz_idnum.c - citizen ID numbers (core/idnum.h): idnum_check on arbitrary text must
 * not crash; what it accepts has 18 characters, a correct check character (upper-case
 * X), a real birth date equal to the digits 7-14, and masks to its first 4 + 14 stars
 * (nothing that the birth date and gender shown beside it would narrow down).
 */
#include "app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    char *s = arena_strndup(&a, (const char *)data, size);
    char norm[IDNUM_LEN + 1], birth[11];
    if (!idnum_check(s, norm, birth)) {
        int y, m, d;
        if (strlen(norm) != IDNUM_LEN || idnum_check_char(norm) != norm[17] ||
            !date_parse(birth, &y, &m, &d) || memcmp(birth, norm + 6, 4) ||
            memcmp(birth + 5, norm + 10, 2) || memcmp(birth + 8, norm + 12, 2))
            abort();
        char *mask = idnum_mask(&a, norm);
        if (strlen(mask) != IDNUM_LEN || strspn(mask + 4, "*") != 14 || memcmp(mask, norm, 4))
            abort();
        /* The normalised number is accepted again, unchanged. */
        char again[IDNUM_LEN + 1], b2[11];
        if (idnum_check(norm, again, b2) || strcmp(again, norm))
            abort();
    }
    arena_release(&a);
    return 0;
}
