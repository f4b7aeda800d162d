/*
 * fuzz_s3_list.c - answers of an S3-compatible store (core/store.h): what
 * s3_parse_list reads from a ListObjectsV2 page must not crash on arbitrary
 * bytes; it hands on only blob names (64 lower-case hex digits) and a
 * continuation token that fits its buffer.
 */
#include "app.h"
#include "core/store.h"

static bool seen(const char *sha, int64_t mtime, void *arg)
{
    if (!store_hash_ok(sha))
        abort();
    return ++*(int *)arg < 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char token[64];
    bool more = false;
    int n = 0;
    s3_parse_list((const char *)data, size, seen, &n, token, sizeof(token), &more);
    if (more && strlen(token) >= sizeof(token))
        abort();
    return 0;
}
