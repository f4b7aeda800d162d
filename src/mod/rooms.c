/*
 * rooms.c - the audio rooms of meetings. A meeting with audioRoom on is held
 * (also) in a room of the Janus server (core/janus.h) whose number is the
 * meeting's id. A member expected at it, or whoever runs it, asks for a pass:
 * a token Janus admits for that room only, and a participant number of the
 * member's own; the browser then talks to Janus directly. Janus's event
 * handler posts each join and leave of the AudioBridge (POST
 * /api/v1/rooms/events), recorded as from when to when each member was there,
 * to the second; a job looks at who is in the rooms of the meetings under way
 * every room_reconcile_s seconds and mends what an event lost (a restart of
 * either, an event dropped) - or, with no events set up, every room_poll_s
 * seconds as the only source. Closing the meeting counts who was in the room
 * for room_presence_percent of it as attending remotely (meetings.c). The
 * host may turn video on: a room of Janus's VideoRoom beside the audio one,
 * which each member may use or not (audio stays mixed by the AudioBridge).
 * Nothing in zhibu waits on Janus but the request for a pass and the host's
 * video switch, on the slow lane with no transaction open.
 */
#include "app.h"
#include "core/janus.h"
#include "mod/meetings.h"
#include "mod/rooms.h"
#include "routes.h"

#include <sodium.h>

#define ROOM_OPENS_BEFORE (30 * 60) /* seconds before the start */
#define ROOM_CLOSES_AFTER (60 * 60) /* seconds after the planned end */
#define ROOM_MAX_PARTICIPANTS 512

static int64_t room_opens(const struct meeting *m)
{
    return m->starts_at - ROOM_OPENS_BEFORE;
}

static int64_t room_closes(const struct meeting *m)
{
    return m->starts_at + m->duration_min * 60 + ROOM_CLOSES_AFTER;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, bytes);
    hex_encode(raw, bytes, out);
}

/* The secret to manage a meeting's rooms in Janus (arena): keyed by the
 * meeting, so two first requests at once (a pass and the video switch) make
 * the same one, whichever of them records it. */
static const char *new_secret(struct req *req, int64_t meeting)
{
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("room.secret", arena_printf(&req->arena, "%" PRId64, meeting), h);
    char *secret = arena_alloc(&req->arena, 33);
    hex_encode(h, 16, secret);
    return secret;
}

/* The meeting of a route on its room, while the room may be used: loaded, with
 * an audio room, not closed; 0 or the error status. */
static int room_meeting(struct req *req, struct meeting *m)
{
    if (!meeting_load(req->db, &req->arena, req->obj.id, m))
        return req_fail(req, ERR_MEETING_NOT_FOUND, NULL);
    if (!m->audio_room)
        return req_fail(req, ERR_ROOM_OFF, NULL);
    if (!strcmp(m->state, "closed"))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    return 0;
}

/* ---- passes ---- */

struct pass_state {
    struct meeting m;
    const char *secret, *token, *name;
    int64_t participant, expires;
    bool new_room, new_pass, video;
};

/* Read transaction: the checks, and the room's secret and the member's pass
 * (those there are, or new ones). */
static int pass_read(struct req *req)
{
    struct pass_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    struct meeting *m = &s->m;
    int rc = room_meeting(req, m);
    if (rc)
        return rc;
    int64_t now = now_sec();
    if (now < room_opens(m) || now > room_closes(m))
        return req_fail(req, ERR_ROOM_NOT_OPEN, NULL);
    if (!req->who->member_id)
        return req_fail(req, ERR_ROOM_NO_MEMBER, NULL);
    if (!janus_configured())
        return req_fail(req, ERR_ROOM_UNAVAILABLE, "audio rooms are not set up on this server");
    s->expires = room_closes(m);
    struct db_stmt *st = db_query(
        req->db, "SELECT secret, video FROM meeting_rooms WHERE meeting_id = ?", "i", m->id);
    if (db_next(st)) {
        s->secret = arena_strdup(&req->arena, db_text(st, 0));
        s->video = db_int(st, 1) != 0;
    }
    db_done(st);
    if (!s->secret) {
        s->secret = new_secret(req, s->m.id);
        s->new_room = true;
    }
    st = db_query(req->db,
                  "SELECT participant, token FROM room_passes WHERE meeting_id = ? AND "
                  "member_id = ? AND expires_at > ?",
                  "iii", m->id, req->who->member_id, now);
    if (db_next(st)) {
        s->participant = db_int(st, 0);
        s->token = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!s->token) {
        char *token = arena_alloc(&req->arena, 65);
        random_hex(token, 32);
        s->token = token;
        uint64_t p;
        randombytes_buf(&p, sizeof(p));
        s->participant = (int64_t)(p >> 12) | 1; /* 52 bits: exact in a browser's numbers */
        s->new_pass = true;
    }
    st = db_query(req->db, "SELECT name FROM members WHERE id = ?", "i", req->who->member_id);
    if (db_next(st))
        s->name = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return 0;
}

