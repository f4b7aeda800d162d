/*
 * req.h - one API request as handlers see it: validated inputs, the
 * caller, the transaction, the response writer, the error, the audit rows.
 * Everything hangs off the request arena.
 */
#ifndef ZHIBU_REQ_H
#define ZHIBU_REQ_H

struct MHD_Connection;
struct principal;
struct conn;

struct audit_entry {
    const char *action; /* "auth.login", "org.create", ... */
    int64_t org_id;     /* 0: none */
    const char *target; /* "org:12", "account:5" */
    const char *result; /* "ok", "denied", "failed" */
    const char *detail; /* free text, never secrets */
    struct audit_entry *next;
};

/* A write queued by a handler (req_after_commit, req_keep). */
struct req_then {
    int (*fn)(struct req *req, void *arg);
    void *arg;
    bool always; /* kept whatever the outcome (req_keep) */
    bool done;
    struct req_then *next;
};

/* Where a two-phase route is (router.h: prepare, outside). */
enum req_phase { PHASE_FIRST, PHASE_OUTSIDE, PHASE_BACK, PHASE_DONE };

struct req {
    struct arena arena;
    struct MHD_Connection *conn;
    struct conn *sock; /* the connection's deadline and close (conn.h) */
    const char *method;
    const char *path;
    char request_id[17];
    const char *ip;
    int64_t start_us;

    const struct route *route;
    int64_t path_ids[ROUTE_MAX_PATH_PARAMS];
    int npath_ids;
    struct value *query; /* one per declared query param */
    size_t nquery;
    struct value *body; /* one per declared body field */
    size_t nbody;
    struct buf body_raw; /* request body as received (not for ROUTE_UPLOAD: body_fd) */
    int body_fd;         /* ROUTE_UPLOAD: the body in an unlinked temporary file (mode 0600)
                            under the data directory, body_size bytes; -1 otherwise */
    int64_t body_size;
    int body_err;          /* enum err_code refusing the body as it arrived; -1: none */
    size_t body_held;      /* bytes of the shared body memory budget this request holds */
    int64_t spool_held;    /* bytes of the shared upload spool budget it holds */
    size_t body_discarded; /* bytes dropped after the body was refused */

    struct db *db;
    int64_t change_seq;    /* the store's change sequence in this request's snapshot */
    int64_t auth_seq;      /* its authorisation sequence (-1: unknown) */
    struct principal *who; /* NULL when not logged in */
    struct object_ref obj; /* SCOPE_OBJECT: the object, found and authorised */
    bool via_cookie;       /* authenticated by cookie: writes need CSRF */

    int status;
    bool answered;  /* a response is queued */
    bool kept_late; /* its denial rows are written after the answer (http.c) */
    struct buf out; /* response body */
    struct jw json;
    bool data_started;
    bool data_done; /* the envelope is closed */

    const char *idem_key; /* Idempotency-Key of a write, NULL if none */
    unsigned char idem_fp[32];
    bool idem_stored;
    int err; /* enum err_code, -1 if none */
    const char *err_msg;
    const char *err_field;

    const char *err_key; /* extra member of the error object (req_fail_details) */
    const char *err_raw; /* its JSON value */

    const char *cached; /* an answer from the cache (rcache_get): sent without a copy */
    size_t cached_len;
    bool cached_gzip;    /* the cached bytes are the answer's gzip encoding */
    bool no_cache;       /* a ROUTE_CACHE handler's answer that must not be kept (it depends on
                            who asks, or each one is audited): set by the handler */
    int64_t cache_until; /* the answer stops being true then (req_valid_until), 0: never */

    int file_fd; /* ROUTE_RAW: a file to send (req_send_file), -1 if none */
    int64_t file_size;
    const char *file_type;
    const char *file_name;
    int64_t file_offset;    /* where the answer starts in the file (206: a range) */
    int64_t file_total;     /* the whole file's size (Content-Range of a 206 or a 416) */
    const char *file_etag;  /* a stored file's quoted ETag (req_send_part), NULL for exports */
    bool file_inline;       /* Content-Disposition inline (under a sandboxing CSP) */
    bool file_not_modified; /* 304: If-None-Match named the ETag */
    size_t max_body;        /* body limit: max_body, max_upload for ROUTE_UPLOAD, ANON_MAX_BODY
                               where no login is needed */
    void *stream;           /* GET /api/v1/events: the live stream to answer with (live.h) */

    const char *set_cookie[4]; /* sent with a successful answer only */
    int nset_cookie;
    const char *out_header[6][2]; /* protocol headers of a JSON answer (req_set_header) */
    int nout_header;
    struct audit_entry *audit, **audit_tail;
    struct req_then *then, **then_tail;

    enum req_phase phase;
    int outside_status;  /* what the outside phase returned */
    void *state;         /* a two-phase route's own data between its phases */
    int hold_fd;         /* kept open until the answer is queued (a lock held from a two-phase
                            route's outside phase past its commit), -1 if none */
    int attempt_slot;    /* an attempt counted by attempt_begin (auth.h), -1 if none */
    int attempt_outcome; /* enum attempt_outcome, for attempt_end */
};

/*
 * Adds a header to the JSON answer, success or error (a protocol's own: the
 * tus upload headers, a 201's Location). name and value are copied to the
 * arena; at most six per request.
 */
void req_set_header(struct req *req, const char *name, const char *value);

