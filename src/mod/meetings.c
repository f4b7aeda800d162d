/*
 * meetings.c - organisational life (三会一课 and the other meetings):
 * scheduling, attendance (leave before a cut-off, check-in with a rotating
 * code in a window around the start, remote attendance, marks by the
 * secretary, paper sign-in sheets), minutes, closing (the record is locked;
 * corrections are appended notes) and the asynchronous participation of
 * those who could not come. The writes of a record are shared with the
 * offline upload (sync.c). Types, rules and the compliance calendar are in
 * meetings_calendar.c; closing a meeting keeps the counters it reads.
 */
#include "app.h"
#include "core/live.h"
#include "core/otp.h"
#include "core/roster.h"
#include "mod/access.h"
#include "mod/files.h"
#include "mod/meetings.h"
#include "mod/meetings_calendar.h"
#include "mod/members.h"
#include "mod/org_counts.h"
#include "mod/sms.h"
#include "routes.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>

/* ---- vocabularies ---- */

#define MTG_CODE_STEP 30 /* seconds per check-in code */

const char *const meeting_marks[] = {"present", "remote", "leave", "absent", NULL};
const char *const meeting_file_kinds[] = {"material", "agenda",       "minutes",
                                          "photo",    "signin_sheet", NULL};
static const char *const meeting_attendee_kinds[] = {"branch", "group", "members", NULL};

/* ---- loading meetings ---- */

#define MEETING_COLS(F, C)                                                                         \
    F(MEETING_COL_ID, "m.id")                                                                      \
    C(MEETING_COL_ORG_ID, "m.org_id")                                                              \
    C(MEETING_COL_ORG_PATH, "o.path")                                                              \
    C(MEETING_COL_ORG_NAME, "o.name")                                                              \
    C(MEETING_COL_TYPE, "m.type")                                                                  \
    C(MEETING_COL_TITLE, "m.title")                                                                \
    C(MEETING_COL_STARTS_AT, "m.starts_at")                                                        \
    C(MEETING_COL_DURATION_MIN, "m.duration_min")                                                  \
    C(MEETING_COL_PLACE, "m.place")                                                                \
    C(MEETING_COL_ONLINE_LINK, "m.online_link")                                                    \
    C(MEETING_COL_AGENDA, "m.agenda")                                                              \
    C(MEETING_COL_ATTENDEES, "m.attendees")                                                        \
    C(MEETING_COL_GROUP_ID, "m.group_id")                                                          \
    C(MEETING_COL_STATE, "m.state")                                                                \
    C(MEETING_COL_MINUTES, "m.minutes")                                                            \
    C(MEETING_COL_RESOLUTIONS, "m.resolutions")                                                    \
    C(MEETING_COL_SECRET, "m.secret")                                                              \
    C(MEETING_COL_CREATED_AT, "m.created_at")                                                      \
    C(MEETING_COL_CLOSED_AT, "m.closed_at")                                                        \
    C(MEETING_COL_BY_SECRETARY, "m.by_secretary")                                                  \
    C(MEETING_COL_AUDIO_ROOM, "m.audio_room")
enum meeting_col { DB_COLUMN_ENUM(MEETING_COLS) };
#define MEETING_COLUMNS DB_COLUMNS(MEETING_COLS)

static const char *col(struct arena *a, struct db_stmt *st, int i)
{
    return db_isnull(st, i) ? NULL : arena_strdup(a, db_text(st, i));
}

bool meeting_load(struct db *db, struct arena *a, int64_t id, struct meeting *m)
{
    struct db_stmt *st = db_query(db,
                                  "SELECT " MEETING_COLUMNS " FROM meetings m JOIN orgs o ON o.id "
                                  "= m.org_id WHERE m.id = ? AND m.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        memset(m, 0, sizeof(*m));
        m->id = db_int(st, MEETING_COL_ID);
        m->org_id = db_int(st, MEETING_COL_ORG_ID);
        m->org_path = col(a, st, MEETING_COL_ORG_PATH);
        m->org_name = col(a, st, MEETING_COL_ORG_NAME);
        m->type = col(a, st, MEETING_COL_TYPE);
        m->title = col(a, st, MEETING_COL_TITLE);
        m->starts_at = db_int(st, MEETING_COL_STARTS_AT);
        m->duration_min = db_int(st, MEETING_COL_DURATION_MIN);
        m->place = col(a, st, MEETING_COL_PLACE);
        m->online_link = col(a, st, MEETING_COL_ONLINE_LINK);
        m->agenda = col(a, st, MEETING_COL_AGENDA);
        m->attendees = col(a, st, MEETING_COL_ATTENDEES);
        m->group_id = db_int(st, MEETING_COL_GROUP_ID);
        m->state = col(a, st, MEETING_COL_STATE);
        m->minutes = col(a, st, MEETING_COL_MINUTES);
        m->resolutions = col(a, st, MEETING_COL_RESOLUTIONS);
        size_t n;
        const void *secret = db_blob(st, MEETING_COL_SECRET, &n);
        if (secret && n == sizeof(m->secret))
            memcpy(m->secret, secret, n);
        m->created_at = db_int(st, MEETING_COL_CREATED_AT);
        m->closed_at = db_int(st, MEETING_COL_CLOSED_AT);
        m->by_secretary = db_int(st, MEETING_COL_BY_SECRETARY) != 0;
        m->audio_room = db_int(st, MEETING_COL_AUDIO_ROOM) != 0;
    }
    db_done(st);
    return found;
}

static bool is_closed(const struct meeting *m)
{
    return !strcmp(m->state, "closed");
}

/* ---- the object kind ---- */

/* Finds a meeting for the dispatcher: its branch, and whether the caller's
 * member record is expected at it. */
static bool meeting_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT m.org_id, o.path, EXISTS (SELECT 1 FROM "
                                  "meeting_attendance a WHERE a.meeting_id = m.id AND a.member_id "
                                  "= ?) FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id "
                                  "= ? AND m.deleted_at IS NULL",
                                  "ii", req->who->member_id, id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, false);
        o->party = req->who->member_id && db_int(st, 2) ? PARTY_EXPECTED : 0;
    }
    db_done(st);
    return found;
}

/* Routes for the expected members only (ROUTE_SEEN_FORBIDS) answer
 * meeting.not_expected to others who see the meeting (roster.read on its branch). */
const struct object_kind meeting_kind = {
    .name = "meeting",
    .not_found = ERR_MEETING_NOT_FOUND,
    .see_perm = PERM_ROSTER_READ,
    .see_party = PARTY_EXPECTED,
    .forbidden = ERR_MEETING_NOT_EXPECTED,
    .locate = meeting_locate,
};

/* The meeting of an object route, authorised by the dispatcher: loads its fields. */
static int meeting_get(struct req *req, struct meeting *m)
{
    if (!meeting_load(req->db, &req->arena, req->obj.id, m))
        return req_fail(req, ERR_MEETING_NOT_FOUND, NULL);
    return 0;
}

/* ---- the check-in code ---- */

/* The 6-digit code of a time step: HMAC-SHA256 of the step with the
 * meeting's secret, truncated as HOTP does (RFC 4226). */
static void code_at(const struct meeting *m, int64_t step, char out[7])
{
    unsigned char msg[8], mac[crypto_auth_hmacsha256_BYTES];
    for (int i = 0; i < 8; i++)
        msg[i] = (unsigned char)((uint64_t)step >> (56 - 8 * i));
    crypto_auth_hmacsha256(mac, msg, sizeof(msg), m->secret);
    int off = mac[sizeof(mac) - 1] & 0x0f;
    uint32_t v = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                 ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    snprintf(out, 7, "%06u", v % 1000000u);
}

