/*
 * rooms.h - the audio rooms of meetings (Janus AudioBridge, core/janus.h):
 * passes for the members expected, and who was in a room from when to when.
 */
#ifndef ZHIBU_MOD_ROOMS_H
#define ZHIBU_MOD_ROOMS_H

struct db;

/* The job (mod_jobs in routes.c): looks at who is in the rooms of meetings
 * under way every room_reconcile_s seconds (room_poll_s without Janus's
 * events) and records it; removes expired passes from Janus. rooms_gather reads (which rooms, which passes expired),
 * rooms_ask asks Janus with no transaction open, rooms_record writes. */
int rooms_gather(struct db *db);
int rooms_ask(void);
int rooms_record(struct db *db);

#endif
