/*
 * waiting.c - GET /api/v1/me/waiting: one list of what waits for this member,
 * newest first. Each source is a short query here (threads, corrections,
 * polls, activities, meetings) or the module's own function where the rule
 * of who is reached lives there (notices_waiting).
 */
#include "app.h"
#include "core/roster.h"
#include "mod/waiting.h"
#include "routes.h"

#define WAITING_MAX 50  /* items answered, newest first */
#define WAITING_DAYS 30 /* answers and new activities older than this stop waiting */

void waiting_add(struct waiting *w, const char *kind, int64_t id, const char *title, int64_t at,
                 int64_t until, const char *what)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 32;
        struct waiting_item *items = arena_alloc(w->arena, cap * sizeof(*items));
        if (w->n)
            memcpy(items, w->items, w->n * sizeof(*items));
        w->items = items;
        w->cap = cap;
    }
    w->items[w->n++] = (struct waiting_item){kind, id, title, at, until, what};
}

/* Answers from the branch the member has not replied to, and messages it sent. */
static void threads_waiting(struct req *req, struct waiting *w, int64_t member, int64_t now)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, subject, last_message_at, direction FROM threads "
                                  "WHERE member_id = ? AND closed_at IS NULL AND "
                                  "last_from_member = 0 AND last_message_at > ?",
                                  "ii", member, now - WAITING_DAYS * 86400LL);
    while (db_next(st))
        waiting_add(w, "answer", db_int(st, 0), arena_strdup(w->arena, db_text(st, 1)),
                    db_int(st, 2), 0, !strcmp(db_text(st, 3), "to_member") ? "message" : "answer");
    db_done(st);
}

/* Corrections and clarifications of posts the caller saw, not yet read. */
static void corrections_waiting(struct req *req, struct waiting *w)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT p.id, p.title, c.created_at, c.kind FROM "
                                  "post_corrections c JOIN posts p ON p.id = c.post_id WHERE "
                                  "c.account_id = ? AND c.read_at IS NULL",
                                  "i", req->who->account_id);
    while (db_next(st))
        waiting_add(w, "correction", db_int(st, 0), arena_strdup(w->arena, db_text(st, 1)),
                    db_int(st, 2), 0, arena_strdup(w->arena, db_text(st, 3)));
    db_done(st);
}

/* Open polls the member votes in and has not voted in. */
static void polls_waiting(struct req *req, struct waiting *w, int64_t member, int64_t now)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT p.id, p.title, p.opens_at, p.closes_at FROM poll_voters "
                                  "v JOIN polls p ON p.id = v.poll_id WHERE v.member_id = ? AND "
                                  "v.voted = 0 AND p.deleted_at IS NULL AND p.opens_at <= ? AND "
                                  "p.closes_at > ?",
                                  "iii", member, now, now);
    while (db_next(st))
        waiting_add(w, "poll", db_int(st, 0), arena_strdup(w->arena, db_text(st, 1)), db_int(st, 2),
                    db_int(st, 3), NULL);
    db_done(st);
}

/* Activities the member can take part in, offered in the last WAITING_DAYS,
 * still open for sign-up, not answered: their branch's, or for a member working
 * away (migrant) the host branch's only (not a road clean-up 1,500 km away). */
static void activities_waiting(struct req *req, struct waiting *w, int64_t member, int64_t now)
{
    struct db_stmt *st = db_query(
        req->db,
        "SELECT a.id, a.title, a.created_at, a.signup_deadline FROM members mb JOIN activities a "
        "ON a.org_id = (CASE WHEN mb.migrant = 1 THEN mb.host_org_id ELSE mb.org_id END) "
        "WHERE mb.id = ? AND mb.status IN " ROSTER_STATUSES
        " AND a.deleted_at IS NULL AND a.cancelled_at IS NULL AND a.signup_deadline > ? AND "
        "a.created_at > ? AND NOT EXISTS (SELECT 1 FROM activity_signups s WHERE s.activity_id = "
        "a.id AND s.member_id = mb.id)",
        "iii", member, now, now - WAITING_DAYS * 86400LL);
    while (db_next(st))
        waiting_add(w, "activity", db_int(st, 0), arena_strdup(w->arena, db_text(st, 1)),
                    db_int(st, 2), db_int(st, 3), NULL);
    db_done(st);
}