/* Whether code is the current or the previous step's code. */
static bool code_ok(const struct meeting *m, const char *code)
{
    if (!code || strlen(code) != 6)
        return false;
    int64_t step = now_sec() / MTG_CODE_STEP;
    bool ok = false;
    for (int64_t s = step - 1; s <= step; s++) {
        char want[7];
        code_at(m, s, want);
        ok |= mem_equal_ct(want, code, 6);
    }
    return ok;
}

/*
 * Wrong codes are counted per meeting and member, in memory (a wrong answer
 * rolls its transaction back, so the store cannot keep them): after
 * CODE_MAX_FAILURES within CODE_FAILURE_WINDOW seconds the member waits, so
 * guessing a 6-digit code from home (two valid at a time) stays hopeless:
 * about 20 guesses in a 40-minute window, a chance of 1 in 25,000.
 */
#define CODE_MAX_FAILURES 5
#define CODE_FAILURE_WINDOW 600
#define CODE_SLOTS 1024

static struct code_slot {
    int64_t meeting, member, since;
    int failures;
} code_slots[CODE_SLOTS];
static pthread_mutex_t code_lock = PTHREAD_MUTEX_INITIALIZER;

static struct code_slot *code_slot(int64_t meeting, int64_t member)
{
    uint64_t h = ((uint64_t)meeting * 0x9e3779b97f4a7c15ull) ^ (uint64_t)member;
    return &code_slots[(h ^ (h >> 29)) % CODE_SLOTS];
}

/* Whether the member may try a code now. */
static bool code_may_try(int64_t meeting, int64_t member)
{
    pthread_mutex_lock(&code_lock);
    struct code_slot *s = code_slot(meeting, member);
    bool ok = s->meeting != meeting || s->member != member ||
              now_sec() - s->since >= CODE_FAILURE_WINDOW || s->failures < CODE_MAX_FAILURES;
    pthread_mutex_unlock(&code_lock);
    return ok;
}

/* Counts a wrong code (a slot another pair held is taken over). */
static void code_failed(int64_t meeting, int64_t member)
{
    int64_t now = now_sec();
    pthread_mutex_lock(&code_lock);
    struct code_slot *s = code_slot(meeting, member);
    if (s->meeting != meeting || s->member != member || now - s->since >= CODE_FAILURE_WINDOW)
        *s = (struct code_slot){meeting, member, now, 0};
    s->failures++;
    pthread_mutex_unlock(&code_lock);
}

/* ---- JSON ---- */

static void time_or_null(struct jw *j, const char *key, struct db_stmt *st, int i)
{
    if (db_isnull(st, i))
        jw_kv_null(j, key);
    else
        jw_kv_time(j, key, db_int(st, i));
}

#define ATT_COLS(F, C)                                                                             \
    F(ATT_COL_MEMBER_ID, "a.member_id")                                                            \
    C(ATT_COL_NAME, "mb.name")                                                                     \
    C(ATT_COL_STATUS, "a.status")                                                                  \
    C(ATT_COL_SOURCE, "a.source")                                                                  \
    C(ATT_COL_AT, "a.at")                                                                          \
    C(ATT_COL_CAPTURED_AT, "a.captured_at")                                                        \
    C(ATT_COL_RECEIVED_AT, "a.received_at")                                                        \
    C(ATT_COL_LEAVE_STATE, "a.leave_state")                                                        \
    C(ATT_COL_LEAVE_REASON, "a.leave_reason")                                                      \
    C(ATT_COL_LEAVE_AT, "a.leave_at")                                                              \
    C(ATT_COL_LEAVE_DECIDED_AT, "a.leave_decided_at")                                              \
    C(ATT_COL_MINUTES_READ_AT, "a.minutes_read_at")                                                \
    C(ATT_COL_ROOM_SECONDS, "(SELECT SUM(COALESCE(r.left_at, r.seen_at) - r.joined_at) FROM "      \
                            "room_intervals r WHERE r.meeting_id = a.meeting_id AND "              \
                            "r.member_id = a.member_id)")
enum att_col { DB_COLUMN_ENUM(ATT_COLS) };
#define ATT_COLUMNS DB_COLUMNS(ATT_COLS)

static void attendance_write(struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", db_int(st, ATT_COL_MEMBER_ID));
    jw_kv_str(j, "name", db_text(st, ATT_COL_NAME));
    jw_kv_str(j, "status", db_text(st, ATT_COL_STATUS));
    jw_kv_str(j, "source", db_text(st, ATT_COL_SOURCE));
    time_or_null(j, "at", st, ATT_COL_AT);
    time_or_null(j, "capturedAt", st, ATT_COL_CAPTURED_AT);
    time_or_null(j, "receivedAt", st, ATT_COL_RECEIVED_AT);
    jw_kv_bool(j, "capturedOffline", !db_isnull(st, ATT_COL_CAPTURED_AT));
    jw_kv_str(j, "leaveState", db_text(st, ATT_COL_LEAVE_STATE));
    jw_kv_str(j, "leaveReason", db_text(st, ATT_COL_LEAVE_REASON));
    time_or_null(j, "leaveAt", st, ATT_COL_LEAVE_AT);
    time_or_null(j, "leaveDecidedAt", st, ATT_COL_LEAVE_DECIDED_AT);
    time_or_null(j, "minutesReadAt", st, ATT_COL_MINUTES_READ_AT);
    jw_kv_int(j, "roomSeconds", db_int(st, ATT_COL_ROOM_SECONDS)); /* in the audio room */
    jw_obj_end(j);
}

static void meeting_head_write(struct jw *j, const struct meeting *m, const struct meeting_rules *r)
{
    jw_kv_int(j, "id", m->id);
    jw_kv_int(j, "orgId", m->org_id);
    jw_kv_str(j, "orgName", m->org_name);
    jw_kv_str(j, "type", m->type);
    jw_kv_str(j, "title", m->title);
    jw_kv_time(j, "startsAt", m->starts_at);
    jw_kv_int(j, "durationMin", m->duration_min);
    jw_kv_str(j, "place", m->place);
    jw_kv_str(j, "onlineLink", m->online_link);
    jw_kv_bool(j, "audioRoom", m->audio_room);
    jw_kv_str(j, "state", m->state);
    jw_kv_time(j, "leaveUntil", m->starts_at - r->leave_cutoff_min * 60);
    jw_kv_time(j, "checkinFrom", m->starts_at - r->checkin_window_min * 60);
    jw_kv_time(j, "checkinUntil", m->starts_at + r->checkin_window_min * 60);
}

/*
 * The members closing marks present rather than absent: the host (the account that
 * closes) and the minute-taker, when they are members still expected. Binds: the
 * meeting id, the closing account, the meeting id.
 */
#define CLOSE_PRESENT_SQL                                                                          \
    "SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND id IN (?, (SELECT "            \
    "minutes_by FROM meetings WHERE id = ?))"

/* closeMarksPresent: who closing the meeting would mark present (see CLOSE_PRESENT_SQL). */
static void close_present_write(struct req *req, struct jw *j, const struct meeting *m)
{
    jw_key(j, "closeMarksPresent");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT member_id FROM meeting_attendance WHERE meeting_id = ? "
                                  "AND status = 'expected' AND member_id IN (" CLOSE_PRESENT_SQL
                                  ") ORDER BY member_id",
                                  "iii", m->id, req->who->account_id, m->id);
    while (db_next(st))
        jw_int(j, db_int(st, 0));
    db_done(st);
    jw_arr_end(j);
}