/* Starts the success envelope {"data": and returns the writer for its value. */
struct jw *req_data(struct req *req);

/* Records an error; returns its HTTP status so a handler can `return req_fail(...)`. */
int req_fail(struct req *req, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* The same, naming the field that is wrong. */
int req_fail_field(struct req *req, int err, const char *field, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* Adds a member named key with the raw JSON value to the error object of the
 * error recorded last (e.g. the row-level report of a refused import). */
void req_fail_details(struct req *req, const char *key, const char *raw_json);

/*
 * Answers with a file instead of the JSON envelope (ROUTE_RAW routes): takes
 * ownership of fd (closed after sending), size bytes, Content-Type type, and
 * a download file name (UTF-8; sent as Content-Disposition: attachment).
 * Returns 200.
 */
int req_send_file(struct req *req, int fd, int64_t size, const char *type, const char *name);

/* A part of a stored file to send (req_send_part). */
struct file_part {
    int64_t offset, length; /* the bytes sent: the whole file or one range */
    int64_t total;          /* the file's size */
    const char *etag;       /* quoted strong ETag (the content's SHA-256) */
    bool inline_;           /* shown in the browser (under CSP sandbox), else a download */
};

/*
 * Answers with part of a stored file (ROUTE_RAW, sent with sendfile from the
 * offset): takes ownership of fd; type is the Content-Type, name the
 * download name (UTF-8, RFC 6266 + 8187). Returns 206 when the part is not
 * the whole file (Content-Range), else 200; Accept-Ranges and ETag always.
 */
int req_send_part(struct req *req, int fd, const struct file_part *part, const char *type,
                  const char *name);
/* Answers 304 Not Modified with the ETag (If-None-Match named it). Returns 304. */
int req_not_modified(struct req *req, const char *etag);

/*
 * Says that the answer being written depends on the clock: from second t
 * (now_sec) on it would read otherwise, so a cached copy (ROUTE_CACHE,
 * ROUTE_CACHE_MINE) expires then. The earliest of several calls holds;
 * t <= 0 says nothing.
 */
void req_valid_until(struct req *req, int64_t t);

/* The {id} path parameter (the first one). */
int64_t req_id(struct req *req);

/* Validated inputs; "present" tells whether the caller sent the field. */
const struct value *req_query(struct req *req, const char *name);
const struct value *req_body(struct req *req, const char *name);
int64_t req_query_int(struct req *req, const char *name, int64_t dflt);
const char *req_query_str(struct req *req, const char *name); /* NULL if absent */
const char *req_body_str(struct req *req, const char *name);  /* NULL if absent */
int64_t req_body_int(struct req *req, const char *name, int64_t dflt);

/* A request header, or NULL. */
const char *req_header(struct req *req, const char *name);
/* A cookie's value, or NULL. */
const char *req_cookie(struct req *req, const char *name);
/* Adds a Set-Cookie header to the response (value copied to the arena). */
void req_set_cookie(struct req *req, const char *cookie);

/* Queues an audit row; the dispatcher writes it whatever the outcome. */
void req_audit(struct req *req, const char *action, int64_t org_id, const char *target,
               const char *result, const char *detail_fmt, ...) PRINTF_LIKE(6, 7);

/*
 * Queues fn(req, arg), a write kept whatever the outcome, like an audit row:
 * in the request's own write transaction when it commits, otherwise in a
 * transaction of its own after it (a failed attempt that must count although
 * the answer is an error). fn's return value is ignored.
 */
void req_keep(struct req *req, int (*fn)(struct req *, void *), void *arg);

/*
 * Queues fn(req, arg) to run after the request's transaction committed (a
 * read's included), in one write transaction of its own, before the answer
 * is sent: a GET that records what it showed. fn returns a status; an error
 * from it, or a failed commit, replaces the answer with the error.
 */
void req_after_commit(struct req *req, int (*fn)(struct req *, void *), void *arg);

/* Counts a failed sign-in attempt for the phone with this hash (the hourly
 * window of auth.h), whatever the answer: req_keep of login_failure_record. */
void req_failed_attempt(struct req *req, const unsigned char *phone_hash);
/* Counts an attempt refused as throttled in that window, whatever the answer. */
void req_throttled_attempt(struct req *req, const unsigned char *phone_hash);
/* The attempt succeeded: its window starts afresh (the handler deletes the
 * window's row in its transaction). */
void req_attempt_ok(struct req *req);

/*
 * A per-account limit on an audited action (an exact lookup of personal
 * data, an import): the caller's audit rows of action in the last hour are
 * counted (index audit_log_actor); 0 while fewer than per_hour, else records
 * 429 request.rate_limited and returns its status. Only requests that were
 * audited count, so a refused one does not extend the wait.
 */
int req_rate_limit(struct req *req, const char *action, int per_hour);

/*
 * For object kinds' locate functions: runs sql with the id as its one
 * parameter; its first row gives the object's organisation id and path
 * (columns 0 and 1). Fills o and returns true; false when there is no row.
 */
bool req_locate(struct req *req, const char *sql, int64_t id, struct object_ref *o);
/* Fills o's organisations from the current row of st: columns 0 and 1 the
 * organisation id and path, and with two, columns 2 and 3 a second one
 * (left empty when its path is NULL). */
void req_locate_row(struct req *req, struct db_stmt *st, struct object_ref *o, bool two);

/* Paging: the declared "limit" query field, capped; default 50, max 200. */
int req_limit(struct req *req);

#endif