/* Meetings the member is expected at and has not answered (no check-in, no
 * leave request) that have not started yet (what: "online" when it has an
 * online way in, "leave" for a member working away when it has none: asking
 * for leave is what they can do from there); minutes of a missed one to read. */
static void meetings_waiting(struct req *req, struct waiting *w, int64_t member, int64_t now)
{
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.id, m.title, m.created_at, m.starts_at, m.state, m.closed_at, m.online_link IS "
        "NOT NULL, mb.migrant FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id "
        "JOIN members mb ON mb.id = a.member_id WHERE a.member_id = ? AND "
        "m.deleted_at IS NULL AND ((m.state = 'scheduled' AND a.status = 'expected' AND "
        "a.leave_state IS NULL AND m.starts_at > ?) OR (m.state = 'closed' AND a.status IN "
        "('absent', 'leave') AND a.minutes_read_at IS NULL AND m.closed_at > ?))",
        "iii", member, now, now - 90 * 86400LL);
    while (db_next(st)) {
        bool closed = !strcmp(db_text(st, 4), "closed");
        const char *what = closed          ? NULL
                           : db_int(st, 6) ? "online"
                           : db_int(st, 7) ? "leave"
                                           : NULL;
        waiting_add(w, closed ? "minutes" : "meeting", db_int(st, 0),
                    arena_strdup(w->arena, db_text(st, 1)), db_int(st, closed ? 5 : 2),
                    closed ? 0 : db_int(st, 3), what);
    }
    db_done(st);
}

static int newest_first(const void *a, const void *b)
{
    const struct waiting_item *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? 1 : -1;
    int k = strcmp(x->kind, y->kind);
    return k ? k : (x->id < y->id) - (x->id > y->id);
}

/*
 * GET /api/v1/me/waiting -> {items: [{kind, id, title, at, until, what}],
 * total}: what waits for the caller, newest first (at most 50; total counts
 * them all). kind: notice (what: read|ack), answer (a leader answered the
 * member's message or wrote to them: what answer|message; id: the thread),
 * correction (a post the member saw was found false or clarified: id the
 * post, what false|clarification), poll (open, not voted; until: closes),
 * activity (offered by the member's branch, or for a migrant the host
 * branch, open for sign-up, not answered; until: the sign-up deadline),
 * meeting (expected, not answered, not started; until: the start; what:
 * online | leave (a migrant, no online way in) | null), minutes (missed, to
 * read). Any logged-in
 * caller; an account without a member record gets notices only.
 */
static int h_waiting(struct req *req)
{
    struct waiting w = {.arena = &req->arena};
    int64_t now = now_sec(), member = req->who->member_id;
    notices_waiting(req, &w);
    corrections_waiting(req, &w);
    if (member) {
        threads_waiting(req, &w, member, now);
        polls_waiting(req, &w, member, now);
        activities_waiting(req, &w, member, now);
        meetings_waiting(req, &w, member, now);
    }
    if (w.n)
        qsort(w.items, w.n, sizeof(*w.items), newest_first);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    for (size_t i = 0; i < w.n && i < WAITING_MAX; i++) {
        const struct waiting_item *it = &w.items[i];
        jw_obj_begin(j);
        jw_kv_str(j, "kind", it->kind);
        jw_kv_int(j, "id", it->id);
        jw_kv_str(j, "title", it->title);
        jw_kv_time(j, "at", it->at);
        jw_kv_time(j, "until", it->until);
        jw_kv_str(j, "what", it->what);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_kv_int(j, "total", (int64_t)w.n);
    jw_obj_end(j);
    return 200;
}

const struct route waiting_routes[] = {
    {"GET", "/api/v1/me/waiting", h_waiting, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {NULL},
};