/* Outside any transaction: the room in Janus, and the token admitted to it.
 * Done for a pass given before too: Janus may have restarted since. */
static int pass_janus(struct req *req)
{
    struct pass_state *s = req->state;
    const char *desc = arena_printf(&req->arena, "meeting %" PRId64, s->m.id);
    enum janus_result r = janus_room_ensure(s->m.id, s->secret, desc);
    if (r == JANUS_OK)
        r = janus_token_admit(s->m.id, s->secret, s->token);
    /* A place of the member's still in the room is stale (the phone dropped
     * and asks again): free it so that the member comes back in at once. */
    if (r == JANUS_OK && !s->new_pass)
        janus_room_kick(s->m.id, s->secret, s->participant);
    if (r != JANUS_OK) {
        log_warn("rooms: meeting %" PRId64 ": Janus %s", s->m.id,
                 r == JANUS_DOWN ? "unreachable" : "refused the request");
        return req_fail(req, ERR_ROOM_UNAVAILABLE, NULL);
    }
    /* Video is extra: without it the member still has the audio room. */
    if (s->video) {
        enum janus_result v = janus_video_ensure(s->m.id, s->secret, desc);
        if (v == JANUS_OK)
            v = janus_video_admit(s->m.id, s->secret, s->token);
        if (v != JANUS_OK) {
            log_warn("rooms: meeting %" PRId64 ": no video from Janus (%d)", s->m.id, (int)v);
            s->video = false;
        }
    }
    return 0;
}

/*
 * POST /api/v1/meetings/{id}/room -> {room, participantId, display, token,
 *   janusUrl, expiresAt, video}
 * A pass to the meeting's audio room for the caller's member record: the
 * browser joins room with participantId and token at janusUrl (Janus's HTTP
 * API); with video on (the host's choice), the token enters the VideoRoom
 * room of the same number too. The same pass again until it expires (an hour after the planned
 * end). Errors: room.off, meeting.closed, room.not_open (from 30 minutes before the start to an
 * hour after the end), room.no_member, room.unavailable (503: Janus not set up or unreachable). The
 * members expected, and meeting.run on the branch. Never replayed (the token is a secret).
 */
static int h_pass(struct req *req)
{
    struct pass_state *s = req->state;
    int64_t now = now_sec();
    if (s->new_room)
        db_exec(req->db,
                "INSERT INTO meeting_rooms (meeting_id, secret, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (meeting_id) DO NOTHING",
                "isi", s->m.id, s->secret, now);
    if (s->new_pass) {
        /* An expired pass of the member's is replaced (the job removes its token). */
        db_exec(req->db,
                "DELETE FROM room_passes WHERE meeting_id = ? AND member_id = ? AND "
                "expires_at <= ?",
                "iii", s->m.id, req->who->member_id, now);
        db_exec(req->db,
                "INSERT INTO room_passes (meeting_id, member_id, participant, token, expires_at, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO "
                "NOTHING",
                "iiisii", s->m.id, req->who->member_id, s->participant, s->token, s->expires, now);
        /* Two first passes at once: the one stored wins (its token was admitted too). */
        struct db_stmt *st = db_query(req->db,
                                      "SELECT participant, token FROM room_passes WHERE "
                                      "meeting_id = ? AND member_id = ?",
                                      "ii", s->m.id, req->who->member_id);
        if (db_next(st)) {
            s->participant = db_int(st, 0);
            s->token = arena_strdup(&req->arena, db_text(st, 1));
        }
        db_done(st);
        req_audit(req, "meeting.room", s->m.org_id,
                  arena_printf(&req->arena, "meeting:%" PRId64, s->m.id), "ok",
                  "pass for member %" PRId64, req->who->member_id);
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "room", s->m.id);
    jw_kv_int(j, "participantId", s->participant);
    jw_kv_str(j, "display", s->name);
    jw_kv_str(j, "token", s->token);
    jw_kv_str(j, "janusUrl", cfg.janus_public_url[0] ? cfg.janus_public_url : cfg.janus_url);
    jw_kv_time(j, "expiresAt", s->expires);
    jw_kv_bool(j, "video", s->video);
    jw_obj_end(j);
    return 200;
}

