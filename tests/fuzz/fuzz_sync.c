/*
 * fuzz_sync.c - the offline batch decoder (sync_decode, mod/mod.h) and the ISO time
 * parser behind capturedAt and startsAt (time_parse). Arbitrary bytes must not
 * crash; an accepted batch holds at most SYNC_MAX_CHANGES items; an item without an
 * error has a printable key, a kind, a positive meeting id and the fields its kind
 * needs; an accepted time prints (time_iso) as a time that parses to the same value.
 */
#include "app.h"
#include "mod/mod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    struct sync_batch b;
    const char *why = sync_decode(&a, (const char *)data, size, &b);
    if (why && b.n)
        abort();
    if (!why && b.n > SYNC_MAX_CHANGES)
        abort();
    for (size_t i = 0; i < b.n; i++) {
        const struct sync_change *c = &b.items[i];
        if (c->error)
            continue;
        if (!c->key || !*c->key || strlen(c->key) > 120 || !c->canon || c->meeting_id <= 0)
            abort();
        for (const char *k = c->key; *k; k++)
            if (*k < 0x21 || *k > 0x7e)
                abort();
        switch (c->kind) {
        case SYNC_ATTENDANCE:
            if (c->member_id <= 0 || !c->status)
                abort();
            break;
        case SYNC_MINUTES:
            if (!c->minutes && !c->resolutions)
                abort();
            break;
        case SYNC_FILE:
            if (!c->file_kind || !c->ref)
                abort();
            break;
        case SYNC_NOTE:
            if (!c->text)
                abort();
            break;
        case SYNC_CLOSE:
            break;
        default:
            abort();
        }
    }

    char *s = arena_strndup(&a, (const char *)data, size);
    int64_t t, back;
    if (time_parse(s, &t) && t >= 0 && t < 253402300800) {
        char out[21];
        time_iso(t, out);
        if (!time_parse(out, &back) || back != t) {
            fprintf(stderr, "\"%s\" -> %lld -> \"%s\"\n", s, (long long)t, out);
            abort();
        }
    }
    arena_release(&a);
    return 0;
}
