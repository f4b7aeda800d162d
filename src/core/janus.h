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

/* Takes a participant out of the room (a stale place after a drop, so that
 * the member can come back in at once). */
enum janus_result janus_room_kick(int64_t room, const char *secret, int64_t participant);
/* The host mutes or unmutes a participant for everyone. */
enum janus_result janus_room_mute(int64_t room, const char *secret, int64_t participant,
                                  bool muted);

/* The participant ids in the room now, at most max of them, into ids (*n). */
enum janus_result janus_room_participants(int64_t room, int64_t *ids, size_t max, size_t *n);

/* Parses a Janus HTTP API answer (untrusted input: fuzz/fuzz_janus.c):
 * what janus_room_participants reads from a listparticipants answer. */
enum janus_result janus_parse_participants(const char *body, size_t len, int64_t *ids, size_t max,
                                           size_t *n);

#endif