/* The whole meeting: runners see every attendance row, members their own. */
static void meeting_write(struct req *req, struct jw *j, const struct meeting *m, bool runner)
{
    struct meeting_rules r;
    meeting_rules_for(req->db, m->org_path, &r);
    jw_obj_begin(j);
    meeting_head_write(j, m, &r);
    jw_kv_str(j, "agenda", m->agenda);
    jw_kv_str(j, "attendees", m->attendees);
    jw_kv_bool(j, "bySecretary", m->by_secretary);
    jw_kv_id(j, "groupId", m->group_id);
    jw_kv_str(j, "minutes", m->minutes);
    jw_kv_str(j, "resolutions", m->resolutions);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT minutes_captured_at, minutes_received_at, closed_at, "
                                  "closed_by, created_at, created_by FROM meetings WHERE id = ?",
                                  "i", m->id);
    if (db_next(st)) {
        time_or_null(j, "minutesCapturedAt", st, 0);
        time_or_null(j, "minutesReceivedAt", st, 1);
        jw_kv_bool(j, "minutesCapturedOffline", !db_isnull(st, 0));
        time_or_null(j, "closedAt", st, 2);
        jw_kv_id(j, "closedBy", db_int(st, 3));
        jw_kv_time(j, "createdAt", db_int(st, 4));
        jw_kv_id(j, "createdBy", db_int(st, 5));
    }
    db_done(st);
    jw_kv_bool(j, "canRun", runner);
    if (runner && !is_closed(m))
        close_present_write(req, j, m);
    st = db_query(req->db,
                  "SELECT COUNT(*), SUM(status = 'present'), SUM(status = 'remote'), "
                  "SUM(status = 'leave'), SUM(status = 'absent'), SUM(leave_state = 'pending'), "
                  "SUM(minutes_read_at IS NOT NULL) FROM meeting_attendance WHERE meeting_id = ?",
                  "i", m->id);
    jw_key(j, "counts");
    jw_obj_begin(j);
    if (db_next(st)) {
        static const char *const names[] = {"expected", "present",      "remote",   "leave",
                                            "absent",   "pendingLeave", "confirmed"};
        for (int i = 0; i < 7; i++)
            jw_kv_int(j, names[i], db_int(st, i));
    }
    db_done(st);
    jw_obj_end(j);
    jw_key(j, "attendance");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT " ATT_COLUMNS " FROM meeting_attendance a JOIN members mb ON mb.id = "
                  "a.member_id WHERE a.meeting_id = ? AND (? OR a.member_id = ?) ORDER BY "
                  "a.member_id",
                  "iii", m->id, (int64_t)runner, req->who->member_id);
    while (db_next(st))
        attendance_write(j, st);
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "files");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT id, kind, ref, name, captured_at, received_at, created_at, file_id "
                  "FROM meeting_files WHERE meeting_id = ? ORDER BY id",
                  "i", m->id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "kind", db_text(st, 1));
        jw_kv_str(j, "ref", db_text(st, 2));
        jw_kv_str(j, "name", db_text(st, 3));
        time_or_null(j, "capturedAt", st, 4);
        time_or_null(j, "receivedAt", st, 5);
        jw_kv_bool(j, "capturedOffline", !db_isnull(st, 4));
        jw_kv_time(j, "createdAt", db_int(st, 6));
        jw_key(j, "file"); /* a stored file: its size and type before a download */
        if (db_isnull(st, 7))
            jw_null(j);
        else
            files_write_ref(req, j, db_int(st, 7));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "notes");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT n.id, n.body, n.author_id, a.name, n.created_at, n.captured_at, "
                  "n.received_at FROM meeting_notes n LEFT JOIN accounts a ON a.id = n.author_id "
                  "WHERE n.meeting_id = ? ORDER BY n.id",
                  "i", m->id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "body", db_text(st, 1));
        jw_kv_id(j, "authorId", db_int(st, 2));
        jw_kv_str(j, "authorName", db_text(st, 3));
        jw_kv_time(j, "createdAt", db_int(st, 4));
        time_or_null(j, "capturedAt", st, 5);
        time_or_null(j, "receivedAt", st, 6);
        jw_kv_bool(j, "capturedOffline", !db_isnull(st, 5));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
}

static int respond_meeting(struct req *req, int64_t id, int status)
{
    struct meeting m;
    if (!meeting_load(req->db, &req->arena, id, &m))
        return req_fail(req, ERR_MEETING_NOT_FOUND, NULL);
    bool runner = principal_can(req->who, PERM_MEETING_RUN, m.org_path);
    meeting_write(req, req_data(req), &m, runner);
    return status;
}

static const char *target(struct req *req, int64_t id)
{
    return arena_printf(&req->arena, "meeting:%" PRId64, id);
}

/* ---- the shared writes (online handlers and /sync) ---- */

static void touch(struct req *req, int64_t id)
{
    int64_t now = now_sec();
    db_exec(req->db, "UPDATE meetings SET updated_at = ?, seq = ? WHERE id = ?", "iii", now,
            db_next_seq(req->db), id);
}

int meeting_mark(struct req *req, const struct meeting *m, int64_t member_id, const char *status,
                 bool paper, int64_t captured_at, const char **why)
{
    if (is_closed(m)) {
        *why = "the meeting is closed";
        return ERR_MEETING_CLOSED;
    }
    if (!strcmp(status, "remote") && !m->online_link && !m->audio_room) {
        *why = "the meeting has no online link nor audio room: nobody attends it remotely";
        return ERR_INVALID;
    }
    int64_t n = 0;
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM meeting_attendance WHERE meeting_id = ? AND member_id = ?",
               "ii", m->id, member_id);
    if (!n) {
        *why = arena_printf(&req->arena, "member %" PRId64 " is not expected at this meeting",
                            member_id);
        return ERR_MEMBER_NOT_FOUND;
    }
    const char *source = paper ? "paper" : captured_at ? "offline" : "secretary";
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE meeting_attendance SET status = ?, source = ?, at = ?, marked_by = ?, "
            "captured_at = ?, received_at = ?, updated_at = ? WHERE meeting_id = ? AND "
            "member_id = ?",
            "ssiiIIiii", status, source, captured_at ? captured_at : now, req->who->account_id,
            captured_at, captured_at ? now : 0, now, m->id, member_id);
    touch(req, m->id);
    req_audit(req, "meeting.mark", m->org_id, target(req, m->id), "ok",
              "member %" PRId64 ": %s (%s)", member_id, status, source);
    return -1;
}

int meeting_set_minutes(struct req *req, const struct meeting *m, const char *minutes,
                        const char *resolutions, int64_t captured_at, const char **why)
{
    if (is_closed(m)) {
        *why = "the meeting is closed: append a note instead";
        return ERR_MEETING_CLOSED;
    }
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE meetings SET minutes = COALESCE(?, minutes), resolutions = COALESCE(?, "
            "resolutions), minutes_by = ?, minutes_captured_at = ?, minutes_received_at = ? "
            "WHERE id = ?",
            "ssiIIi", minutes, resolutions, req->who->account_id, captured_at,
            captured_at ? now : 0, m->id);
    touch(req, m->id);
    req_audit(req, "meeting.minutes", m->org_id, target(req, m->id), "ok", "%s",
              captured_at ? "captured offline" : "online");
    return -1;
}

