/*
 * ebml.h - just enough of EBML (the container of WebM and Matroska) to tell an
 * audio-only recording from a video: libmagic names every WebM "video/webm",
 * and a phone's MediaRecorder writes voice as WebM with one Opus track.
 */
#ifndef ZHIBU_EBML_H
#define ZHIBU_EBML_H

#include <stdbool.h>
#include <stddef.h>

/* How many bytes from the start of a file ebml_audio_only needs at most: the
 * tracks of a recording come before its first cluster, within a few hundred. */
#define EBML_HEAD_BYTES 65536

/*
 * Whether the WebM or Matroska file whose first n bytes are p (untrusted)
 * declares at least one track and only audio tracks (TrackType 2) before its
 * first cluster. False for anything else: a video track, no Tracks element in
 * the bytes given, or bytes that are not EBML. Reads only p[0..n).
 */
bool ebml_audio_only(const unsigned char *p, size_t n);

#endif
