/*
 * live.h - live updates: events that reach open clients within a second as
 * Server-Sent Events (GET /api/v1/events), and the audience test they share
 * with the announcements feed.
 *
 * A module that changed something a client should see at once calls
 * live_publish() inside its write transaction: the event is a row of
 * live_events, so it exists exactly when the change committed, and a client
 * that reconnects with Last-Event-ID gets what it missed. After the commit
 * the dispatcher wakes the live thread, which loads new events into a ring
 * in memory and resumes the streams they concern.
 *
 * Audience (the same rule as announcements): an event goes to one account,
 * or to the accounts of an organisation's subtree. role_mask 0 or bit
 * ROLE_MEMBER: every account whose member record sits on a branch in the
 * subtree; bit r: accounts holding role r on an organisation in the subtree.
 */
#ifndef ZHIBU_LIVE_H
#define ZHIBU_LIVE_H

/*
 * live_publish - records an event of type ("notice", "notice.correction",
 * "thread.reply", ...: at most 40 characters of [a-z._]) for the accounts of
 * the subtree org_path (with role_mask), or for account_id alone when it is
 * not 0 (org_path is then ignored). data_json is a JSON object (at most 2,000
 * bytes; keep it small: an id and a title, the client fetches the rest).
 * Inside a write transaction of db the event is part of it; outside one it
 * opens and commits its own. Returns the event id, 0 on failure.
 */
int64_t live_publish(struct db *db, const char *type, const char *org_path, unsigned role_mask,
                     int64_t account_id, const char *data_json);

/* Wakes the live thread: a write transaction that may have published committed. */
void live_committed(void);

/* Who a stream or a feed is for: the caller's branch and role grants. */
struct live_who {
    int64_t account_id;
    int64_t member_id;
    const char *branch_path; /* NULL: no member record on a roster */
    size_t ngrants;
    struct {
        unsigned role;
        const char *path;
    } grants[];
};

/* The caller's audience data (arena-owned): the member's branch path from db. */
struct live_who *live_who_load(struct db *db, struct arena *a, const struct principal *p);
/* Whether something sent to org_path with role_mask reaches w (account targets aside). */
bool live_audience_match(const struct live_who *w, const char *org_path, unsigned role_mask);

/* A housekeeping job (jobs.h): removes events older than three days that the
 * ring no longer holds. Returns the rows removed, -1 on failure. */
int live_prune(struct db *db);

/* Starts the live thread (events and streams). */
void live_start(void);
/* Ends every open stream, waits up to grace_ms for them to close, stops the thread.
 * Call before stopping the HTTP daemon (libmicrohttpd aborts on suspended connections). */
void live_stop(int grace_ms);

/* For the HTTP layer: sends req's stream (req->stream) as the response. */
struct MHD_Response;
struct MHD_Response *live_stream_response(struct req *req);
/* Frees req's stream when the request failed after the handler made it. */
void live_stream_discard(void *stream);
/* Open streams (for /metrics and tests). */
int live_stream_count(void);

/* GET /api/v1/events, listed in src/routes.c with the modules' tables. */
extern const struct route live_routes[];

#endif