int meeting_add_file(struct req *req, const struct meeting *m, const char *kind, const char *ref,
                     const char *name, int64_t captured_at, const char **why)
{
    if (is_closed(m)) {
        *why = "the meeting is closed: append a note instead";
        return ERR_MEETING_CLOSED;
    }
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO meeting_files (meeting_id, kind, ref, name, added_by, captured_at, "
            "received_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "isssiIIi", m->id, kind, ref, name, req->who->account_id, captured_at,
            captured_at ? now : 0, now);
    touch(req, m->id);
    req_audit(req, "meeting.file", m->org_id, target(req, m->id), "ok", "%s", kind);
    return -1;
}

int meeting_add_note(struct req *req, const struct meeting *m, const char *text,
                     int64_t captured_at, const char **why)
{
    if (!is_closed(m)) {
        *why = "the meeting is not closed: edit its minutes instead";
        return ERR_MEETING_OPEN;
    }
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO meeting_notes (meeting_id, body, author_id, captured_at, received_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            "isiIIi", m->id, text, req->who->account_id, captured_at, captured_at ? now : 0, now);
    touch(req, m->id);
    req_audit(req, "meeting.note", m->org_id, target(req, m->id), "ok", "correction appended");
    return -1;
}

/* Keeps meeting_last and the "mtg.<type>" counters of calendar item type
 * (the meeting's type, or "secretary_lecture") after meeting m was held. */
static void last_held_update(struct req *req, const struct meeting *m, const char *type)
{
    char day[11];
    date_of(m->starts_at, day); /* the Beijing day: a meeting at 07:00 on 1 January is January's */
    const char *month = arena_strndup(&req->arena, day, 7);
    const char *dim = arena_printf(&req->arena, "mtg.%s", type);
    const char *old = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT month, held_on FROM meeting_last WHERE org_id = ? AND "
                                  "type = ?",
                                  "is", m->org_id, type);
    bool newer = true;
    if (db_next(st)) {
        old = arena_strdup(&req->arena, db_text(st, 0));
        newer = strcmp(day, db_text(st, 1)) > 0;
    }
    db_done(st);
    if (!newer)
        return;
    db_exec(req->db,
            "INSERT INTO meeting_last (org_id, type, month, meeting_id, held_on) VALUES (?, ?, ?, "
            "?, ?) ON CONFLICT (org_id, type) DO UPDATE SET month = excluded.month, meeting_id = "
            "excluded.meeting_id, held_on = excluded.held_on",
            "issis", m->org_id, type, month, m->id, day);
    if (old && !strcmp(old, month))
        return;
    if (old)
        org_counts_add(req->db, m->org_path, dim, old, -1);
    org_counts_add(req->db, m->org_path, dim, month, 1);
}

int meeting_close(struct req *req, struct meeting *m, int64_t captured_at, const char **why)
{
    if (is_closed(m)) {
        *why = "the meeting is closed already";
        return ERR_MEETING_CLOSED;
    }
    int64_t at = captured_at ? captured_at : now_sec();
    if (at < m->starts_at) {
        *why = "a meeting is closed after it has started";
        return ERR_MEETING_STATE;
    }
    if (!m->minutes || !*m->minutes) {
        *why = "write the minutes before closing the meeting";
        return ERR_MEETING_NO_MINUTES;
    }
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE meeting_attendance SET status = 'present', source = 'close', at = ?, "
            "marked_by = ?, updated_at = ? WHERE meeting_id = ? AND status = 'expected' AND "
            "member_id IN (" CLOSE_PRESENT_SQL ")",
            "iiiiii", at, req->who->account_id, now, m->id, req->who->account_id, m->id);
    /* The audio room: who is in it now leaves it as the meeting closes; who
     * was in it for room_presence_percent of the meeting attended remotely. */
    db_exec(req->db,
            "UPDATE room_intervals SET left_at = ? WHERE meeting_id = ? AND left_at IS NULL", "ii",
            at, m->id);
    db_exec(req->db,
            "UPDATE meeting_attendance SET status = 'remote', source = 'room', at = ?, "
            "updated_at = ? WHERE meeting_id = ? AND status = 'expected' AND member_id IN "
            "(SELECT member_id FROM room_intervals WHERE meeting_id = ? GROUP BY member_id "
            "HAVING SUM(left_at - joined_at) * 100 >= ?)",
            "iiiii", at, now, m->id, m->id,
            (int64_t)cfg.room_presence_percent * m->duration_min * 60);
    db_exec(req->db,
            "UPDATE meeting_attendance SET status = 'absent', updated_at = ? WHERE meeting_id = ? "
            "AND status = 'expected'",
            "ii", now, m->id);
    db_exec(req->db,
            "UPDATE meetings SET state = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
            "iii", req->who->account_id, at, m->id);
    touch(req, m->id);
    last_held_update(req, m, m->type);
    if (m->by_secretary)
        last_held_update(req, m, "secretary_lecture");
    m->state = "closed";
    req_audit(req, "meeting.close", m->org_id, target(req, m->id), "ok", "%s held%s", m->type,
              captured_at ? ", captured offline" : "");
    return -1;
}

/* ---- scheduling ---- */

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"type", P_ENUM, P_REQUIRED, 0, 0, meeting_types},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"startsAt", P_TIME, P_REQUIRED},
    {"durationMin", P_INT, 0, 10, 24 * 60},
    {"place", P_STR, P_NONBLANK, 1, 200},
    {"onlineLink", P_URL, 0, 0, 500},
    {"agenda", P_STR, P_MULTILINE, 1, 5000},
    {"attendees", P_ENUM, P_REQUIRED, 0, 0, meeting_attendee_kinds},
    {"groupId", P_ID, 0},
    {"memberIds", P_IDS, 0, 1, 2000},
    {"bySecretary", P_BOOL, 0},
    {"audioRoom", P_BOOL, 0},
    {"withHosted", P_BOOL, 0},
    {NULL},
};

