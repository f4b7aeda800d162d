/*
 * live.c - live updates over Server-Sent Events (see live.h).
 *
 * One thread loads new rows of live_events into a ring in memory (the last
 * LIVE_RING events) and resumes the streams that have something to do. A
 * stream is a libmicrohttpd response from a content-reader callback: when it
 * has nothing to send it suspends its connection (MHD_suspend_connection,
 * allowed from the callback) and the live thread resumes it for a new event,
 * a heartbeat every LIVE_HEARTBEAT_S (a write to a gone client fails and ends
 * the connection) or the end of its lifetime (the client reconnects and is
 * authorised again). One mutex guards the ring and the stream list; a
 * stream's suspended flag changes only under it, so no wake-up is lost.
 *
 * Shutdown: live_stop() marks every stream ending and resumes it, so no
 * connection is suspended when MHD_stop_daemon runs (0.9.75 aborts then).
 *
 * Authority: a stream is authorised when it opens. Whenever the authorisation
 * sequence moves (auth_changed: a logout, a revoked session or role, a
 * disabled account, a new password, on any server or from the command line),
 * the live thread checks every stream's session and roles again and ends the
 * streams whose caller changed; the client reconnects and is authorised anew.
 */
#include "app.h"
#include "core/live.h"
#include "core/roster.h"

#include <microhttpd.h>
#include <pthread.h>

#define LIVE_RING 4096                        /* events kept in memory */
#define LIVE_HEARTBEAT_S cfg.live_heartbeat_s /* a comment line this often (15 s) */
#define LIVE_LIFETIME_S 900                   /* a stream ends after this; the client reconnects */
#define LIVE_STREAM_BUF 65536                 /* bytes a stream may hold unsent */
#define LIVE_BACKLOG 200          /* events replayed from the store at most, else "reset" */
#define LIVE_EVENT_DATA_MAX 2000  /* bytes of an event's data */
#define LIVE_KEEP_S (3 * 86400LL) /* events are kept this long for resumption */
#define LIVE_RECHECK_US 1000000   /* authority is checked again at most this often */

struct live_event {
    int64_t id;
    char type[41];
    char *org_path; /* malloc'd; NULL for an account target */
    unsigned role_mask;
    int64_t account_id;
    char *data; /* malloc'd JSON */
};

