/*
 * ebml.c - the EBML walk of ebml.h: the EBML header, then the Segment (often
 * of unknown size in a recording made live), then its children up to Tracks,
 * whose TrackEntry elements each carry a TrackType. Every length is checked
 * against the bytes that remain; nothing is allocated.
 */
#include "app.h"
#include "core/ebml.h"

#define EBML_ID_HEADER 0x1A45DFA3u
#define EBML_ID_SEGMENT 0x18538067u
#define EBML_ID_TRACKS 0x1654AE6Bu
#define EBML_ID_CLUSTER 0x1F43B675u
#define EBML_ID_TRACK_ENTRY 0xAEu
#define EBML_ID_TRACK_TYPE 0x83u

#define TRACK_TYPE_AUDIO 2

/* An element's head: its id (marker bits kept, as the specification writes
 * ids), the length of its data (unknown: all value bits set) and where the
 * data starts. */
struct ebml_el {
    uint32_t id;
    uint64_t size;
    bool unknown;
    size_t data;
};

/* Reads a variable-length integer at p[*at..n): 1 to max bytes, the leading
 * zero bits of the first byte say how many. keep: keep the marker bit (an id).
 * False when it is malformed or runs past n. */
static bool vint(const unsigned char *p, size_t n, size_t *at, int max, bool keep, uint64_t *out,
                 bool *all_ones)
{
    if (*at >= n || !p[*at])
        return false;
    int len = 1;
    while (!(p[*at] & (0x80 >> (len - 1))))
        len++;
    if (len > max || (size_t)len > n - *at)
        return false;
    uint64_t v = keep ? p[*at] : p[*at] & (0xFFu >> len);
    bool ones = v == (0xFFu >> len);
    for (int i = 1; i < len; i++) {
        v = v << 8 | p[*at + (size_t)i];
        ones = ones && p[*at + (size_t)i] == 0xFF;
    }
    *at += (size_t)len;
    *out = v;
    if (all_ones)
        *all_ones = ones;
    return true;
}

/* Reads the element head at p[*at..n) into el and moves *at to its data. */
static bool el_head(const unsigned char *p, size_t n, size_t *at, struct ebml_el *el)
{
    uint64_t id;
    if (!vint(p, n, at, 4, true, &id, NULL) || !vint(p, n, at, 8, false, &el->size, &el->unknown))
        return false;
    el->id = (uint32_t)id;
    el->data = *at;
    return true;
}

/* The data of el ends at or before end: its end, or end for an unknown size. */
static size_t el_end(const struct ebml_el *el, size_t end)
{
    if (el->unknown || el->size > end - el->data)
        return end;
    return el->data + (size_t)el->size;
}

/* The TrackType of the TrackEntry whose data is p[at..end), 0 if it has none. */
static uint64_t track_type(const unsigned char *p, size_t at, size_t end)
{
    while (at < end) {
        struct ebml_el el;
        if (!el_head(p, end, &at, &el) || el.unknown || el.size > end - at)
            return 0;
        if (el.id == EBML_ID_TRACK_TYPE && el.size >= 1 && el.size <= 8) {
            uint64_t v = 0;
            for (size_t i = 0; i < el.size; i++)
                v = v << 8 | p[at + i];
            return v;
        }
        at += (size_t)el.size;
    }
    return 0;
}

/* Whether the Tracks data p[at..end) (complete) lists only audio tracks. */
static bool tracks_audio_only(const unsigned char *p, size_t at, size_t end)
{
    int audio = 0;
    while (at < end) {
        struct ebml_el el;
        if (!el_head(p, end, &at, &el) || el.unknown || el.size > end - at)
            return false;
        if (el.id == EBML_ID_TRACK_ENTRY) {
            if (track_type(p, at, at + (size_t)el.size) != TRACK_TYPE_AUDIO)
                return false;
            audio++;
        }
        at += (size_t)el.size;
    }
    return audio > 0;
}

bool ebml_audio_only(const unsigned char *p, size_t n)
{
    size_t at = 0;
    struct ebml_el el;
    if (!el_head(p, n, &at, &el) || el.id != EBML_ID_HEADER || el.unknown || el.size > n - at)
        return false;
    at += (size_t)el.size;
    if (!el_head(p, n, &at, &el) || el.id != EBML_ID_SEGMENT)
        return false;
    size_t end = el_end(&el, n);
    while (at < end) {
        if (!el_head(p, end, &at, &el) || el.id == EBML_ID_CLUSTER)
            return false;
        if (el.id == EBML_ID_TRACKS)
            return !el.unknown && el.size <= end - at &&
                   tracks_audio_only(p, at, at + (size_t)el.size);
        if (el.unknown || el.size > end - at)
            return false;
        at += (size_t)el.size;
    }
    return false;
}
