/*
 * fuzz_range.c - the Range header (core/filehdr.h). range_parse on arbitrary
 * text and any file size must not crash, and what it accepts lies inside the
 * file: 1 <= len, start + len <= size. The first 8 bytes choose the size.
 */
#include "app.h"
#include "core/filehdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t raw = 0;
    memcpy(&raw, data, 8);
    int64_t file_size =
        (int64_t)(raw % 4) == 0 ? (int64_t)(raw >> 2) & INT64_MAX >> 2 : (int64_t)(raw % 100000);
    struct arena a;
    arena_init(&a);
    const char *h = arena_strndup(&a, (const char *)data + 8, size - 8);
    int64_t start = -1, len = -1;
    enum range_result r = range_parse(h, file_size, &start, &len);
    if (r == RANGE_OK && (start < 0 || len < 1 || start > file_size - len)) {
        fprintf(stderr, "range \"%s\" of %" PRId64 " bytes gave %" PRId64 "+%" PRId64 "\n", h,
                file_size, start, len);
        abort();
    }
    arena_release(&a);
    return 0;
}