/*
 * GET /api/v1/meetings/{id}/room -> {audioRoom, available, opensAt, closesAt,
 *   open, video, inRoom: [{memberId, name, since}], hands: [{memberId, name,
 *   participantId, at}]}
 * The room as the meeting page shows it: whether it can be joined now and
 * who is in it (as last seen by the job). Those who see the meeting.
 */
static int h_room(struct req *req)
{
    struct meeting m;
    if (!meeting_load(req->db, &req->arena, req->obj.id, &m))
        return req_fail(req, ERR_MEETING_NOT_FOUND, NULL);
    int64_t now = now_sec();
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "audioRoom", m.audio_room);
    jw_kv_bool(j, "available", janus_configured());
    jw_kv_time(j, "opensAt", room_opens(&m));
    jw_kv_time(j, "closesAt", room_closes(&m));
    jw_kv_bool(j, "open",
               m.audio_room && strcmp(m.state, "closed") && now >= room_opens(&m) &&
                   now <= room_closes(&m));
    int64_t video = 0;
    db_get_int(req->db, &video, "SELECT video FROM meeting_rooms WHERE meeting_id = ?", "i", m.id);
    jw_kv_bool(j, "video", video != 0);
    jw_key(j, "inRoom");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT r.member_id, mb.name, MIN(r.joined_at) FROM "
                                  "room_intervals r JOIN members mb ON mb.id = r.member_id WHERE "
                                  "r.meeting_id = ? AND r.left_at IS NULL GROUP BY r.member_id, "
                                  "mb.name ORDER BY MIN(r.joined_at), r.member_id",
                                  "i", m.id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "memberId", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_time(j, "since", db_int(st, 2));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    /* The speaker queue: raised hands, first come first. */
    jw_key(j, "hands");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT p.member_id, mb.name, p.participant, p.hand_at FROM room_passes p JOIN "
                  "members mb ON mb.id = p.member_id WHERE p.meeting_id = ? AND p.hand_at IS NOT "
                  "NULL ORDER BY p.hand_seq",
                  "i", m.id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "memberId", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_int(j, "participantId", db_int(st, 2));
        jw_kv_time(j, "at", db_int(st, 3));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/*
 * GET /api/v1/meetings/{id}/room/intervals -> {items: [{memberId, name,
 *   joinedAt, leftAt}]}
 * From when to when each member was in the room (leftAt null: there now),
 * in order of joining. meeting.run.
 */
static int h_intervals(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT r.member_id, mb.name, r.joined_at, r.left_at FROM "
                                  "room_intervals r JOIN members mb ON mb.id = r.member_id WHERE "
                                  "r.meeting_id = ? ORDER BY r.joined_at, r.id",
                                  "i", req->obj.id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "memberId", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_time(j, "joinedAt", db_int(st, 2));
        if (db_isnull(st, 3))
            jw_kv_null(j, "leftAt");
        else
            jw_kv_time(j, "leftAt", db_int(st, 3));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- the host's controls ---- */

static const struct param mute_body[] = {
    {"participantId", P_INT, P_REQUIRED, 1, INT64_MAX},
    {"muted", P_BOOL, P_REQUIRED},
    {NULL},
};

struct mute_state {
    int64_t meeting, org, participant, member;
    const char *secret;
    bool muted;
};

static int mute_read(struct req *req)
{
    struct mute_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    struct meeting m;
    int rc = room_meeting(req, &m);
    if (rc)
        return rc;
    s->meeting = m.id;
    s->org = m.org_id;
    s->participant = req_body_int(req, "participantId", 0);
    s->muted = req_body_int(req, "muted", 0) != 0;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT p.member_id, r.secret FROM room_passes p JOIN "
                                  "meeting_rooms r ON r.meeting_id = p.meeting_id WHERE "
                                  "p.meeting_id = ? AND p.participant = ?",
                                  "ii", m.id, s->participant);
    if (db_next(st)) {
        s->member = db_int(st, 0);
        s->secret = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!s->member)
        return req_fail_field(req, ERR_ROOM_NO_PASS, "participantId", NULL);
    return janus_configured() ? 0 : req_fail(req, ERR_ROOM_UNAVAILABLE, NULL);
}

