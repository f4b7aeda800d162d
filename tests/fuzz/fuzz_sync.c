/*
 * fuzz_sync.c - the offline batch (sync_body, sync_change_read in mod/sync.h) and the
 * ISO time parser behind capturedAt and startsAt (time_parse). Arbitrary bytes must not
 * crash; the input parsed as a body {"changes": [...]} (or as the list itself) is read
 * as the dispatcher reads it (value_from_json, each change on its own) and then change
 * by change: an accepted list holds at most SYNC_MAX_CHANGES items; an item without an error has a printable
 * key, its canonical JSON, a kind, a positive meeting id and the fields its kind needs;
 * an accepted time prints (time_iso) as a time that parses to the same value.
 */
#include "app.h"
#include "core/validate.h"
#include "mod/sync.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a);
    json_t *j =
        json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    json_t *list = json_is_object(j) ? json_object_get(j, "changes") : j; /* a body or a list */
    struct value changes = {0};
    const char *why = NULL;
    if (list && !value_from_json(&a, &sync_body[0], list, &changes, &why))
        changes.n = 0;
    json_decref(j);
    if (changes.n > SYNC_MAX_CHANGES)
        abort();
    for (size_t i = 0; i < changes.n; i++) {
        struct sync_change change;
        const struct sync_change *c = &change;
        sync_change_read(&a, &changes, i, &change);
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