/* Fills the expected attendees of a new meeting; 0 or the error status. */
static int expected_fill(struct req *req, int64_t meeting, int64_t branch, const char *kind)
{
    int64_t now = now_sec();
    /* Migrants the branch hosts take part in its life while their membership stays
     * home: expected when chosen, or all of them with withHosted. */
    if (strcmp(kind, "members") && req_body_int(req, "withHosted", 0))
        db_exec(req->db,
                "INSERT INTO meeting_attendance (meeting_id, member_id, updated_at) SELECT ?, id, "
                "? FROM members WHERE host_org_id = ? AND org_id <> ? AND deleted_at IS NULL AND "
                "status IN " ROSTER_STATUSES,
                "iiii", meeting, now, branch, branch);
    if (!strcmp(kind, "branch")) {
        db_exec(
            req->db,
            "INSERT INTO meeting_attendance (meeting_id, member_id, updated_at) SELECT ?, id, "
            "? FROM members WHERE org_id = ? AND deleted_at IS NULL AND status IN " ROSTER_STATUSES
            " ON CONFLICT DO NOTHING",
            "iii", meeting, now, branch);
        return 0;
    }
    if (!strcmp(kind, "group")) {
        int64_t g = req_body_int(req, "groupId", 0), ok = 0;
        db_get_int(req->db, &ok,
                   "SELECT COUNT(*) FROM orgs WHERE id = ? AND parent_id = ? AND level = 'group' "
                   "AND deleted_at IS NULL",
                   "ii", g, branch);
        if (!g || !ok)
            return req_fail_field(req, ERR_INVALID, "groupId",
                                  "groupId names a party group of the branch");
        db_exec(req->db,
                "INSERT INTO meeting_attendance (meeting_id, member_id, updated_at) SELECT ?, id, "
                "? FROM members WHERE org_id = ? AND group_id = ? AND deleted_at IS NULL AND "
                "status IN " ROSTER_STATUSES " ON CONFLICT DO NOTHING",
                "iiii", meeting, now, branch, g);
        return 0;
    }
    const struct value *ids = req_body(req, "memberIds");
    if (!ids->present)
        return req_fail_field(req, ERR_INVALID, "memberIds",
                              "memberIds lists the chosen members: [12, 15, 31]");
    for (size_t i = 0; i < ids->n; i++) {
        int64_t id = ids->ids[i], ok = 0;
        db_get_int(req->db, &ok,
                   "SELECT COUNT(*) FROM members WHERE id = ? AND (org_id = ? OR host_org_id = ?) "
                   "AND deleted_at IS NULL AND status IN " ROSTER_STATUSES "",
                   "iii", id, branch, branch);
        if (!ok)
            return req_fail_field(
                req, ERR_INVALID, "memberIds",
                "member %" PRId64 " is neither on the branch's roster nor hosted by it", id);
        db_exec(req->db,
                "INSERT INTO meeting_attendance (meeting_id, member_id, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                "iii", meeting, id, now);
    }
    return 0;
}

/*
 * Tells the expected members of a meeting, live (src/core/live.h), that it
 * was scheduled or closed: event "meeting" {meetingId, what}; their home
 * page's meeting count and the meeting page refresh. Part of the writing
 * transaction, so it exists exactly when the change commits.
 */
static void meeting_live(struct db *db, int64_t id, const char *what)
{
    char data[80];
    jw_small(data, sizeof(data), "is", "meetingId", id, "what", what);
    struct db_stmt *st = db_query(db,
                                  "SELECT a.id FROM meeting_attendance x JOIN accounts a ON "
                                  "a.member_id = x.member_id WHERE x.meeting_id = ? AND "
                                  "a.disabled_at IS NULL",
                                  "i", id);
    int64_t accounts[256];
    bool more = true;
    while (more) {
        size_t n = 0;
        while (n < ARRAY_SIZE(accounts) && (more = db_next(st)))
            accounts[n++] = db_int(st, 0);
        for (size_t i = 0; i < n; i++)
            live_publish(db, "meeting", NULL, 0, accounts[i], data);
    }
    db_done(st);
}

/*
 * POST /api/v1/meetings {orgId, type, title, startsAt, durationMin?, place?,
 *   onlineLink?, agenda?, attendees: branch|group|members, groupId?,
 *   memberIds?: [12, 15], bySecretary? (a party lecture the secretary gives)}
 *   -> 201 the meeting
 * Errors: request.invalid (a branch only; a place or a link; group of the
 * branch; members on its roster). meeting.run on the branch.
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0), starts = req_body(req, "startsAt")->i;
    const char *name = NULL, *level = meeting_org_level(req, org, &name);
    if (!level || !meeting_level_holds(level))
        return req_fail_field(req, ERR_INVALID, "orgId", "meetings are held by a branch");
    const char *place = req_body_str(req, "place"), *link = req_body_str(req, "onlineLink");
    int64_t room = req_body_int(req, "audioRoom", 0);
    if (!place && !link && !room)
        return req_fail_field(req, ERR_INVALID, "place",
                              "a meeting has a place, an online link or an audio room");
    const char *kind = req_body_str(req, "attendees"), *type = req_body_str(req, "type");
    int64_t by_secretary = req_body_int(req, "bySecretary", 0);
    if (by_secretary && strcmp(type, "party_lecture"))
        return req_fail_field(req, ERR_INVALID, "bySecretary",
                              "bySecretary marks a party lecture the secretary gives");
    unsigned char secret[32];
    randombytes_buf(secret, sizeof(secret));
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO meetings (org_id, org_path, type, title, starts_at, duration_min, place, "
            "online_link, agenda, attendees, group_id, by_secretary, audio_room, secret, "
            "created_by, created_at, updated_at, seq) SELECT id, path, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ? FROM orgs WHERE id = ?",
            "ssiissssIiibiiiii", type, req_body_str(req, "title"), starts,
            req_body_int(req, "durationMin", 90), place, link, req_body_str(req, "agenda"), kind,
            strcmp(kind, "group") ? 0 : req_body_int(req, "groupId", 0), by_secretary, room, secret,
            sizeof(secret), req->who->account_id, now, now, db_next_seq(req->db), org);
    int64_t id = db_last_id(req->db);
    int rc = expected_fill(req, id, org, kind);
    if (rc)
        return rc;
    req_audit(req, "meeting.create", org, target(req, id), "ok", "%s", req_body_str(req, "type"));
    meeting_live(req->db, id, "scheduled");
    return respond_meeting(req, id, 201);
}

/*
 * GET /api/v1/meetings/{id} -> the meeting {id, orgId, orgName, type, title,
 *   startsAt, durationMin, place, onlineLink, state, leaveUntil, checkinFrom,
 *   checkinUntil, agenda, attendees, groupId, minutes, resolutions,
 *   minutesCapturedAt, minutesReceivedAt, minutesCapturedOffline, closedAt,
 *   closedBy, createdAt, createdBy, canRun, counts, attendance: [...],
 *   files: [...], notes: [...]}
 * Those who may run it see every attendance row, an expected member their
 * own. roster.read on the branch, or expected.
 */
static int h_get(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    return respond_meeting(req, m.id, 200);
}

static const struct param list_query[] = {
    {"state", P_ENUM, 0, 0, 0, (const char *const[]){"scheduled", "closed", NULL}},
    PAGE_PARAMS,
    {NULL},
};

static void list_item_write(struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "type", db_text(st, 1));
    jw_kv_str(j, "title", db_text(st, 2));
    jw_kv_time(j, "startsAt", db_int(st, 3));
    jw_kv_str(j, "place", db_text(st, 4));
    jw_kv_str(j, "onlineLink", db_text(st, 5));
    jw_kv_str(j, "state", db_text(st, 6));
    jw_kv_int(j, "orgId", db_int(st, 7));
    jw_obj_end(j);
}

/*
 * GET /api/v1/orgs/{id}/meetings?state=&after=&limit= -> {items: [{id, type,
 *   title, startsAt, place, onlineLink, state, orgId}], next}
 * The branch's meetings, newest first. roster.read.
 */
