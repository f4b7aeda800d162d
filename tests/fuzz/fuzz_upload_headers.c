/*
 * fuzz_upload_headers.c - the upload protocol's headers and the download name
 * (core/filehdr.h): Upload-Offset, Upload-Checksum, Upload-Metadata and
 * Content-Disposition on arbitrary bytes must not crash; an accepted offset is
 * the digits it was written with; a metadata value found fits its buffer,
 * NUL-terminated at its length; a Content-Disposition value holds only
 * visible ASCII without a quote, backslash or line break inside its filename
 * parts.
 */
#include "app.h"
#include "core/filehdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    const char *h = arena_strndup(&a, (const char *)data, size);

    int64_t off = -1;
    if (upload_offset_parse(h, &off)) {
        char back[32];
        snprintf(back, sizeof(back), "%" PRId64, off);
        size_t zeros = strspn(h, "0");
        if (off < 0 || strcmp(back, h[zeros] ? h + zeros : "0"))
            abort();
    }
    unsigned char digest[32];
    enum upload_hash alg;
    upload_checksum_parse(h, &alg, digest);

    char meta[48];
    size_t len = 0;
    const char *keys[] = {"filename", "orgId", "a"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        memset(meta, 'x', sizeof(meta));
        int found = upload_metadata_get(h, keys[i], meta, sizeof(meta), &len);
        if (found < -1 || found > 1 || (found == 1 && (len >= sizeof(meta) || meta[len])))
            abort();
    }

    char cd[256];
    content_disposition(h, size % 2, cd, sizeof(cd));
    const char *star = strstr(cd, "filename*=UTF-8''");
    if (!star)
        abort();
    for (const char *p = cd; *p; p++)
        if (*p < 0x21 && *p != ' ')
            abort();
    for (const char *p = star + 17; *p; p++)
        if (*p == '"' || *p == '\\' || *p == ' ' || *p == ';' || (unsigned char)*p > 0x7e)
            abort();
    arena_release(&a);
    return 0;
}
