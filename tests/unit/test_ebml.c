/* test_ebml.c - src/core/ebml.c: an audio-only WebM told from a video, on
 * hand-made element trees and on truncated and malformed input. */
#include "app.h"
#include "core/ebml.h"
#include "unit.h"

/* EBML header {DocType "webm"}, then a Segment of unknown size (as a live
 * recording writes it) holding Info, then Tracks with the given entries. */
static size_t webm(unsigned char *out, const unsigned char *tracks, size_t ntracks)
{
    static const unsigned char head[] = {
        0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, 'w',  'e',  'b',  'm',  /* EBML, DocType */
        0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* Segment, ? */
        0x15, 0x49, 0xA9, 0x66, 0x83, 0x2A, 0xD7, 0xB1, /* Info {TimestampScale ...} */
    };
    memcpy(out, head, sizeof(head));
    size_t n = sizeof(head);
    static const unsigned char tracks_id[] = {0x16, 0x54, 0xAE, 0x6B};
    memcpy(out + n, tracks_id, 4);
    n += 4;
    out[n++] = (unsigned char)(0x80 | ntracks);
    if (ntracks)
        memcpy(out + n, tracks, ntracks);
    n += ntracks;
    static const unsigned char cluster[] = {0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF,
                                            0xFF, 0xFF, 0xFF, 0xFF, 0xE7, 0x81, 0x00};
    memcpy(out + n, cluster, sizeof(cluster));
    return n + sizeof(cluster);
}

/* TrackEntry {TrackNumber n, TrackType type, CodecID codec (4 bytes)}. */
#define ENTRY(num, type, c0, c1, c2, c3)                                                           \
    0xAE, 0x8C, 0xD7, 0x81, num, 0x83, 0x81, type, 0x86, 0x84, c0, c1, c2, c3

static void test_audio_only(void **state)
{
    (void)state;
    unsigned char b[256];
    static const unsigned char opus[] = {ENTRY(1, 2, 'A', '_', 'O', 'P')};
    size_t n = webm(b, opus, sizeof(opus));
    assert_true(ebml_audio_only(b, n));
    /* Two audio tracks are still voice. */
    static const unsigned char two[] = {ENTRY(1, 2, 'A', '_', 'O', 'P'),
                                        ENTRY(2, 2, 'A', '_', 'V', 'O')};
    n = webm(b, two, sizeof(two));
    assert_true(ebml_audio_only(b, n));
    /* The Segment with a known size that runs past the bytes given (a file's head). */
    n = webm(b, opus, sizeof(opus));
    memcpy(b + 16, "\x01\x00\x00\x00\x00\x00\x10\x00", 8); /* 4096 bytes, of which n */
    assert_true(ebml_audio_only(b, n));
}

static void test_video_or_nothing(void **state)
{
    (void)state;
    unsigned char b[256];
    static const unsigned char av[] = {ENTRY(1, 1, 'V', '_', 'V', 'P'),
                                       ENTRY(2, 2, 'A', '_', 'O', 'P')};
    size_t n = webm(b, av, sizeof(av));
    assert_false(ebml_audio_only(b, n));
    static const unsigned char v[] = {ENTRY(1, 1, 'V', '_', 'V', 'P')};
    n = webm(b, v, sizeof(v));
    assert_false(ebml_audio_only(b, n));
    /* No track entry at all; an entry without a type. */
    n = webm(b, NULL, 0);
    assert_false(ebml_audio_only(b, n));
    static const unsigned char untyped[] = {0xAE, 0x83, 0xD7, 0x81, 0x01};
    n = webm(b, untyped, sizeof(untyped));
    assert_false(ebml_audio_only(b, n));
}

static void test_malformed(void **state)
{
    (void)state;
    unsigned char b[256];
    static const unsigned char opus[] = {ENTRY(1, 2, 'A', '_', 'O', 'P')};
    size_t n = webm(b, opus, sizeof(opus));
    /* Every truncation before the end of Tracks is refused, none reads past n. */
    size_t tracks_end = n - 15;
    for (size_t k = 0; k < tracks_end; k++)
        assert_false(ebml_audio_only(b, k));
    assert_true(ebml_audio_only(b, tracks_end));
    /* Not EBML; a zero byte where a length starts; a Tracks element that claims
     * more than its Segment holds. */
    assert_false(ebml_audio_only((const unsigned char *)"RIFF\0\0\0\0WAVEfmt ", 16));
    unsigned char z[256];
    memcpy(z, b, n);
    z[4] = 0x00;
    assert_false(ebml_audio_only(z, n));
    memcpy(z, b, n);
    z[36] = 0xFE;
    assert_false(ebml_audio_only(z, n));
    /* A cluster before any Tracks: unknown, so not audio. */
    memcpy(z, b, n);
    memcpy(z + 32, "\x1F\x43\xB6\x75", 4);
    assert_false(ebml_audio_only(z, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audio_only),
        cmocka_unit_test(test_video_or_nothing),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