static int h_list(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT id, type, title, starts_at, place, online_link, state, org_id FROM "
                 "meetings WHERE org_id = ? AND deleted_at IS NULL AND (? IS NULL OR state = ?) "
                 "AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                 "issiii", req_id(req), req_query_str(req, "state"), req_query_str(req, "state"),
                 after, after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        list_item_write(pg.j, st);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/me/meetings -> {items: [{id, type, title, startsAt, place,
 *   onlineLink, state, orgId, myStatus, leaveState, minutesReadAt,
 *   needsConfirm}], next: null}
 * The caller's meetings: scheduled ones and closed ones of the last 90 days
 * (and older ones whose minutes the caller still has to confirm), newest
 * first, at most 100. Any logged-in caller (none without a member record).
 */
static int h_mine(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.id, m.type, m.title, m.starts_at, m.place, m.online_link, m.state, m.org_id, "
        "a.status, a.leave_state, a.minutes_read_at FROM meeting_attendance a JOIN meetings m ON "
        "m.id = a.meeting_id WHERE a.member_id = ? AND m.deleted_at IS NULL AND (m.state = "
        "'scheduled' OR m.starts_at > ? OR (a.status IN ('absent', 'leave') AND "
        "a.minutes_read_at IS NULL)) ORDER BY m.starts_at DESC, m.id DESC LIMIT 100",
        "ii", req->who->member_id, now_sec() - 90 * 86400);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "type", db_text(st, 1));
        jw_kv_str(j, "title", db_text(st, 2));
        jw_kv_time(j, "startsAt", db_int(st, 3));
        jw_kv_str(j, "place", db_text(st, 4));
        jw_kv_str(j, "onlineLink", db_text(st, 5));
        jw_kv_str(j, "state", db_text(st, 6));
        jw_kv_int(j, "orgId", db_int(st, 7));
        jw_kv_str(j, "myStatus", db_text(st, 8));
        jw_kv_str(j, "leaveState", db_text(st, 9));
        time_or_null(j, "minutesReadAt", st, 10);
        jw_kv_bool(j, "needsConfirm",
                   !strcmp(db_text(st, 6), "closed") &&
                       (!strcmp(db_text(st, 8), "absent") || !strcmp(db_text(st, 8), "leave")) &&
                       db_isnull(st, 10));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_kv_null(j, "next");
    jw_obj_end(j);
    return 200;
}

static const struct param patch_body[] = {
    {"title", P_STR, P_NONBLANK, 1, 100},
    {"startsAt", P_TIME, 0},
    {"durationMin", P_INT, 0, 10, 1440},
    {"place", P_STR, P_NONBLANK, 1, 200},
    {"onlineLink", P_URL, 0, 0, 500},
    {"agenda", P_STR, P_MULTILINE, 1, 5000},
    {"minutes", P_STR, P_MULTILINE, 1, 20000},
    {"resolutions", P_STR, P_MULTILINE, 1, 5000},
    {"bySecretary", P_BOOL, 0},
    {"audioRoom", P_BOOL, 0},
    {NULL},
};

/*
 * PATCH /api/v1/meetings/{id} {title?, startsAt?, durationMin?, place?,
 *   onlineLink?, agenda?, minutes?, resolutions?, bySecretary?} -> the meeting
 * While it is not closed (then meeting.closed). null clears place, link,
 * agenda. meeting.run.
 */
static int h_patch(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (is_closed(&m))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    const struct value *sv = req_body(req, "startsAt");
    int64_t starts = sv->present ? sv->i : m.starts_at;
    const char *place = m.place, *link = m.online_link, *agenda = m.agenda;
    if (req_body(req, "place")->present || req_body(req, "place")->null)
        place = req_body_str(req, "place");
    if (req_body(req, "onlineLink")->present || req_body(req, "onlineLink")->null)
        link = req_body_str(req, "onlineLink");
    if (req_body(req, "agenda")->present || req_body(req, "agenda")->null)
        agenda = req_body_str(req, "agenda");
    int64_t room = req_body_int(req, "audioRoom", m.audio_room);
    if (!place && !link && !room)
        return req_fail_field(req, ERR_INVALID, "place",
                              "a meeting has a place, an online link or an audio room");
    int64_t by_secretary = req_body_int(req, "bySecretary", m.by_secretary);
    if (by_secretary && strcmp(m.type, "party_lecture"))
        return req_fail_field(req, ERR_INVALID, "bySecretary",
                              "bySecretary marks a party lecture the secretary gives");
    const char *title = req_body_str(req, "title");
    db_exec(req->db,
            "UPDATE meetings SET title = ?, starts_at = ?, duration_min = ?, place = ?, "
            "online_link = ?, agenda = ?, by_secretary = ?, audio_room = ? WHERE id = ?",
            "siisssiii", title ? title : m.title, starts,
            req_body_int(req, "durationMin", m.duration_min), place, link, agenda, by_secretary,
            room, m.id);
    const char *minutes = req_body_str(req, "minutes"), *res = req_body_str(req, "resolutions");
    const char *why = NULL;
    if (minutes || res)
        meeting_set_minutes(req, &m, minutes, res, 0, &why);
    else
        touch(req, m.id);
    req_audit(req, "meeting.edit", m.org_id, target(req, m.id), "ok", "edited");
    return respond_meeting(req, m.id, 200);
}

static const struct param code_query[] = {
    {"origin", P_STR, 0, 8, 200},
    {NULL},
};

/* Whether s is a web origin, scheme://host[:port] and nothing more (no path,
 * query, fragment, user or space): all the check-in link may start with. */
static bool is_origin(const char *s)
{
    const char *h = !strncmp(s, "https://", 8) ? s + 8 : !strncmp(s, "http://", 7) ? s + 7 : NULL;
    if (!h || !*h)
        return false;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && !strchr(".-:[]", *h))
            return false;
    return true;
}

/*
 * GET /api/v1/meetings/{id}/code?origin= -> {code, step, validUntil,
 *   stepSeconds, checkinUrl?, svg?}
 * The rotating check-in code for the secretary's screen (a new one every 30
 * seconds; the previous one is still accepted). With origin (the web
 * client's own, e.g. https://zhibu.example.cn): the link a member's phone
 * camera opens to check in, ORIGIN/#/checkin/ID/CODE, and its QR code as an
 * SVG document; both change with the code. Errors: meeting.closed,
 * request.invalid (origin not scheme://host[:port]). meeting.run.
 */
static int h_code(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (is_closed(&m))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    const char *origin = req_query_str(req, "origin");
    if (origin && !is_origin(origin))
        return req_fail_field(req, ERR_INVALID, "origin", "origin is scheme://host[:port]");
    int64_t step = now_sec() / MTG_CODE_STEP;
    char code[7];
    code_at(&m, step, code);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_str(j, "code", code);
    jw_kv_int(j, "step", step);
    jw_kv_time(j, "validUntil", (step + 1) * MTG_CODE_STEP);
    jw_kv_int(j, "stepSeconds", MTG_CODE_STEP);
    if (origin) {
        char *url =
            arena_printf(&req->arena, "%s/#/checkin/%lld/%s", origin, (long long)m.id, code);
        jw_kv_str(j, "checkinUrl", url);
        jw_kv_str(j, "svg", totp_qr_svg(&req->arena, url));
    }
    jw_obj_end(j);
    return 200;
}

static const struct param checkin_body[] = {
    {"code", P_STR, 0, 1, 12},
    {"remote", P_BOOL, 0},
    {NULL},
};

/* The caller's attendance row as {memberId, ...} (the answer of member writes). */
static int respond_mine(struct req *req, int64_t meeting, int status)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " ATT_COLUMNS " FROM meeting_attendance a JOIN members "
                                  "mb ON mb.id = a.member_id WHERE a.meeting_id = ? AND "
                                  "a.member_id = ?",
                                  "ii", meeting, req->who->member_id);
    struct jw *j = req_data(req);
    if (db_next(st))
        attendance_write(j, st);
    else
        jw_null(j);
    db_done(st);
    return status;
}

/*
 * POST /api/v1/meetings/{id}/checkin {code?, remote?} -> the caller's
 * attendance row. In person: the code on the secretary's screen (current or
 * previous 30-second step); remote: a meeting with an online link, no code.
 * Only inside the window around the start (default +-20 min). Checking in
 * again answers the same row. Five wrong codes in ten minutes make the
 * member wait (meeting.code_throttled). Errors: meeting.window, meeting.code,
 * meeting.closed, meeting.not_expected, request.invalid. Expected members.
 */
