/*
 * janus.h - zhibu's side of the Janus WebRTC server, which mixes the audio
 * rooms of meetings (the AudioBridge plugin). zhibu talks to Janus's HTTP
 * API with its api secret (create a room, let a member's token in, see who
 * is in a room) and to its Admin API (add and remove the tokens members'
 * browsers use). Every call is a few short HTTP requests on the loopback
 * interface or a private network, with a timeout; none may run inside a
 * transaction (a two-phase route's outside step, or a job's gather step).
 * Members' browsers talk to Janus themselves, with their token.
 */
#ifndef ZHIBU_JANUS_H
#define ZHIBU_JANUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum janus_result {
    JANUS_OK = 0,
    JANUS_NO_ROOM = 1,     /* the room does not exist (Janus restarted, or never made) */
    JANUS_DOWN = -1,       /* unreachable, timed out, or answered what is not Janus */
    JANUS_REFUSED = -2,    /* Janus answered with an error (a wrong secret, ...) */
    JANUS_NOT_SET_UP = -3, /* no janus_url configured */
};

/* Once at start, before the threads (libcurl's global state); logs whether
 * audio rooms are on. */
void janus_init(void);
bool janus_configured(void);

/* The room exists in Janus (made now if needed), private, its members
 * admitted by token only; secret manages it. */
enum janus_result janus_room_ensure(int64_t room, const char *secret, const char *description);

/* A member's token: Janus accepts it for the AudioBridge plugin (Admin API)
 * and the room lets it join. janus_token_remove: no longer. */
enum janus_result janus_token_admit(int64_t room, const char *secret, const char *token);
enum janus_result janus_token_remove(const char *token);

/* The meeting's video (the VideoRoom plugin, a room of the same number):
 * made if needed, private, token-only, few publishers, each capped at a low
 * bitrate; janus_video_admit lets a member's token (admitted to the audio
 * room already) use the VideoRoom and enter that room; janus_video_destroy
 * ends it (everyone's video stops; the audio goes on). */
enum janus_result janus_video_ensure(int64_t room, const char *secret, const char *description);
enum janus_result janus_video_admit(int64_t room, const char *secret, const char *token);
enum janus_result janus_video_destroy(int64_t room, const char *secret);

/* Takes a participant out of the room (a stale place after a drop, so that
 * the member can come back in at once). */
enum janus_result janus_room_kick(int64_t room, const char *secret, int64_t participant);
/* The host mutes or unmutes a participant for everyone. */
enum janus_result janus_room_mute(int64_t room, const char *secret, int64_t participant,
                                  bool muted);

/* The participant ids in the room now, at most max of them, into ids (*n). */
enum janus_result janus_room_participants(int64_t room, int64_t *ids, size_t max, size_t *n);

/*
 * What Janus's sample event handler posts (janus.eventhandler.sampleevh,
 * scripts/janus-config --events): the AudioBridge's joins and leaves.
 */
enum janus_event_kind {
    JANUS_EVENT_JOINED = 1, /* a participant joined a room */
    JANUS_EVENT_LEFT,       /* left it (hung up, its session ended, or kicked) */
};

struct janus_event {
    enum janus_event_kind kind;
    int64_t room, participant; /* both positive */
};

/* Janus's events are on: janus_events_secret is set. */
bool janus_events_on(void);
/* The Authorization header of a request is the one the event handler sends
 * ("Basic" with user janus and janus_events_secret), compared in constant
 * time; false when events are off. */
bool janus_events_authorized(const char *authorization);

/* Parses a post of the event handler (untrusted input: fuzz/fuzz_janus_events.c):
 * one event object, or an array of them (the handler's grouping). At most max
 * AudioBridge joins and leaves go into ev (*n); other events are skipped.
 * false (and *n 0) when the body is not JSON of that shape. */
bool janus_parse_events(const char *body, size_t len, struct janus_event *ev, size_t max,
                        size_t *n);

/* Parses a Janus HTTP API answer (untrusted input: fuzz/fuzz_janus.c):
 * what janus_room_participants reads from a listparticipants answer. */
enum janus_result janus_parse_participants(const char *body, size_t len, int64_t *ids, size_t max,
                                           size_t *n);

#endif