struct live_stream {
    struct live_stream *prev, *next;
    struct MHD_Connection *conn;
    struct live_who *who; /* one malloc'd block (who_copy) */
    int64_t last_id;      /* events up to this one were looked at */
    struct buf out;       /* bytes not yet handed to MHD (malloc'd buf) */
    size_t off;           /* of them, already handed */
    int64_t last_write;   /* mono_us of the last bytes handed over */
    int64_t opened;       /* mono_us */
    int64_t session_id;   /* the caller's session, its roles as grants_sig, and the */
    uint64_t grants_sig;  /* authorisation sequence they were checked at (auth_seq) */
    int64_t auth_seq;
    bool suspended;
    bool once;   /* ?poll=1: what is pending, then the end */
    bool ending; /* the caller's authority changed: end now */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct live_event ring[LIVE_RING];
static int64_t ring_lo; /* every event with id in (ring_lo, ring_hi] is in the ring */
static int64_t ring_hi;
static struct live_stream *streams;
static int nstreams;
static bool stopping, running, kicked;
static pthread_t thread;
static int64_t checked_auth_seq = -1; /* the live thread's: streams_recheck */
static int64_t checked_at;            /* mono_us */

/* ---- audience ---- */

static bool prefix(const char *s, const char *p)
{
    return s && p && strncmp(s, p, strlen(p)) == 0;
}

bool live_audience_match(const struct live_who *w, const char *org_path, unsigned role_mask)
{
    unsigned mask = role_mask ? role_mask : 1u << ROLE_MEMBER;
    if ((mask & (1u << ROLE_MEMBER)) && prefix(w->branch_path, org_path))
        return true;
    for (size_t i = 0; i < w->ngrants; i++)
        if ((mask & (1u << w->grants[i].role)) && prefix(w->grants[i].path, org_path))
            return true;
    return false;
}

struct live_who *live_who_load(struct db *db, struct arena *a, const struct principal *p)
{
    struct live_who *w = arena_calloc(a, 1, sizeof(*w) + p->nroles * sizeof(w->grants[0]));
    w->account_id = p->account_id;
    w->member_id = p->member_id;
    if (p->member_id) {
        struct db_stmt *st = db_query(db,
                                      "SELECT org_path FROM members WHERE id = ? AND deleted_at IS "
                                      "NULL AND status IN " ROSTER_STATUSES,
                                      "i", p->member_id);
        if (db_next(st))
            w->branch_path = arena_strdup(a, db_text(st, 0));
        db_done(st);
    }
    for (size_t i = 0; i < p->nroles; i++) {
        w->grants[w->ngrants].role = p->roles[i].role;
        w->grants[w->ngrants].path = arena_strdup(a, p->roles[i].org_path);
        w->ngrants++;
    }
    return w;
}

/* A copy of w in one malloc'd block, the paths after the struct: a stream keeps it for
 * its whole life, so it costs only its size (an arena would hold a whole block). */
static struct live_who *who_copy(const struct live_who *w)
{
    size_t head = sizeof(*w) + w->ngrants * sizeof(w->grants[0]), n = head;
    n += w->branch_path ? strlen(w->branch_path) + 1 : 0;
    for (size_t i = 0; i < w->ngrants; i++)
        n += strlen(w->grants[i].path) + 1;
    struct live_who *c = xmalloc(n);
    memcpy(c, w, head);
    char *at = (char *)c + head;
    if (w->branch_path) {
        c->branch_path = strcpy(at, w->branch_path);
        at += strlen(at) + 1;
    }
    for (size_t i = 0; i < w->ngrants; i++) {
        c->grants[i].path = strcpy(at, w->grants[i].path);
        at += strlen(at) + 1;
    }
    return c;
}

static bool event_for(const struct live_who *w, const struct live_event *e)
{
    if (e->account_id)
        return e->account_id == w->account_id;
    return e->org_path && live_audience_match(w, e->org_path, e->role_mask);
}

/* ---- publishing ---- */

static bool type_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 1 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '.' || t[i] == '_'))
            return false;
    return true;
}

int64_t live_publish(struct db *db, const char *type, const char *org_path, unsigned role_mask,
                     int64_t account_id, const char *data_json)
{
    if (!type_ok(type) || strlen(data_json) > LIVE_EVENT_DATA_MAX || (!account_id && !org_path))
        BUG("live_publish: bad event %s", type);
    bool own = !db_in_tx(db);
    if (own && db_begin(db, true) != DB_OK)
        return 0;
    db_exec(db,
            "INSERT INTO live_events (type, org_path, role_mask, account_id, data, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            "ssiIsi", type, account_id ? NULL : org_path, (int64_t)role_mask, account_id, data_json,
            now_sec());
    int64_t id = db_failed(db) ? 0 : db_last_id(db);
    if (own) {
        if (!id || db_commit(db) != DB_OK) {
            db_rollback(db);
            return 0;
        }
        live_committed();
    }
    return id;
}

