/*
 * fuzz_cursor.c - paging cursors (core/page.h). cursor_decode on arbitrary text must not
 * crash; what it accepts re-encodes to the same text (one encoding per value); and
 * cursor_encode of any string decodes back to it.
 */
#include "app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    char *s = arena_strndup(&a, (const char *)data, size); /* up to the first NUL */

    char *raw = cursor_decode(&a, s);
    if (raw) {
        char *again = cursor_encode(&a, raw);
        if (strcmp(again, s) != 0) {
            fprintf(stderr, "cursor \"%s\" decodes to \"%s\", which encodes as \"%s\"\n", s,
                    raw, again);
            abort();
        }
    }

    char *c = cursor_encode(&a, s);
    if (strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
        strlen(c))
        abort();
    char *back = cursor_decode(&a, c);
    if (!back || strcmp(back, s) != 0)
        abort();
    arena_release(&a);
    return 0;
}