static int mute_janus(struct req *req)
{
    struct mute_state *s = req->state;
    enum janus_result r = janus_room_mute(s->meeting, s->secret, s->participant, s->muted);
    if (r == JANUS_REFUSED)
        return req_fail_field(req, ERR_ROOM_NO_PASS, "participantId",
                              "the member is not in the room now");
    return r == JANUS_OK ? 0 : req_fail(req, ERR_ROOM_UNAVAILABLE, NULL);
}

/*
 * POST /api/v1/meetings/{id}/room/mute {participantId, muted} -> {participantId,
 *   memberId, muted}
 * The host mutes (or gives the word back to) a participant for everyone: a
 * village hall running the room from one phone. A hand the member raised is
 * lowered when they are given the word. Errors: room.off, meeting.closed,
 * room.no_pass (no such participant in this room, or not in it now),
 * room.unavailable. meeting.run.
 */
static int h_mute(struct req *req)
{
    struct mute_state *s = req->state;
    if (!s->muted)
        db_exec(req->db,
                "UPDATE room_passes SET hand_at = NULL, hand_seq = NULL WHERE meeting_id = ? AND "
                "participant = ?",
                "ii", s->meeting, s->participant);
    req_audit(req, "meeting.room", s->org,
              arena_printf(&req->arena, "meeting:%" PRId64, s->meeting), "ok",
              "member %" PRId64 " %s by the host", s->member, s->muted ? "muted" : "unmuted");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "participantId", s->participant);
    jw_kv_int(j, "memberId", s->member);
    jw_kv_bool(j, "muted", s->muted);
    jw_obj_end(j);
    return 200;
}

static const struct param hand_body[] = {
    {"raised", P_BOOL, P_REQUIRED},
    {"memberId", P_ID, 0},
    {NULL},
};

/*
 * POST /api/v1/meetings/{id}/room/hand {raised, memberId?} -> {memberId, raised}
 * A member in the room raises (or lowers) their hand to ask for the word; the
 * host sees the hands in order (GET .../room) and may lower one (memberId).
 * Errors: room.off, meeting.closed, room.no_pass (no place taken in the room),
 * meeting.not_found (memberId: only who runs the meeting lowers another's).
 * Expected members, meeting.run.
 */
