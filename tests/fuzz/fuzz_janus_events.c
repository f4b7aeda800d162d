/*
 * fuzz_janus_events.c - what Janus's event handler posts to zhibu
 * (core/janus.h, POST /api/v1/rooms/events): janus_parse_events must not
 * crash on arbitrary bytes; it keeps at most max events, each a join or a
 * leave with a positive room and participant, and none when it says the
 * body is not events.
 */
#include "app.h"
#include "core/janus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct janus_event ev[4];
    size_t n = 99;
    bool ok = janus_parse_events((const char *)data, size, ev, 4, &n);
    if (n > 4 || (!ok && n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((ev[i].kind != JANUS_EVENT_JOINED && ev[i].kind != JANUS_EVENT_LEFT) ||
            ev[i].room <= 0 || ev[i].participant <= 0)
            abort();
    return 0;
}
