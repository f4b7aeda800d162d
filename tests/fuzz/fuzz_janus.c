/*
 * fuzz_janus.c - answers of the Janus server (core/janus.h): what
 * janus_parse_participants reads from a listparticipants answer must not
 * crash on arbitrary bytes; it keeps at most max ids, each positive, and says
 * "no room" only for Janus's no-such-room error.
 */
#include "app.h"
#include "core/janus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ids[8];
    size_t n = 99;
    enum janus_result r = janus_parse_participants((const char *)data, size, ids, 8, &n);
    if (n > 8)
        abort();
    for (size_t i = 0; i < n; i++)
        if (ids[i] <= 0)
            abort();
    if (r != JANUS_OK && r != JANUS_NO_ROOM && r != JANUS_DOWN && r != JANUS_REFUSED)
        abort();
    if (r != JANUS_OK && n)
        abort();
    return 0;
}