void live_committed(void)
{
    pthread_mutex_lock(&mu);
    kicked = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

/* ---- the stream ---- */

static void sse_event(struct buf *b, int64_t id, const char *type, const char *data)
{
    buf_printf(b, "id: %" PRId64 "\nevent: %s\ndata: %s\n\n", id, type, data);
}

/* Moves events after s->last_id from the ring into s->out (under mu). */
static void stream_fill(struct live_stream *s)
{
    if (s->last_id < ring_lo) {
        /* The ring moved past what this stream saw: tell the client to reload. */
        sse_event(&s->out, ring_hi, "reset", "{}");
        s->last_id = ring_hi;
        return;
    }
    while (s->last_id < ring_hi && s->out.len - s->off < LIVE_STREAM_BUF) {
        const struct live_event *e = &ring[(s->last_id + 1) % LIVE_RING];
        if (e->id == s->last_id + 1 && event_for(s->who, e))
            sse_event(&s->out, e->id, e->type, e->data);
        s->last_id++;
    }
}

/* The content reader: hands over pending bytes, or suspends until there are some. */
static ssize_t stream_read(void *cls, uint64_t pos, char *dst, size_t max)
{
    struct live_stream *s = cls;
    (void)pos;
    pthread_mutex_lock(&mu);
    s->suspended = false;
    if (s->ending) {
        pthread_mutex_unlock(&mu);
        return MHD_CONTENT_READER_END_OF_STREAM; /* nothing more, not even what is queued */
    }
    if (s->off == s->out.len) {
        buf_reset(&s->out);
        s->off = 0;
        if (s->once || stopping || mono_us() - s->opened > LIVE_LIFETIME_S * 1000000LL) {
            pthread_mutex_unlock(&mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        stream_fill(s);
        if (s->out.len == 0 && mono_us() - s->last_write >= LIVE_HEARTBEAT_S * 1000000LL)
            buf_addstr(&s->out, ": hb\n\n");
        if (s->out.len == 0) {
            s->suspended = true;
            MHD_suspend_connection(s->conn);
            pthread_mutex_unlock(&mu);
            return 0;
        }
    }
    size_t n = s->out.len - s->off;
    if (n > max)
        n = max;
    memcpy(dst, s->out.data + s->off, n);
    s->off += n;
    s->last_write = mono_us();
    pthread_mutex_unlock(&mu);
    return (ssize_t)n;
}

/* Takes s off the list and frees it. */
static void stream_free(void *cls)
{
    struct live_stream *s = cls;
    pthread_mutex_lock(&mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    nstreams--;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    buf_release(&s->out);
    free(s->who);
    free(s);
}

/* A digest of the caller's role grants, in grant order: a stream ends when
 * its account's grants no longer have the digest it opened with
 * (streams_recheck). */
static uint64_t grants_sig(const struct principal *p)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < p->nroles; i++) {
        h = (h ^ (uint64_t)p->roles[i].role) * 0x100000001b3ull;
        for (const char *c = p->roles[i].org_path; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
        h = (h ^ '|') * 0x100000001b3ull;
    }
    return h;
}

/* Streams of account open now, polls aside (under mu). */
static int account_streams(int64_t account_id)
{
    int n = 0;
    for (const struct live_stream *s = streams; s; s = s->next)
        n += !s->once && s->who->account_id == account_id;
    return n;
}

/* Whether the live thread should resume s (under mu). */
static bool stream_due(const struct live_stream *s, int64_t now)
{
    if (stopping || now - s->last_write >= LIVE_HEARTBEAT_S * 1000000LL ||
        now - s->opened > LIVE_LIFETIME_S * 1000000LL || s->last_id < ring_lo)
        return true;
    for (int64_t id = s->last_id + 1; id <= ring_hi; id++) {
        const struct live_event *e = &ring[id % LIVE_RING];
        if (e->id == id && event_for(s->who, e))
            return true;
    }
    return false;
}

static void resume_due(void)
{
    int64_t now = mono_us();
    for (struct live_stream *s = streams; s; s = s->next) {
        if (s->suspended && stream_due(s, now)) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        } else if (s->suspended) {
            s->last_id = ring_hi; /* nothing for it up to here */
        }
    }
}

/* ---- the handler: GET /api/v1/events ---- */

static const struct param events_query[] = {
    {"lastEventId", P_INT, 0, 0, INT64_MAX},
    {"poll", P_BOOL},
    {NULL},
};

/*
 * GET /api/v1/events -> text/event-stream. Events for the caller: "notice"
 * (a new announcement, correction, retraction or reminder reaching them) and
 * whatever other modules publish; ": hb" comments every 15 s; "reset" when
 * events were lost (reload the feed). Resumes after Last-Event-ID (header, or
 * lastEventId for clients that cannot set it). poll=true: the events after
 * lastEventId at once, then the end of the answer (a fallback for networks
 * that buffer streams). Errors: live.full (503: the server's live_max_streams
 * are open), live.account_limit (429: the caller's account has
 * live_streams_per_account open); poll instead. The stream ends when the
 * caller's session or roles change (logout, revocation). Any logged-in caller.
 */
static int h_events(struct req *req)
{
    const char *hdr = req_header(req, "Last-Event-ID");
    int64_t last = req_query_int(req, "lastEventId", -1);
    if (hdr && !parse_i64(hdr, strlen(hdr), &last))
        last = -1;
    int64_t max_id = 0;
    db_get_int(req->db, &max_id, "SELECT COALESCE(MAX(id), 0) FROM live_events", "");
    const struct value *pv = req_query(req, "poll");
    bool polling = pv && pv->present && pv->i;

    struct live_stream *s = xcalloc(1, sizeof(*s));
    buf_init(&s->out);
    s->who = who_copy(live_who_load(req->db, &req->arena, req->who));
    s->opened = s->last_write = mono_us();
    s->session_id = req->who->session_id;
    s->grants_sig = grants_sig(req->who);
    s->auth_seq = req->auth_seq;
    s->once = polling;
    /* It joins the list now, holding its place, and is sent with the answer. */
    pthread_mutex_lock(&mu);
    int err = -1;
    if ((!polling && nstreams >= cfg.live_max_streams) || stopping || !running)
        err = ERR_LIVE_FULL;
    else if (!polling && account_streams(s->who->account_id) >= cfg.live_streams_per_account)
        err = ERR_LIVE_ACCOUNT_FULL;
    if (err < 0) {
        s->next = streams;
        if (streams)
            streams->prev = s;
        streams = s;
        nstreams++;
    }
    pthread_mutex_unlock(&mu);
    if (err >= 0) {
        buf_release(&s->out);
        free(s->who);
        free(s);
        if (err == ERR_LIVE_ACCOUNT_FULL)
            return req_fail(req, err,
                            "this account has %d live streams open already: close one, "
                            "or poll (?poll=true)",
                            cfg.live_streams_per_account);
        return req_fail(req, err, NULL);
    }
    buf_addstr(&s->out, "retry: 3000\n: open\n\n");
    s->last_id = max_id;
    if (last >= 0 && last < max_id) {
        int64_t n = 0, scanned = last;
        struct db_stmt *st = db_query(req->db,
                                      "SELECT id, type, org_path, role_mask, account_id, data FROM "
                                      "live_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                                      "iii", last, max_id, (int64_t)LIVE_BACKLOG * 20);
        while (db_next(st)) {
            struct live_event e = {.id = db_int(st, 0),
                                   .org_path = (char *)db_text(st, 2),
                                   .role_mask = (unsigned)db_int(st, 3),
                                   .account_id = db_int(st, 4)};
            scanned = e.id;
            if (event_for(s->who, &e) && ++n <= LIVE_BACKLOG)
                sse_event(&s->out, e.id, db_text(st, 1), db_text(st, 5));
        }
        db_done(st);
        int64_t oldest = max_id;
        db_get_int(req->db, &oldest, "SELECT COALESCE(MIN(id), 0) FROM live_events", "");
        if (n > LIVE_BACKLOG || scanned < max_id || (oldest > last + 1 && last > 0)) {
            /* Too much, or pruned already: the client reloads instead. */
            buf_reset(&s->out);
            buf_addstr(&s->out, "retry: 3000\n\n");
            sse_event(&s->out, max_id, "reset", "{}");
        }
    }
    /* An id without data moves the client's Last-Event-ID past events not for it. */
    if (max_id > 0)
        buf_printf(&s->out, "id: %" PRId64 "\n\n", max_id);
    req->stream = s;
    return 200;
}

struct MHD_Response *live_stream_response(struct req *req)
{
    struct live_stream *s = req->stream;
    req->stream = NULL;
    s->conn = req->conn;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read, s, stream_free);
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    /* Heartbeats find gone clients; the idle timeout must not end a quiet stream. */
    MHD_set_connection_option(req->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    return r;
}

void live_stream_discard(void *stream)
{
    stream_free(stream);
}

int live_stream_count(void)
{
    pthread_mutex_lock(&mu);
    int n = nstreams;
    pthread_mutex_unlock(&mu);
    return n;
}

const struct route live_routes[] = {
    {"GET", "/api/v1/events", h_events, SCOPE_LOGIN, PERM_NONE, NULL, events_query, NULL, 0},
    {NULL},
};

/* ---- the live thread ---- */

/* Loads events after ring_hi from the store into the ring; true if any. */
static bool load_events(struct db *db)
{
    if (db_begin(db, false) != DB_OK)
        return false;
    struct db_stmt *st = db_query(db,
                                  "SELECT id, type, org_path, role_mask, account_id, data FROM "
                                  "live_events WHERE id > ? ORDER BY id LIMIT 1000",
                                  "i", ring_hi);
    bool any = false;
    while (db_next(st)) {
        int64_t id = db_int(st, 0);
        struct live_event e = {.id = id,
                               .org_path = db_isnull(st, 2) ? NULL : xstrdup(db_text(st, 2)),
                               .role_mask = (unsigned)db_int(st, 3),
                               .account_id = db_int(st, 4),
                               .data = xstrdup(db_text(st, 5))};
        snprintf(e.type, sizeof(e.type), "%s", db_text(st, 1));
        pthread_mutex_lock(&mu);
        /* Ids skipped by rolled-back transactions leave empty slots. */
        for (int64_t gap = ring_hi + 1; gap <= id; gap++) {
            struct live_event *slot = &ring[gap % LIVE_RING];
            free(slot->org_path);
            free(slot->data);
            *slot = (struct live_event){.id = 0};
            if (gap - ring_lo > LIVE_RING)
                ring_lo = gap - LIVE_RING;
        }
        ring[id % LIVE_RING] = e;
        ring_hi = id;
        pthread_mutex_unlock(&mu);
        any = true;
    }
    db_done(st);
    db_commit(db);
    return any;
}

int live_prune(struct db *db)
{
    pthread_mutex_lock(&mu);
    int64_t lo = ring_lo;
    pthread_mutex_unlock(&mu);
    db_exec(db, "DELETE FROM live_events WHERE created_at < ? AND id < ?", "ii",
            now_sec() - LIVE_KEEP_S, lo);
    return db_changes(db);
}

struct stream_check {
    int64_t session_id;
    int64_t account_id;
    bool ok; /* the session lives, the account is enabled */
    uint64_t sig;
};

static int check_cmp(const void *a, const void *b)
{
    const struct stream_check *x = a, *y = b;
    return (x->session_id > y->session_id) - (x->session_id < y->session_id);
}

/*
 * Ends the streams whose caller's authority changed since they opened: the
 * session ended or the account was disabled, or the account's roles are not
 * the ones the stream was opened with. Runs when the authorisation sequence
 * moved, at most every LIVE_RECHECK_US; the store is read without mu held.
 */
static void streams_recheck(struct db *db)
{
    int64_t seq = -1;
    if (db_begin(db, false) != DB_OK)
        return;
    db_get_int(db, &seq, "SELECT value FROM seqs WHERE name = 'auth'", "");
    if (seq == checked_auth_seq) {
        db_commit(db);
        return;
    }
    pthread_mutex_lock(&mu);
    size_t n = 0;
    for (const struct live_stream *s = streams; s; s = s->next)
        n++;
    struct stream_check *v = xcalloc(n ? n : 1, sizeof(*v));
    n = 0;
    for (const struct live_stream *s = streams; s; s = s->next)
        v[n++] = (struct stream_check){s->session_id, s->who->account_id};
    pthread_mutex_unlock(&mu);

    qsort(v, n, sizeof(*v), check_cmp);
    struct arena a;
    arena_init(&a);
    int64_t now = now_sec();
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && v[i].session_id == v[i - 1].session_id) {
            v[i].ok = v[i - 1].ok;
            v[i].sig = v[i - 1].sig;
            continue;
        }
        struct db_stmt *st = db_query(db,
                                      "SELECT 1 FROM sessions s JOIN accounts a ON a.id = "
                                      "s.account_id WHERE s.id = ? AND s.revoked_at IS NULL AND "
                                      "s.expires_at > ? AND s.last_seen + s.idle_timeout > ? AND "
                                      "a.disabled_at IS NULL",
                                      "iii", v[i].session_id, now, now);
        v[i].ok = db_next(st);
        db_done(st);
        if (v[i].ok) {
            struct principal p = {.account_id = v[i].account_id};
            principal_load_roles(db, &a, &p);
            v[i].sig = grants_sig(&p);
            arena_reset(&a);
        }
    }
    arena_release(&a);
    bool failed = db_failed(db);
    db_commit(db);
    if (!failed) {
        pthread_mutex_lock(&mu);
        for (struct live_stream *s = streams; s; s = s->next) {
            struct stream_check key = {.session_id = s->session_id};
            const struct stream_check *c = bsearch(&key, v, n, sizeof(*v), check_cmp);
            /* A stream that joined after the snapshot was checked when it opened,
             * unless that was before the change. */
            bool stale = c ? !c->ok || c->sig != s->grants_sig : s->auth_seq < seq;
            if (!stale || s->ending)
                continue;
            s->ending = true;
            if (s->suspended) {
                s->suspended = false;
                MHD_resume_connection(s->conn);
            }
        }
        pthread_mutex_unlock(&mu);
        checked_auth_seq = seq;
    }
    free(v);
}

static void *live_main(void *arg)
{
    (void)arg;
    struct db *db = db_thread();
    pthread_mutex_lock(&mu);
    while (!stopping) {
        kicked = false;
        pthread_mutex_unlock(&mu);
        if (db)
            load_events(db);
        if (db && mono_us() - checked_at >= LIVE_RECHECK_US) {
            checked_at = mono_us();
            streams_recheck(db);
        }
        pthread_mutex_lock(&mu);
        resume_due();
        if (!kicked && !stopping) {
            struct timespec ts;
            timespec_in(CLOCK_REALTIME, 200 * 1000, &ts);
            pthread_cond_timedwait(&wake, &mu, &ts);
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void live_start(void)
{
    struct db *db = db_thread();
    int64_t max_id = 0;
    if (db && db_begin(db, false) == DB_OK) {
        db_get_int(db, &max_id, "SELECT COALESCE(MAX(id), 0) FROM live_events", "");
        db_commit(db);
    }
    pthread_mutex_lock(&mu);
    checked_auth_seq = -1;
    checked_at = 0;
    ring_lo = ring_hi = max_id;
    stopping = false;
    running = true;
    pthread_mutex_unlock(&mu);
    if (pthread_create(&thread, NULL, live_main, NULL) != 0)
        BUG("cannot start the live thread");
}

void live_stop(int grace_ms)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return;
    }
    stopping = true;
    for (struct live_stream *s = streams; s; s = s->next)
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    int waited = 0;
    while (live_stream_count() > 0 && waited < grace_ms) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        waited += 10;
        /* A stream that suspended again before it saw stopping: resume it. */
        pthread_mutex_lock(&mu);
        for (struct live_stream *s = streams; s; s = s->next)
            if (s->suspended) {
                s->suspended = false;
                MHD_resume_connection(s->conn);
            }
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    running = false;
    for (int i = 0; i < LIVE_RING; i++) {
        free(ring[i].org_path);
        free(ring[i].data);
        ring[i] = (struct live_event){.id = 0};
    }
    pthread_mutex_unlock(&mu);
}