static int h_hand(struct req *req)
{
    struct meeting m;
    int rc = room_meeting(req, &m);
    if (rc)
        return rc;
    bool raised = req_body_int(req, "raised", 0) != 0;
    int64_t member = req_body_int(req, "memberId", 0);
    if (member && member != req->who->member_id) {
        if (raised || !principal_can(req->who, PERM_MEETING_RUN, m.org_path))
            return req_fail_field(req, ERR_INVALID, "memberId",
                                  "only the host lowers another member's hand");
    } else {
        member = req->who->member_id;
    }
    /* The queue's order is the order the hands came in, not the second they share. */
    db_exec(req->db,
            "UPDATE room_passes SET hand_at = ?, hand_seq = ? WHERE meeting_id = ? AND "
            "member_id = ? AND expires_at > ?",
            "IIiii", raised ? now_sec() : 0, raised ? db_next_seq(req->db) : 0, m.id, member,
            now_sec());
    if (!db_changes(req->db))
        return req_fail(req, ERR_ROOM_NO_PASS, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", member);
    jw_kv_bool(j, "raised", raised);
    jw_obj_end(j);
    return 200;
}

/* ---- video, as the host chooses ---- */

static const struct param video_body[] = {
    {"on", P_BOOL, P_REQUIRED},
    {NULL},
};

#define VIDEO_TOKENS ROOM_MAX_PARTICIPANTS

struct video_state {
    struct meeting m;
    const char *secret;
    bool on, new_room;
    size_t ntokens;
    const char **tokens; /* the passes given so far: their holders may use video at once */
};

static int video_read(struct req *req)
{
    struct video_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    int rc = room_meeting(req, &s->m);
    if (rc)
        return rc;
    if (!janus_configured())
        return req_fail(req, ERR_ROOM_UNAVAILABLE, "audio rooms are not set up on this server");
    s->on = req_body_int(req, "on", 0) != 0;
    struct db_stmt *st =
        db_query(req->db, "SELECT secret FROM meeting_rooms WHERE meeting_id = ?", "i", s->m.id);
    if (db_next(st))
        s->secret = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    if (!s->secret) {
        s->secret = new_secret(req, s->m.id);
        s->new_room = true;
    }
    s->tokens = arena_alloc(&req->arena, VIDEO_TOKENS * sizeof(*s->tokens));
    st = db_query(req->db,
                  "SELECT token FROM room_passes WHERE meeting_id = ? AND "
                  "expires_at > ? ORDER BY created_at LIMIT ?",
                  "iii", s->m.id, now_sec(), (int64_t)VIDEO_TOKENS);
    while (db_next(st))
        s->tokens[s->ntokens++] = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return 0;
}

/* Outside any transaction: the VideoRoom room made and the passes given so
 * far admitted to it, or the room ended. */
static int video_janus(struct req *req)
{
    struct video_state *s = req->state;
    enum janus_result r;
    if (s->on) {
        r = janus_video_ensure(s->m.id, s->secret,
                               arena_printf(&req->arena, "meeting %" PRId64, s->m.id));
        for (size_t i = 0; r == JANUS_OK && i < s->ntokens; i++)
            r = janus_video_admit(s->m.id, s->secret, s->tokens[i]);
    } else {
        r = s->new_room ? JANUS_OK : janus_video_destroy(s->m.id, s->secret);
    }
    if (r != JANUS_OK) {
        log_warn("rooms: meeting %" PRId64 ": video %s: Janus %s", s->m.id, s->on ? "on" : "off",
                 r == JANUS_DOWN ? "unreachable" : "refused the request");
        return req_fail(req, ERR_ROOM_UNAVAILABLE, NULL);
    }
    return 0;
}

/*
 * POST /api/v1/meetings/{id}/room/video {on} -> {video}
 * The host turns video on in the meeting's room (or off: everyone's video
 * stops, the audio goes on). With it on, each member in the room may send
 * their camera and see the others' (Janus's VideoRoom, at most 9 cameras,
 * each capped at 150 kbit/s) or stay audio-only. Audited (meeting.room).
 * Errors: room.off, meeting.closed, room.unavailable. meeting.run.
 */
static int h_video(struct req *req)
{
    struct video_state *s = req->state;
    db_exec(req->db,
            "INSERT INTO meeting_rooms (meeting_id, secret, created_at, video) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (meeting_id) DO UPDATE SET video = excluded.video",
            "isii", s->m.id, s->secret, now_sec(), (int64_t)s->on);
    req_audit(req, "meeting.room", s->m.org_id,
              arena_printf(&req->arena, "meeting:%" PRId64, s->m.id), "ok", "video %s",
              s->on ? "on" : "off");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "video", s->on);
    jw_obj_end(j);
    return 200;
}

/* ---- Janus's events: joins and leaves as they happen ---- */

#define EVENTS_MAX 64 /* per post: the handler sends one (grouping off) */

/* The member of a participant in the room of a meeting under way; 0 for
 * what is not a pass of such a room (another room of Janus's, a meeting
 * closed). */
static int64_t room_participant(struct db *db, int64_t meeting, int64_t participant)
{
    int64_t member = 0;
    db_get_int(db, &member,
               "SELECT p.member_id FROM room_passes p JOIN meetings m ON m.id = p.meeting_id "
               "WHERE p.meeting_id = ? AND p.participant = ? AND m.state = 'scheduled'",
               "ii", meeting, participant);
    return member;
}

/* Records one join or leave at now: 1 if it changed an interval. A join of a
 * member already in the room (a second tab) and a leave of one not in it
 * change nothing. */
static int room_event(struct db *db, const struct janus_event *ev, int64_t now)
{
    int64_t member = room_participant(db, ev->room, ev->participant);
    if (!member)
        return 0;
    if (ev->kind == JANUS_EVENT_LEFT) {
        db_exec(db,
                "UPDATE room_intervals SET left_at = ?, seen_at = ? WHERE meeting_id = ? AND "
                "member_id = ? AND left_at IS NULL",
                "iiii", now, now, ev->room, member);
        return db_changes(db) > 0;
    }
    db_exec(db,
            "UPDATE room_intervals SET seen_at = ? WHERE meeting_id = ? AND member_id = ? AND "
            "left_at IS NULL",
            "iii", now, ev->room, member);
    if (db_changes(db))
        return 0;
    db_exec(db,
            "INSERT INTO room_intervals (meeting_id, member_id, joined_at, seen_at) VALUES (?, ?, "
            "?, ?)",
            "iiii", ev->room, member, now, now);
    return 1;
}