static int h_checkin(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (is_closed(&m))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    struct meeting_rules r;
    meeting_rules_for(req->db, m.org_path, &r);
    int64_t now = now_sec(), w = (int64_t)r.checkin_window_min * 60;
    if (now < m.starts_at - w || now > m.starts_at + w)
        return req_fail(req, ERR_MEETING_WINDOW,
                        "check-in is open from %d minutes before to %d minutes after the start",
                        r.checkin_window_min, r.checkin_window_min);
    bool remote = req_body_int(req, "remote", 0);
    if (remote && !m.online_link)
        return req_fail_field(req, ERR_INVALID, "remote",
                              "the meeting has no online link: check in with the code");
    if (!remote && !code_may_try(m.id, req->who->member_id))
        return req_fail(req, ERR_MEETING_CODE_THROTTLED, NULL);
    if (!remote && !code_ok(&m, req_body_str(req, "code"))) {
        code_failed(m.id, req->who->member_id);
        return req_fail_field(req, ERR_MEETING_CODE, "code", NULL);
    }
    db_exec(req->db,
            "UPDATE meeting_attendance SET status = ?, source = ?, at = ?, updated_at = ? WHERE "
            "meeting_id = ? AND member_id = ? AND status NOT IN ('present', 'remote')",
            "ssiiii", remote ? "remote" : "present", remote ? "remote" : "checkin", now, now, m.id,
            req->who->member_id);
    if (db_changes(req->db))
        access_member_acted(req->db, req->who->member_id, now);
    /* No touch(): a check-in changes only the member's row (one page to sync, so a
     * room filling stays cheap); the meeting's seq moves with the secretary's writes. */
    return respond_mine(req, m.id, 200);
}

static const struct param leave_body[] = {
    {"reason", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 2, 500},
    {NULL},
};

/*
 * POST /api/v1/meetings/{id}/leave {reason} -> the caller's attendance row
 * (leaveState pending). Until the cut-off before the start (default 20
 * min). Errors: meeting.leave_cutoff, meeting.state (asked already,
 * approved, or checked in), meeting.closed. Expected members.
 */
static int h_leave(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (is_closed(&m))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    struct meeting_rules r;
    meeting_rules_for(req->db, m.org_path, &r);
    int64_t now = now_sec();
    if (now > m.starts_at - (int64_t)r.leave_cutoff_min * 60)
        return req_fail(req, ERR_MEETING_LEAVE_CUTOFF,
                        "leave is asked for until %d minutes before the start", r.leave_cutoff_min);
    db_exec(req->db,
            "UPDATE meeting_attendance SET leave_state = 'pending', leave_reason = ?, leave_at = "
            "?, leave_decided_by = NULL, leave_decided_at = NULL, updated_at = ? WHERE "
            "meeting_id = ? AND member_id = ? AND status = 'expected' AND (leave_state IS NULL "
            "OR leave_state = 'refused')",
            "siiii", req_body_str(req, "reason"), now, now, m.id, req->who->member_id);
    if (!db_changes(req->db))
        return req_fail(req, ERR_MEETING_STATE,
                        "leave was asked for already, or you have checked in");
    touch(req, m.id);
    req_audit(req, "meeting.leave", m.org_id, target(req, m.id), "ok", "leave requested");
    return respond_mine(req, m.id, 200);
}

static const struct param decide_body[] = {
    {"memberId", P_ID, P_REQUIRED},
    {"approve", P_BOOL, P_REQUIRED},
    {NULL},
};

/*
 * POST /api/v1/meetings/{id}/leave-decision {memberId, approve} -> the
 * meeting. Approving marks the member on leave. Errors: meeting.state (no
 * pending request), meeting.closed. meeting.run.
 */
static int h_decide(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (is_closed(&m))
        return req_fail(req, ERR_MEETING_CLOSED, NULL);
    bool approve = req_body_int(req, "approve", 0);
    int64_t now = now_sec(), member = req_body_int(req, "memberId", 0);
    db_exec(req->db,
            "UPDATE meeting_attendance SET leave_state = ?, status = CASE WHEN ? AND status = "
            "'expected' THEN 'leave' ELSE status END, source = CASE WHEN ? AND status = "
            "'expected' THEN 'secretary' ELSE source END, "
            "leave_decided_by = ?, leave_decided_at = ?, updated_at = ? WHERE meeting_id = ? AND "
            "member_id = ? AND leave_state = 'pending'",
            "siiiiiii", approve ? "approved" : "refused", (int64_t)approve, (int64_t)approve,
            req->who->account_id, now, now, m.id, member);
    if (!db_changes(req->db))
        return req_fail(req, ERR_MEETING_STATE, "member %" PRId64 " has no pending leave request",
                        member);
    touch(req, m.id);
    req_audit(req, "meeting.leave_decision", m.org_id, target(req, m.id), "ok",
              "member %" PRId64 ": %s", member, approve ? "approved" : "refused");
    /* The member hears of it by SMS too, if they take SMS (mod/sms.h). */
    const char *vars[4] = {m.title, approve ? "已批准" : "未获批准"};
    sms_to_member(
        req->db, member, SMS_LEAVE_DECISION, true, vars,
        arena_printf(&req->arena, "leave:%" PRId64 ":m:%" PRId64 ":%" PRId64, m.id, member, now));
    return respond_meeting(req, m.id, 200);
}

static const struct param mark_body[] = {
    {"memberId", P_ID, P_REQUIRED},
    {"status", P_ENUM, P_REQUIRED, 0, 0, meeting_marks},
    {"paper", P_BOOL, 0},
    {NULL},
};

/* Turns a shared write's error into the request's. */
static int fail_with(struct req *req, int err, const char *why, const char *field)
{
    if (field)
        return req_fail_field(req, err, field, "%s", why);
    return req_fail(req, err, "%s", why);
}

/*
 * POST /api/v1/meetings/{id}/attendance {memberId, status: present|remote|
 *   leave|absent, paper?} -> the meeting. The secretary's mark; paper: typed
 * in from a photographed sign-in sheet (shown as such). Errors:
 * member.not_found (not expected), request.invalid (remote without a link),
 * meeting.closed. meeting.run.
 */
static int h_mark(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    const char *why;
    int e = meeting_mark(req, &m, req_body_int(req, "memberId", 0), req_body_str(req, "status"),
                         req_body_int(req, "paper", 0), 0, &why);
    if (e >= 0)
        return fail_with(req, e, why, e == ERR_INVALID ? "status" : NULL);
    return respond_meeting(req, m.id, 200);
}

