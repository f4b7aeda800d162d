/*
 * req.h - one API request as handlers see it: validated inputs, the
 * caller, the transaction, the response writer, the error, the audit rows.
 * Everything hangs off the request arena.
 */
#ifndef ZHIBU_REQ_H
#define ZHIBU_REQ_H

struct MHD_Connection;
struct principal;

struct audit_entry {
    const char *action; /* "auth.login", "org.create", ... */
    int64_t org_id;     /* 0: none */
    const char *target; /* "org:12", "account:5" */
    const char *result; /* "ok", "denied", "failed" */
    const char *detail; /* free text, never secrets */
    struct audit_entry *next;
};

struct req {
    struct arena arena;
    struct MHD_Connection *conn;
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
    struct buf body_raw; /* request body as received */
    bool body_too_large;

    struct db *db;
    int64_t change_seq;    /* the store's change sequence in this request's snapshot */
    int64_t auth_seq;      /* its authorisation sequence (-1: unknown) */
    struct principal *who; /* NULL when not logged in */
    struct object_ref obj; /* SCOPE_OBJECT: the object, found and authorised */
    bool via_cookie;       /* authenticated by cookie: writes need CSRF */

    int status;
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
    int64_t cache_until; /* the answer stops being true then (req_valid_until), 0: never */

    int file_fd; /* ROUTE_RAW: a file to send (req_send_file), -1 if none */
    int64_t file_size;
    const char *file_type;
    const char *file_name;
    size_t max_body; /* body limit: max_body, or max_upload for ROUTE_UPLOAD */
    void *stream;    /* GET /api/v1/events: the live stream to answer with (live.h) */

    const char *set_cookie[4];
    int nset_cookie;
    struct audit_entry *audit, **audit_tail;
};

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

/*
 * Stores the response for the request's Idempotency-Key (if it has one) in
 * the current write transaction, with status. The dispatcher does it for
 * ordinary routes; a ROUTE_OWN_TX handler that takes keys calls it in its own
 * write transaction, after writing its data and before committing.
 */
void req_idem_store(struct req *req, int status);
/* A housekeeping job (core/jobs.c): seals the stored answers written in plain
 * text before migration 0010; returns how many, -1 on failure. */
int idem_seal_legacy(struct db *db);

/* Queues an audit row; the dispatcher writes it whatever the outcome. */
void req_audit(struct req *req, const char *action, int64_t org_id, const char *target,
               const char *result, const char *detail_fmt, ...) PRINTF_LIKE(6, 7);

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