/*
 * POST /api/v1/rooms/events -> {events, recorded}
 * Janus's sample event handler (scripts/janus-config --events) posts the
 * AudioBridge's events here: a join opens an interval of the member whose
 * pass the participant is, a leave closes it, at the second the post comes
 * (the handler sends at once). Events of rooms or participants zhibu does not
 * know, and of other kinds, are skipped. Public, but the Authorization header
 * must be the handler's (basic, janus:janus_events_secret); the body is at
 * most 16 KiB (a caller with no login). Errors: request.not_found (events
 * off, or another Authorization), request.bad_json (not events of Janus's).
 */
static int h_events(struct req *req)
{
    if (!janus_events_authorized(req_header(req, "Authorization")))
        return req_fail(req, ERR_NOT_FOUND, NULL);
    struct janus_event *ev = arena_alloc(&req->arena, EVENTS_MAX * sizeof(*ev));
    size_t n;
    if (!janus_parse_events(req->body_raw.data ? req->body_raw.data : "", req->body_raw.len, ev,
                            EVENTS_MAX, &n))
        return req_fail(req, ERR_BAD_JSON, "not events of Janus's");
    int64_t now = now_sec();
    int recorded = 0;
    for (size_t i = 0; i < n; i++)
        recorded += room_event(req->db, &ev[i], now);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "events", (int64_t)n);
    jw_kv_int(j, "recorded", recorded);
    jw_obj_end(j);
    return 200;
}

/* ---- the job: who is in the rooms ---- */

#define GATHER_ROOMS 64
#define GATHER_TOKENS 256

static struct {
    int64_t last; /* when the rooms were last looked at */
    size_t nrooms, ntokens;
    int64_t room[GATHER_ROOMS];
    int64_t asked[GATHER_ROOMS]; /* when Janus was asked about the room */
    enum janus_result result[GATHER_ROOMS];
    size_t nids[GATHER_ROOMS];
    int64_t ids[GATHER_ROOMS][ROOM_MAX_PARTICIPANTS];
    char token[GATHER_TOKENS][65]; /* expired passes whose tokens Janus let go */
} seen;

int rooms_gather(struct db *db)
{
    int64_t now = now_sec();
    int period = janus_events_on() ? cfg.room_reconcile_s : cfg.room_poll_s;
    if (!janus_configured() || now - seen.last < period)
        return 0;
    seen.last = now;
    seen.nrooms = seen.ntokens = 0;
    struct db_stmt *st =
        db_query(db,
                 "SELECT m.id FROM meetings m JOIN meeting_rooms r ON r.meeting_id = m.id WHERE "
                 "m.state = 'scheduled' AND m.starts_at <= ? AND m.starts_at + m.duration_min * "
                 "60 >= ? ORDER BY m.starts_at LIMIT ?",
                 "iii", now + ROOM_OPENS_BEFORE, now - ROOM_CLOSES_AFTER, (int64_t)GATHER_ROOMS);
    while (db_next(st))
        seen.room[seen.nrooms++] = db_int(st, 0);
    db_done(st);
    st = db_query(db, "SELECT token FROM room_passes WHERE expires_at <= ? LIMIT ?", "ii", now,
                  (int64_t)GATHER_TOKENS);
    while (db_next(st))
        snprintf(seen.token[seen.ntokens++], 65, "%s", db_text(st, 0));
    db_done(st);
    return db_failed(db) ? -1 : (int)(seen.nrooms + seen.ntokens);
}

int rooms_ask(void)
{
    for (size_t i = 0; i < seen.nrooms; i++) {
        seen.asked[i] = now_sec();
        seen.result[i] = janus_room_participants(seen.room[i], seen.ids[i], ROOM_MAX_PARTICIPANTS,
                                                 &seen.nids[i]);
    }
    size_t removed = 0;
    for (size_t i = 0; i < seen.ntokens; i++)
        if (janus_token_remove(seen.token[i]) == JANUS_OK)
            memmove(seen.token[removed++], seen.token[i], 65);
    seen.ntokens = removed;
    return 1;
}