static const struct param file_body[] = {
    {"kind", P_ENUM, P_REQUIRED, 0, 0, meeting_file_kinds},
    {"ref", P_STR, 0, 1, 500},
    {"fileId", P_ID},
    {"name", P_STR, P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/meetings/{id}/files {kind: material|agenda|minutes|photo|
 *   signin_sheet, ref | fileId, name?} -> 201 the meeting. A stored file
 * (fileId: the caller's upload or one of an organisation whose roster they
 * keep, on the meeting's path), read by whoever sees the meeting, or a
 * reference to a file kept elsewhere (ref). Errors: meeting.closed,
 * request.invalid (both or neither), file.not_found, file.not_attachable.
 * meeting.run.
 */
static int h_file(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    const char *ref = req_body_str(req, "ref");
    int64_t file_id = req_body_int(req, "fileId", 0);
    if (!ref == !file_id)
        return req_fail_field(req, ERR_INVALID, "fileId", "a file has a ref or a fileId");
    struct file_info info;
    if (file_id && (rc = files_check_attachable(req, file_id, m.org_path, "fileId", &info)))
        return rc;
    if (file_id)
        ref = arena_printf(&req->arena, "file:%" PRId64, file_id);
    const char *why;
    int e = meeting_add_file(req, &m, req_body_str(req, "kind"), ref, req_body_str(req, "name"), 0,
                             &why);
    if (e >= 0)
        return fail_with(req, e, why, NULL);
    if (file_id) {
        db_exec(req->db, "UPDATE meeting_files SET file_id = ? WHERE id = ?", "ii", file_id,
                db_last_id(req->db));
        files_attach(req, file_id, "meeting", m.id);
    }
    return respond_meeting(req, m.id, 201);
}

/*
 * GET /api/v1/meetings/{id}/files/{fileId}?download= -> a stored file of the
 * meeting (Range, ETag: as GET /files/{id}/content). Errors:
 * meeting.not_found, file.not_found, file.range_not_satisfiable. As GET
 * /meetings/{id}: roster.read on its branch, and the members expected at it.
 */
static int h_file_get(struct req *req)
{
    return files_send_attached(req, "meeting", req->obj.id, req->path_ids[1]);
}

/*
 * POST /api/v1/meetings/{id}/close -> the meeting (state closed)
 * The host (who closes) and the minute-taker, if still expected, are marked
 * present (source "close"); the other members still expected absent; the record is locked; the
 * branch's compliance for the type counts it. Errors: meeting.closed,
 * meeting.no_minutes, meeting.state (before the start). meeting.run.
 */
static int h_close(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    const char *why;
    int e = meeting_close(req, &m, 0, &why);
    if (e >= 0)
        return fail_with(req, e, why, NULL);
    meeting_live(req->db, m.id, "closed"); /* absent members: read the minutes and confirm */
    return respond_meeting(req, m.id, 200);
}

static const struct param note_body[] = {
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 2000},
    {NULL},
};

/*
 * POST /api/v1/meetings/{id}/notes {text} -> 201 the meeting. A correction
 * appended to a closed record, with who and when. Errors: meeting.open.
 * meeting.run.
 */
static int h_note(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    const char *why;
    int e = meeting_add_note(req, &m, req_body_str(req, "text"), 0, &why);
    if (e >= 0)
        return fail_with(req, e, why, NULL);
    return respond_meeting(req, m.id, 201);
}

/*
 * POST /api/v1/meetings/{id}/confirm -> the caller's attendance row with
 * minutesReadAt: a member who was absent or on leave has read the minutes
 * (asynchronous participation). Again: the same row. Errors: meeting.open,
 * meeting.state (the member attended). Expected members.
 */
static int h_confirm(struct req *req)
{
    struct meeting m;
    int rc = meeting_get(req, &m);
    if (rc)
        return rc;
    if (!is_closed(&m))
        return req_fail(req, ERR_MEETING_OPEN, "the minutes are read after the meeting is closed");
    int64_t n = 0, now = now_sec();
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM meeting_attendance WHERE meeting_id = ? AND member_id = ? "
               "AND status IN ('absent', 'leave')",
               "ii", m.id, req->who->member_id);
    if (!n)
        return req_fail(req, ERR_MEETING_STATE,
                        "only members who could not attend confirm the minutes");
    db_exec(req->db,
            "UPDATE meeting_attendance SET minutes_read_at = ?, updated_at = ? WHERE meeting_id "
            "= ? AND member_id = ? AND minutes_read_at IS NULL",
            "iiii", now, now, m.id, req->who->member_id);
    if (db_changes(req->db))
        touch(req, m.id);
    return respond_mine(req, m.id, 200);
}

/*
 * GET /api/v1/members/{id}/meetings -> {items: [{meetingId, type, title,
 *   startsAt, state, orgId, orgName, away, status, source}]}
 * The meetings a member was expected at in the last 400 days and those to
 * come, newest first (at most 200): at their own branch, and at the branch
 * hosting them while they work away (away: true, "attended at <host
 * branch>"). roster.read on the member's branch, or the member.
 */
static int h_member_meetings(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.id, m.type, m.title, m.starts_at, m.state, m.org_id, o.name, m.org_id <> "
        "mb.org_id, "
        "a.status, a.source FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id JOIN "
        "orgs o ON o.id = m.org_id JOIN members mb ON mb.id = a.member_id WHERE a.member_id = ? "
        "AND "
        "m.deleted_at IS NULL AND m.starts_at > ? ORDER BY m.starts_at DESC, m.id DESC LIMIT 200",
        "ii", req->obj.id, now_sec() - 400 * 86400LL);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "meetingId", db_int(st, 0));
        jw_kv_str(j, "type", db_text(st, 1));
        jw_kv_str(j, "title", db_text(st, 2));
        jw_kv_time(j, "startsAt", db_int(st, 3));
        jw_kv_str(j, "state", db_text(st, 4));
        jw_kv_int(j, "orgId", db_int(st, 5));
        jw_kv_str(j, "orgName", db_text(st, 6));
        jw_kv_bool(j, "away", db_int(st, 7) != 0);
        jw_kv_str(j, "status", db_text(st, 8));
        jw_kv_str(j, "source", db_text(st, 9));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

const struct route meetings_routes[] = {
    {"GET", "/api/v1/orgs/{id}/meetings", h_list, SCOPE_PATH_ORG, PERM_ROSTER_READ, NULL,
     list_query, NULL, 0},
    {"GET", "/api/v1/me/meetings", h_mine, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {"GET", "/api/v1/members/{id}/meetings", h_member_meetings, SCOPE_OBJECT, PERM_ROSTER_READ,
     NULL, NULL, NULL, 0, &member_kind, PARTY_SELF},
    {"POST", "/api/v1/meetings", h_create, SCOPE_BODY_ORG, PERM_MEETING_RUN, "orgId", NULL,
     create_body, 0},
    {"GET", "/api/v1/meetings/{id}", h_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL, 0,
     &meeting_kind, PARTY_EXPECTED},
    {"GET", "/api/v1/meetings/{id}/files/{id}", h_file_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL,
     files_download_query, NULL, ROUTE_RAW, &meeting_kind, PARTY_EXPECTED},
    {"PATCH", "/api/v1/meetings/{id}", h_patch, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     patch_body, 0, &meeting_kind},
    {"GET", "/api/v1/meetings/{id}/code", h_code, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, code_query,
     NULL, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/checkin", h_checkin, SCOPE_OBJECT, PERM_NONE, NULL, NULL,
     checkin_body, ROUTE_SEEN_FORBIDS, &meeting_kind, PARTY_EXPECTED},
    {"POST", "/api/v1/meetings/{id}/leave", h_leave, SCOPE_OBJECT, PERM_NONE, NULL, NULL,
     leave_body, ROUTE_SEEN_FORBIDS, &meeting_kind, PARTY_EXPECTED},
    {"POST", "/api/v1/meetings/{id}/leave-decision", h_decide, SCOPE_OBJECT, PERM_MEETING_RUN, NULL,
     NULL, decide_body, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/attendance", h_mark, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     mark_body, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/files", h_file, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     file_body, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/close", h_close, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     NULL, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/notes", h_note, SCOPE_OBJECT, PERM_MEETING_RUN, NULL, NULL,
     note_body, 0, &meeting_kind},
    {"POST", "/api/v1/meetings/{id}/confirm", h_confirm, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL,
     ROUTE_SEEN_FORBIDS, &meeting_kind, PARTY_EXPECTED},
    {NULL},
};