/* One room as seen: intervals opened for who came, closed for who went.
 * With events on, what an event recorded since Janus was asked is newer than
 * the answer: a member who left since is not put back, one who joined since
 * is not taken out. */
static int room_record(struct db *db, size_t i, int64_t now)
{
    int n = 0;
    int64_t meeting = seen.room[i];
    int64_t asked = janus_events_on() ? seen.asked[i] : INT64_MAX;
    for (size_t k = 0; k < seen.nids[i]; k++) {
        int64_t member = 0, newer = 0;
        if (!db_get_int(db, &member,
                        "SELECT member_id FROM room_passes WHERE meeting_id = ? AND "
                        "participant = ?",
                        "ii", meeting, seen.ids[i][k]))
            continue; /* not a pass of this meeting's */
        db_exec(db,
                "UPDATE room_intervals SET seen_at = ? WHERE meeting_id = ? AND member_id = ? "
                "AND left_at IS NULL",
                "iii", now, meeting, member);
        if (db_changes(db))
            continue;
        db_get_int(db, &newer,
                   "SELECT COUNT(*) FROM room_intervals WHERE meeting_id = ? AND member_id = ? "
                   "AND left_at >= ?",
                   "iii", meeting, member, asked);
        if (!newer) {
            db_exec(db,
                    "INSERT INTO room_intervals (meeting_id, member_id, joined_at, seen_at) "
                    "VALUES (?, ?, ?, ?)",
                    "iiii", meeting, member, now, now);
            n++;
        }
    }
    /* Whoever was there and is not now left since the last look. */
    struct arena a;
    arena_init(&a);
    struct db_list present;
    db_list_init(&present, &a);
    for (size_t k = 0; k < seen.nids[i]; k++)
        db_list_int(&present, seen.ids[i][k]);
    db_exec(db,
            "UPDATE room_intervals SET left_at = ? WHERE meeting_id = ? AND left_at IS NULL AND "
            "joined_at < ? AND member_id NOT IN (SELECT member_id FROM room_passes WHERE "
            "meeting_id = ? AND participant IN (SELECT value FROM {list}))",
            "iiiil", now, meeting, asked, meeting, &present);
    n += db_changes(db);
    arena_release(&a);
    return n;
}

int rooms_record(struct db *db)
{
    int64_t now = now_sec();
    int n = 0;
    for (size_t i = 0; i < seen.nrooms; i++)
        if (seen.result[i] == JANUS_OK || seen.result[i] == JANUS_NO_ROOM) {
            if (seen.result[i] == JANUS_NO_ROOM)
                seen.nids[i] = 0;
            n += room_record(db, i, now);
        }
    for (size_t i = 0; i < seen.ntokens; i++) {
        db_exec(db, "DELETE FROM room_passes WHERE token = ?", "s", seen.token[i]);
        n += db_changes(db);
    }
    seen.nrooms = seen.ntokens = 0;
    return n;
}

/* ---- routes ---- */

const struct route rooms_routes[] = {
    {"POST", "/api/v1/meetings/{id}/room", h_pass, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL, NULL,
     ROUTE_NO_IDEM, &meeting_kind, PARTY_EXPECTED, .prepare = pass_read, .outside = pass_janus},
    {"GET", "/api/v1/meetings/{id}/room", h_room, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL,
     0, &meeting_kind, PARTY_EXPECTED},
    {"GET", "/api/v1/meetings/{id}/room/intervals", h_intervals, SCOPE_OBJECT, PERM_MEETING_RUN,
     NULL, NULL, NULL, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/room/mute", h_mute, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     mute_body, 0, &meeting_kind, .prepare = mute_read, .outside = mute_janus},
    {"POST", "/api/v1/meetings/{id}/room/hand", h_hand, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     hand_body, ROUTE_SEEN_FORBIDS, &meeting_kind, PARTY_EXPECTED},
    {"POST", "/api/v1/meetings/{id}/room/video", h_video, SCOPE_OBJECT, PERM_MEETING_RUN, NULL,
     NULL, video_body, 0, &meeting_kind, .prepare = video_read, .outside = video_janus},
    {"POST", "/api/v1/rooms/events", h_events, SCOPE_PUBLIC, PERM_NONE, NULL, NULL, NULL,
     ROUTE_NO_IDEM},
    {NULL},
};
