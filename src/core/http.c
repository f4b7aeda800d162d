#include "app.h"
#include "core/rcache.h"
#include "core/conn.h"
#include "core/filehdr.h"
#include "core/http.h"
#include "core/idem.h"
#include "core/live.h"
#include "core/metrics.h"
#include "core/slow.h"
#include "core/static.h"
#include "core/test_clock.h"
#include "core/validate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * The HTTP threads: one libmicrohttpd daemon per thread, each with its own
 * listening socket on the same address (SO_REUSEPORT), so that the kernel
 * spreads new connections over the threads. (One daemon with a thread pool
 * shares one socket: the thread that wakes first accepts a whole burst, and
 * all of a keep-alive client's connections may end up on one thread.)
 */
struct worker {
    struct MHD_Daemon *daemon;
    MHD_socket fd;  /* its listening socket */
    unsigned index; /* the thread's number in /metrics */
};

static atomic_int in_flight;

/* Bytes of body a caller may send where no login is needed (the login itself). */
#define ANON_MAX_BODY (16 * 1024)
/* Bytes still read and dropped after a body was refused while it arrived
 * (chunked, no Content-Length) before the connection is cut instead. */
#define DISCARD_MAX (1024 * 1024)

/* What every request holds at once: bodies in memory (body_memory_mb) and
 * uploads being spooled to disk (upload_spool_mb). */
static _Atomic int64_t body_memory, spool_bytes;

/* The app's policy; connect-src also names the origin of the audio rooms'
 * Janus server when members' browsers reach it elsewhere (csp_init). img-src
 * blob: shows photos picked on the phone from the phone's own copy (an image,
 * never active content), instead of fetching them back over a weak link. */
static char csp_app[1024];
static const char csp_app_fmt[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'%s%s; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'";

static void csp_init(void)
{
    const char *url = cfg.janus_public_url[0] ? cfg.janus_public_url : cfg.janus_url;
    char origin[300] = "";
    const char *host = strstr(url, "://");
    if (host) {
        size_t n = strcspn(host + 3, "/?#") + (size_t)(host + 3 - url);
        snprintf(origin, sizeof(origin), "%.*s", (int)n, url);
    }
    snprintf(csp_app, sizeof(csp_app), csp_app_fmt, origin[0] ? " " : "", origin);
}
static const char csp_api[] = "default-src 'none'; frame-ancestors 'none'";

/* ---- responses ---- */

static void add_security_headers(struct MHD_Response *r, const char *csp)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
}

static enum MHD_Result queue(struct req *req, int status, struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    req->status = status;
    req->answered = true;
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* Writes the error envelope for req->err into req->out (replacing anything). */
static void render_error(struct req *req)
{
    const struct err_info *e = &err_table[req->err];
    struct jw *j = &req->json;
    buf_reset(&req->out);
    jw_init(j, &req->out);
    jw_obj_begin(j);
    jw_key(j, "error");
    jw_obj_begin(j);
    jw_kv_str(j, "code", e->code);
    jw_kv_str(j, "message", req->err_msg ? req->err_msg : e->message);
    if (req->err_field)
        jw_kv_str(j, "field", req->err_field);
    if (req->err_key) {
        jw_key(j, req->err_key);
        jw_raw(j, req->err_raw, strlen(req->err_raw));
    }
    jw_obj_end(j);
    jw_obj_end(j);
    req->status = e->status;
}

/* Completes the success envelope after the handler wrote its data. */
static void finish_data(struct req *req)
{
    if (req->data_done)
        return;
    bool bare = req->route && (req->route->flags & ROUTE_BARE);
    if (req->status == 204) { /* no body at all */
        assert(!req->data_started);
        req->data_done = true;
        return;
    }
    if (!req->data_started) {
        if (!bare)
            buf_addstr(&req->out, "{\"data\":");
        jw_obj_begin(&req->json);
        jw_obj_end(&req->json);
        req->data_started = true;
    }
    assert(req->json.depth == 0);
    if (!bare)
        buf_addch(&req->out, '}');
    req->data_done = true;
}

/* Whether Accept-Encoding names gzip (and not with q=0). */
static bool accepts_gzip(struct req *req)
{
    const char *ae = req_header(req, "Accept-Encoding");
    const char *g = ae ? strstr(ae, "gzip") : NULL;
    if (!g)
        return false;
    g += 4;
    while (*g == ' ')
        g++;
    if (strncmp(g, ";q=0", 4) && strncmp(g, "; q=0", 5))
        return true;
    g = strchr(g, '0') + 1;
    return *g == '.' && strspn(g + 1, "0") != strcspn(g + 1, ", ");
}

static enum MHD_Result send_json(struct req *req)
{
    struct MHD_Response *r;
    if (req->cached && req->err < 0) {
        /* The cache's own bytes; libmicrohttpd gives the reference back. */
        r = MHD_create_response_from_buffer_with_free_callback(req->cached_len, (void *)req->cached,
                                                               rcache_release);
        req->cached = NULL;
        if (req->cached_gzip)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
    } else {
        r = MHD_create_response_from_buffer(req->out.len, req->out.data, MHD_RESPMEM_PERSISTENT);
    }
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (req->route && (req->route->flags & ROUTE_CACHE))
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    add_security_headers(r, csp_api);
    for (int i = 0; i < req->nset_cookie && req->status < 400; i++)
        MHD_add_response_header(r, "Set-Cookie", req->set_cookie[i]);
    for (int i = 0; i < req->nout_header; i++)
        MHD_add_response_header(r, req->out_header[i][0], req->out_header[i][1]);
    if (req->status == 416 && req->file_total > 0) {
        char range[48];
        snprintf(range, sizeof(range), "bytes */%" PRId64, req->file_total);
        MHD_add_response_header(r, "Content-Range", range);
    }
    if (req->status == 405) {
        char allow[64];
        router_allowed(req->path, allow, sizeof(allow));
        MHD_add_response_header(r, "Allow", allow);
    }
    return queue(req, req->status, r);
}

/* A stored file shown inline is still never active content of our origin. */
static const char csp_file[] = "default-src 'none'; style-src 'unsafe-inline'; sandbox; "
                               "frame-ancestors 'self'";

/*
 * A file answer (ROUTE_RAW): sent from the descriptor with sendfile, the
 * whole file or one range of it (206); a stored file's ETag and 304.
 */
static enum MHD_Result send_file(struct req *req)
{
    if (req->file_not_modified) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "ETag", req->file_etag);
        MHD_add_response_header(r, "Cache-Control", "private, no-cache");
        add_security_headers(r, csp_file);
        return queue(req, 304, r);
    }
    struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(
        (uint64_t)req->file_size, req->file_fd, (uint64_t)req->file_offset);
    req->file_fd = -1; /* MHD closes it */
    if (!r) {
        req_fail(req, ERR_INTERNAL, "cannot send the file");
        render_error(req);
        return send_json(req);
    }
    MHD_add_response_header(r, "Content-Type", req->file_type);
    char cd[1024];
    content_disposition(req->file_name, req->file_inline, cd, sizeof(cd));
    MHD_add_response_header(r, "Content-Disposition", cd);
    if (!req->file_etag) { /* an export: made for this request */
        MHD_add_response_header(r, "Cache-Control", "no-store");
        add_security_headers(r, csp_api);
        return queue(req, 200, r);
    }
    MHD_add_response_header(r, "Cache-Control", "private, no-cache");
    MHD_add_response_header(r, "ETag", req->file_etag);
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    add_security_headers(r, csp_file);
    if (req->status == 206) {
        char range[96];
        snprintf(range, sizeof(range), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, req->file_offset,
                 req->file_offset + req->file_size - 1, req->file_total);
        MHD_add_response_header(r, "Content-Range", range);
    }
    return queue(req, req->status, r);
}

/* ---- request bookkeeping ---- */

/* inet_ntop for IPv4 without its sprintf (once per request). */
static void ip4_text(const struct in_addr *a, char out[static INET_ADDRSTRLEN])
{
    const unsigned char *b = (const unsigned char *)&a->s_addr;
    char *p = out;
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        if (b[i] >= 100)
            *p++ = (char)('0' + b[i] / 100);
        if (b[i] >= 10)
            *p++ = (char)('0' + b[i] / 10 % 10);
        *p++ = (char)('0' + b[i] % 10);
    }
    *p = '\0';
}

static void client_ip(struct req *req)
{
    if (cfg.trust_proxy) {
        /* The last entry is the one our proxy appended; earlier ones come
         * from the client and prove nothing. */
        const char *xff = req_header(req, "X-Forwarded-For");
        if (xff) {
            const char *comma = strrchr(xff, ',');
            const char *last = comma ? comma + 1 : xff;
            while (*last == ' ')
                last++;
            size_t n = strcspn(last, " ");
            if (n > 0 && n < 64 && utf8_chars(last, n) == (long)n) {
                req->ip = arena_strndup(&req->arena, last, n);
                return;
            }
        }
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            ip4_text(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, text);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text,
                      sizeof(text));
    }
    req->ip = arena_strdup(&req->arena, text);
}

/* A unique request id without a system call per request: a per-thread
 * random seed stepped by a Weyl sequence and mixed (splitmix64). */
static void request_id_next(char out[17])
{
    static _Thread_local uint64_t state;
    if (!state)
        randombytes_buf(&state, sizeof(state));
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(z >> (8 * i));
    hex_encode(bytes, sizeof(bytes), out);
}

static struct req *req_new(struct MHD_Connection *conn, const char *method, const char *url)
{
    struct req *req = xcalloc(1, sizeof(*req));
    arena_init(&req->arena);
    req->conn = conn;
    req->start_us = mono_us();
    req->method = arena_strdup(&req->arena, method);
    req->path = arena_strdup(&req->arena, url);
    req->err = -1;
    req->file_fd = -1;
    req->body_fd = -1;
    req->hold_fd = -1;
    req->body_err = -1;
    req->auth_seq = -1;
    req->max_body = cfg.max_body;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    req->sock = ci ? ci->socket_context : NULL;
    req->audit_tail = &req->audit;
    req->then_tail = &req->then;
    req->attempt_slot = -1;
    buf_init_arena(&req->body_raw, &req->arena);
    buf_init_arena(&req->out, &req->arena);
    jw_init(&req->json, &req->out);
    request_id_next(req->request_id);
    client_ip(req);
    atomic_fetch_add(&in_flight, 1);
    return req;
}

static void log_access(struct req *req)
{
    int64_t us = mono_us() - req->start_us;
    metrics_request(req->route ? (long)router_index(req->route) : -1, req->status, us);
    if (!log_enabled(LOG_INFO))
        return;
    struct buf b;
    struct jw j;
    buf_init_arena(&b, &req->arena);
    log_begin(&b, &j, req->status >= 500 ? LOG_ERROR : LOG_INFO, "access");
    jw_kv_str(&j, "rid", req->request_id);
    jw_kv_str(&j, "ip", req->ip);
    jw_kv_str(&j, "method", req->method);
    /* A path with a secret in it ({key}) is logged as its pattern. */
    jw_kv_str(&j, "path",
              req->route && strstr(req->route->path, "{key}") ? req->route->path : req->path);
    if (req->route)
        jw_kv_str(&j, "route", req->route->path);
    jw_kv_int(&j, "status", req->status);
    jw_kv_int(&j, "us", us);
    if (req->who)
        jw_kv_int(&j, "account", req->who->account_id);
    if (req->err >= 0)
        jw_kv_str(&j, "error", err_table[req->err].code);
    log_end(&b, &j, req->status < 500);
}

static void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                              enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_ctx = ci ? conn_opened(ci->connect_fd) : NULL;
        metrics_connection(1);
    } else {
        conn_closed(*socket_ctx);
        *socket_ctx = NULL;
        metrics_connection(-1);
    }
}

/* ---- what a request keeps: audit rows and writes after its transaction ---- */

/* Writes the queued audit rows, and the writes kept whatever the outcome
 * (failed attempts), in the current write transaction. */
static void write_kept(struct req *req)
{
    for (struct audit_entry *e = req->audit; e; e = e->next) {
        struct audit_row row = {
            .at = now_sec(),
            .actor_id = req->who ? req->who->account_id : 0,
            .org_id = e->org_id,
            .action = e->action,
            .target = e->target,
            .result = e->result,
            .detail = e->detail,
            .ip = req->ip,
            .request_id = req->request_id,
        };
        audit_append(req->db, &row);
    }
    req->audit = NULL;
    req->audit_tail = &req->audit;
    for (struct req_then *t = req->then; t; t = t->next)
        if (t->always && !t->done) {
            t->fn(req, t->arg);
            t->done = true;
        }
}

static bool kept_pending(struct req *req)
{
    if (req->audit)
        return true;
    for (struct req_then *t = req->then; t; t = t->next)
        if (t->always && !t->done)
            return true;
    return false;
}

/* Audit rows and kept writes of a request whose own transaction did not
 * keep them (an error, or a read), in a write transaction of their own. */
static void flush_kept(struct req *req)
{
    if (!req->db || !kept_pending(req))
        return;
    if (db_begin(req->db, true) != DB_OK) {
        log_error("audit: cannot write the rows of request %s", req->request_id);
        return;
    }
    write_kept(req);
    if (db_failed(req->db) || db_commit(req->db) != DB_OK) {
        db_rollback(req->db);
        audit_discard();
        log_error("audit: commit failed for request %s", req->request_id);
    }
    audit_anchor();
}

/*
 * A denial answers exactly as a missing object, in the same time too: its
 * audit rows are written after the answer went out (request_completed),
 * where a missing object writes none. The audit log's readers wait for such
 * rows still being written (ROUTE_AUDIT_READ, late_flushes_wait).
 */
static atomic_int late_flushes;

static bool only_denials(struct req *req)
{
    if (req->err < 0 || !req->audit)
        return false;
    for (struct audit_entry *e = req->audit; e; e = e->next)
        if (strcmp(e->action, "access.denied"))
            return false;
    for (struct req_then *t = req->then; t; t = t->next)
        if (t->always && !t->done)
            return false;
    return true;
}

static void late_flushes_wait(void)
{
    for (int waited = 0; atomic_load(&late_flushes) > 0 && waited < 250; waited++)
        usleep(1000);
}

/* Ends the request's sign-in attempt (auth.h): after its rows are written and
 * before the answer goes out, so that the client's next attempt finds it
 * counted (a failure) or the window reset (a success that committed). */
static void attempt_done(struct req *req)
{
    attempt_end(req->attempt_slot, req->attempt_outcome == ATTEMPT_OK && req->status >= 400
                                       ? ATTEMPT_UNDECIDED
                                       : (enum attempt_outcome)req->attempt_outcome);
    req->attempt_slot = -1;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct req *req = *con_cls;
    if (!req)
        return;
    metrics_thread_request(((const struct worker *)cls)->index);
    if (req->status == 0)
        req->status = 499; /* the client went away before an answer */
    if (req->kept_late) {
        req->db = db_thread();
        flush_kept(req);
        atomic_fetch_sub(&late_flushes, 1);
    }
    log_access(req);
    attempt_done(req); /* if the request ended before its answer */
    if (req->file_fd >= 0)
        close(req->file_fd);
    if (req->body_fd >= 0)
        close(req->body_fd);
    if (req->hold_fd >= 0)
        close(req->hold_fd);
    atomic_fetch_sub(&body_memory, (int64_t)req->body_held);
    atomic_fetch_sub(&spool_bytes, req->spool_held);
    if (req->cached)
        rcache_release((void *)req->cached);
    /* The next request on this connection has its deadline from now. */
    conn_waiting(req->sock);
    arena_release(&req->arena);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

/* The writes a route asked to run after its transaction committed, in one
 * write transaction; an error from one (or from the commit) replaces the
 * answer. */
static void run_after_commit(struct req *req)
{
    bool any = false;
    for (struct req_then *t = req->then; t && !any; t = t->next)
        any = !t->always;
    if (!any)
        return;
    if (db_begin(req->db, true) != DB_OK) {
        req_fail(req, ERR_BUSY, NULL);
        return;
    }
    int status = 0;
    for (struct req_then *t = req->then; t && status < 400; t = t->next)
        if (!t->always)
            status = t->fn(req, t->arg);
    if (status < 400 && db_failed(req->db))
        req_fail(req, db_failed(req->db) == DB_BUSY ? ERR_BUSY : ERR_DB, NULL);
    else if (status < 400 && db_commit(req->db) != DB_OK)
        req_fail(req, ERR_BUSY, NULL);
    if (req->err >= 0) {
        db_rollback(req->db);
        audit_discard();
    } else {
        live_committed();
    }
    audit_anchor();
}

/* ---- the API dispatcher ---- */

static bool is_write(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

/* The caller's session token: the bearer token or the session cookie. */
static const char *request_token(struct req *req)
{
    const char *authz = req_header(req, "Authorization");
    if (authz && !strncasecmp(authz, "Bearer ", 7))
        return authz + 7;
    const char *token = req_cookie(req, SESSION_COOKIE);
    req->via_cookie = token != NULL;
    return token;
}

/*
 * Answers checked without a transaction: the sequences come from the shared
 * page (db_seqs_peek), which trails the store only between a commit and the
 * committer's update of the page, or when a process died in between. The
 * way without a transaction is taken only while an ordinary request has
 * found the page equal to the store within the last second, so such a gap
 * lasts a second at most.
 */
#define SEQS_TRUST_MS 1000
static _Atomic int64_t seqs_trusted_until_ms;

static void seqs_verified(struct db *db, int64_t change, int64_t auth)
{
    if (db_seqs_saw(db, change, auth))
        atomic_store_explicit(&seqs_trusted_until_ms, now_ms() + SEQS_TRUST_MS,
                              memory_order_relaxed);
}

/* Finds the caller from the bearer token or the session cookie. */
static void authenticate(struct req *req)
{
    const char *token = request_token(req);
    /* Both sequences in one statement: the authorisation one validates the
     * cached session and roles, the change one the cached answers. */
    int64_t auth_seq = -1;
    req->change_seq = -1;
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT (SELECT value FROM seqs WHERE name = 'auth'), (SELECT value FROM seqs "
                 "WHERE name = 'change')",
                 "");
    if (db_next(st)) {
        auth_seq = db_isnull(st, 0) ? -1 : db_int(st, 0);
        req->change_seq = db_int(st, 1);
    }
    db_done(st);
    req->auth_seq = auth_seq;
    seqs_verified(req->db, req->change_seq, auth_seq);
    if (token && *token)
        req->who = session_load(req->db, &req->arena, token, auth_seq);
}

/* The target organisation the route's scope names; 0 when none. */
static int64_t scope_org(struct req *req)
{
    const struct route *r = req->route;
    switch (r->scope) {
    case SCOPE_PATH_ORG:
        return req_id(req);
    case SCOPE_QUERY_ORG:
        return req_query_int(req, r->scope_field, 0);
    case SCOPE_BODY_ORG:
        return req_body_int(req, r->scope_field, 0);
    default:
        return 0;
    }
}

/* Whether a browser says this request comes from another site: by
 * Sec-Fetch-Site, or by an Origin that is not this host. Clients that are
 * not browsers send neither header. */
static bool cross_site(struct req *req)
{
    const char *site = req_header(req, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
        return true;
    const char *origin = req_header(req, "Origin");
    if (!origin)
        return false;
    const char *host = req_header(req, "Host");
    const char *sep = strstr(origin, "://");
    return !host || !sep || strcmp(sep + 3, host) != 0;
}

/* Login and CSRF, before anything about the request is looked at.
 * 0 to go on, else an error status. */
static int check_login(struct req *req)
{
    /* Writes from another site are refused whoever the caller is: cookie
     * CSRF, and login CSRF (logging a victim into the attacker's account). */
    if (is_write(req->method) && cross_site(req))
        return req_fail(req, ERR_CSRF, "a write from another site");
    if (req->route->scope == SCOPE_PUBLIC)
        return 0;
    if (!req->who)
        return req_fail(req, ERR_AUTH_REQUIRED, NULL);
    if (req->via_cookie && is_write(req->method)) {
        const char *tok = req_header(req, "X-CSRF-Token");
        size_t n = strlen(req->who->csrf);
        if (!tok || strlen(tok) != n || !mem_equal_ct(tok, req->who->csrf, n))
            return req_fail(req, ERR_CSRF, NULL);
    }
    /* An admin role without its second factor may only enrol one. */
    if (!(req->route->flags & ROUTE_ENROL) && principal_owes_second_factor(req->who)) {
        req_audit(req, "access.denied", 0, NULL, "denied", "%s %s: second factor not enrolled",
                  req->method, req->path);
        return req_fail(req, ERR_ENROL_SECOND_FACTOR, NULL);
    }
    return 0;
}

/* The parent of an organisation path "/1/12/40/" -> "/1/12/" (arena); a
 * root's path ("/1/") is its own. */
static const char *path_parent(struct arena *a, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n < 2)
        return path;
    size_t i = n - 1;
    while (i > 0 && path[i - 1] != '/')
        i--;
    return i > 1 ? arena_strndup(a, path, i) : path;
}

/* Whether the caller holds the route's permission on the declared side of
 * object o (and the permission o asks of everyone but its parties). */
static bool object_perm(struct req *req, const struct object_ref *o)
{
    const struct route *r = req->route;
    const char *paths[2] = {NULL, NULL};
    switch (r->side) {
    case SIDE_ORG:
        paths[0] = o->org_path;
        break;
    case SIDE_EITHER:
        paths[0] = o->org_path;
        paths[1] = o->org2_path;
        break;
    case SIDE_PARENT:
        paths[0] = path_parent(&req->arena, o->org_path);
        break;
    case SIDE_ORG2:
        paths[0] = o->org2_path;
        break;
    }
    if (r->perm != PERM_NONE)
        for (int i = 0; i < 2; i++)
            if (paths[i] && principal_can(req->who, r->perm, paths[i]) &&
                (!o->perm_min || principal_can(req->who, o->perm_min, paths[i])))
                return true;
    return false;
}

/*
 * The objects of ROUTE_CACHE object routes as last located, with the change
 * sequence of that snapshot, for answers checked without a transaction:
 * where an object sits (its organisations, the permission it asks of
 * everyone but its parties) changes only with a write, and every write
 * bumps the sequence. Whether the caller is a party is not kept (it depends
 * on who asks): from memory only the route's permission admits; anyone else
 * takes the ordinary way.
 */
#define LOCATED_SLOTS 1024
#define LOCATED_PATH_MAX 120

static struct {
    pthread_mutex_t lock;
    struct located {
        const struct object_kind *kind;
        int64_t id, change, org_id, org2_id;
        int perm_min;
        char path[LOCATED_PATH_MAX], path2[LOCATED_PATH_MAX];
    } slot[LOCATED_SLOTS];
} located = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t located_index(const struct object_kind *k, int64_t id)
{
    return ((uintptr_t)k / sizeof(void *) + (uint64_t)id * 0x9e3779b97f4a7c15ull) % LOCATED_SLOTS;
}

/* Remembers object o of the route's kind as found in this request's snapshot. */
static void located_remember(struct req *req, const struct object_ref *o)
{
    const char *p2 = o->org2_path ? o->org2_path : "";
    if (req->change_seq < 0 || !o->org_path || strlen(o->org_path) >= LOCATED_PATH_MAX ||
        strlen(p2) >= LOCATED_PATH_MAX)
        return;
    pthread_mutex_lock(&located.lock);
    struct located *l = &located.slot[located_index(req->route->kind, o->id)];
    l->kind = req->route->kind;
    l->id = o->id;
    l->change = req->change_seq;
    l->org_id = o->org_id;
    l->org2_id = o->org2_id;
    l->perm_min = o->perm_min;
    strcpy(l->path, o->org_path);
    strcpy(l->path2, p2);
    pthread_mutex_unlock(&located.lock);
}

/* The object of the path's {id} from memory into req->obj (no party bits),
 * if it was located at change sequence change; false when not known. */
static bool located_recall(struct req *req, int64_t change)
{
    const struct object_kind *k = req->route->kind;
    struct object_ref *o = &req->obj;
    memset(o, 0, sizeof(*o));
    o->id = req_id(req);
    bool known = false;
    pthread_mutex_lock(&located.lock);
    const struct located *l = &located.slot[located_index(k, o->id)];
    if (l->kind == k && l->id == o->id && l->change == change) {
        o->org_id = l->org_id;
        o->org_path = arena_strdup(&req->arena, l->path);
        o->org2_id = l->org2_id;
        o->org2_path = l->path2[0] ? arena_strdup(&req->arena, l->path2) : NULL;
        o->perm_min = l->perm_min;
        known = true;
    }
    pthread_mutex_unlock(&located.lock);
    return known;
}

/*
 * A SCOPE_OBJECT route: finds the object of the route's kind, then allows
 * the route's parties and its permission on the declared side of the
 * object. Anything else answers as a missing object (audited as a denial),
 * except a party-only route asked by someone who sees the object (the
 * kind's not_party). 0 to go on, else an error status.
 */
static int authorize_object(struct req *req)
{
    const struct route *r = req->route;
    const struct object_kind *k = r->kind;
    int64_t id = r->scope_field ? req_body_int(req, r->scope_field, 0) : req_id(req);
    struct object_ref *o = &req->obj;
    memset(o, 0, sizeof(*o));
    o->id = id;
    if (id <= 0 || !k->locate(req, id, o))
        return req_fail(req, k->not_found, NULL);
    if (r->flags & ROUTE_CACHE)
        located_remember(req, o);
    if ((r->party & o->party) || object_perm(req, o))
        return 0;
    bool sees = false;
    if (r->flags & ROUTE_SEEN_FORBIDS) {
        sees = o->party & k->see_party;
        const char *either[2] = {o->org_path, o->org2_path};
        for (int i = 0; i < 2 && !sees; i++)
            sees = either[i] && principal_can(req->who, k->see_perm, either[i]) &&
                   (!o->perm_min || principal_can(req->who, o->perm_min, either[i]));
    }
    req_audit(req, "access.denied", o->org_id,
              arena_printf(&req->arena, "%s:%" PRId64, k->name, id), "denied", "%s %s needs %s%s%s",
              req->method, req->path, r->perm != PERM_NONE ? perm_name(r->perm) : "",
              r->perm != PERM_NONE && r->party ? " or " : "", r->party ? "a party to it" : "");
    return req_fail(req, sees ? k->forbidden : k->not_found, NULL);
}

/* The route's permission on its target. 0 to go on, else an error status. */
static int authorize(struct req *req)
{
    const struct route *r = req->route;
    if (r->scope == SCOPE_OBJECT)
        return authorize_object(req);
    if (r->scope == SCOPE_PUBLIC || r->perm == PERM_NONE)
        return 0;
    if (r->scope == SCOPE_LOGIN) {
        if (principal_has(req->who, r->perm))
            return 0;
        req_audit(req, "access.denied", 0, NULL, "denied", "%s %s needs %s", req->method, req->path,
                  perm_name(r->perm));
        return req_fail(req, ERR_FORBIDDEN, NULL);
    }
    int64_t org = scope_org(req);
    if (!org || !req_allowed(req, r->perm, org))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    return 0;
}

/* The answer cache's key: the route, the path ids, the declared query
 * fields the request carried, and today's date (ages, arrears); for
 * ROUTE_CACHE_MINE the caller's account too. A text value is written with
 * its length, so no value can forge the fields after it ("q=a|status=x"). */
static const char *cache_key(struct req *req)
{
    struct buf b;
    buf_init_arena(&b, &req->arena);
    char today[11];
    date_today(today);
    /* Built without printf: it is made for every cacheable request. */
    buf_addint(&b, (int64_t)router_index(req->route));
    buf_addch(&b, '|');
    buf_addstr(&b, today);
    if (req->route->flags & ROUTE_CACHE_MINE) {
        buf_addstr(&b, "|a");
        buf_addint(&b, req->who ? req->who->account_id : 0);
    }
    for (int i = 0; i < req->npath_ids; i++) {
        buf_addch(&b, '|');
        buf_addint(&b, req->path_ids[i]);
    }
    for (size_t i = 0; i < req->nquery; i++) {
        const struct value *v = &req->query[i];
        if (!v->present)
            continue;
        buf_addch(&b, '|');
        buf_addstr(&b, v->name);
        if (v->s) {
            buf_addch(&b, '=');
            buf_addint(&b, (int64_t)strlen(v->s));
            buf_addch(&b, ':');
            buf_addstr(&b, v->s);
        } else {
            buf_addch(&b, '#');
            buf_addint(&b, v->i);
        }
    }
    return b.data;
}

/* What a cached answer of the route is valid for: the change sequence, and
 * for an answer about the caller (ROUTE_CACHE_MINE) the authorisation one. */
static struct rcache_ver cache_ver(const struct route *r, int64_t change, int64_t auth)
{
    return (struct rcache_ver){.change = change, .auth = (r->flags & ROUTE_CACHE_MINE) ? auth : 0};
}

/*
 * A cached answer without opening a transaction: the caller's session and
 * roles, the target organisation's path (or the object's place) and the
 * answer all from memory,
 * each valid for the sequences on the shared page. Every check is the one
 * run_route makes; anything not known, or any check that fails, leaves the
 * request untouched for the ordinary way (which also writes the audit rows
 * of a denial). True when req now holds the answer.
 */
static bool answer_from_memory(struct req *req)
{
    const struct route *r = req->route;
    int64_t change, auth;
    if (is_write(req->method) || !(r->flags & (ROUTE_CACHE | ROUTE_CACHE_MINE)) ||
        r->scope == SCOPE_PUBLIC ||
        now_ms() > atomic_load_explicit(&seqs_trusted_until_ms, memory_order_relaxed) ||
        !db_seqs_peek(db_thread(), &change, &auth))
        return false;
    const char *token = request_token(req);
    struct principal *who = token ? session_cached(&req->arena, token, auth) : NULL;
    /* A session due for its sliding update takes the ordinary way. */
    if (!who || now_sec() - who->last_seen > 600)
        goto ordinary;
    req->who = who;
    if (check_login(req) || req_validate_query(req))
        goto ordinary;
    /* ROUTE_CACHE routes are scoped to an organisation or an object,
     * ROUTE_CACHE_MINE ones to the caller (router_init). */
    bool allowed;
    if (r->flags & ROUTE_CACHE_MINE)
        allowed = r->perm == PERM_NONE || principal_has(who, r->perm);
    else if (r->scope == SCOPE_OBJECT)
        allowed = located_recall(req, change) && object_perm(req, &req->obj);
    else
        allowed = req_allowed_cached(req, r->perm, scope_org(req), auth);
    if (!allowed)
        goto ordinary;
    struct rcache_hit hit;
    if (!rcache_get(cache_key(req), cache_ver(r, change, auth), accepts_gzip(req), &hit))
        goto ordinary;
    req->cached = hit.data;
    req->cached_len = hit.len;
    req->cached_gzip = hit.gzip;
    req->status = hit.status;
    req->data_started = req->data_done = true;
    metrics_memory_answer();
    return true;
ordinary:
    /* As it came: the ordinary way makes the same checks (and audits a denial once). */
    req->who = NULL;
    req->via_cookie = false;
    req->err = -1;
    req->err_msg = req->err_field = NULL;
    req->audit = NULL;
    req->audit_tail = &req->audit;
    return false;
}

/* An Idempotency-Key on a write: 0 to go on (no key, or a new one), 1 when
 * the stored answer was replayed into req, else an error status. */
static int idem_admit(struct req *req)
{
    const char *key = req_header(req, "Idempotency-Key");
    if (!key || !is_write(req->method) || !req->who || (req->route->flags & ROUTE_NO_IDEM))
        return 0;
    if (!idem_key_ok(key))
        return req_fail(req, ERR_IDEM_KEY, NULL);
    req->idem_key = arena_strdup(&req->arena, key);
    return idem_check(req);
}

/*
 * The checks every route passes, in order, in its first transaction: the
 * caller, login and CSRF, the query, the object named by the path (before
 * the body is read, so a caller out of reach learns nothing from how a body
 * is refused), the body, the organisation it names, an Idempotency-Key.
 * 0 to go on, 1 when a stored answer was replayed, else an error status.
 */
static int admit(struct req *req)
{
    const struct route *r = req->route;
    authenticate(req);
    int status = check_login(req);
    if (!status)
        status = req_validate_query(req);
    bool object_first = r->scope == SCOPE_OBJECT && !r->scope_field;
    if (!status && object_first)
        status = authorize(req);
    if (!status)
        status = req_validate_body(req);
    if (!status && !object_first)
        status = authorize(req);
    return status ? status : idem_admit(req);
}

/*
 * The handler in the route's open transaction; then, on success, the answer
 * completed, cached, stored for its Idempotency-Key and (for a write) the
 * audit rows written in the same transaction, which is committed. On an
 * error nothing of it is kept. Then the route's after-commit writes.
 */
static void run_handler(struct req *req, bool write)
{
    const struct route *r = req->route;
    const char *ckey = NULL;
    struct rcache_ver cver = {0};
    bool cached = false;
    if ((r->flags & (ROUTE_CACHE | ROUTE_CACHE_MINE)) && !write) {
        ckey = cache_key(req);
        cver = cache_ver(r, req->change_seq, req->auth_seq);
        struct rcache_hit hit;
        if (rcache_get(ckey, cver, accepts_gzip(req), &hit)) {
            req->cached = hit.data;
            req->cached_len = hit.len;
            req->cached_gzip = hit.gzip;
            req->status = hit.status;
            req->data_started = req->data_done = true;
            cached = true;
        }
    }
    if (!cached)
        req->status = r->handler(req);
    if (req->status < 400 && !db_failed(req->db)) {
        finish_data(req);
        if (ckey && !cached && req->status == 200 && req->err < 0 && !req->no_cache)
            rcache_put(ckey, cver, req->cache_until, req->status, req->out.data, req->out.len);
        if (req->idem_key)
            idem_store(req, req->status);
        if (write)
            write_kept(req);
    }
    if (req->status >= 400 || db_commit(req->db) != DB_OK) {
        if (req->status < 400)
            req_fail(req, db_failed(req->db) == DB_BUSY ? ERR_BUSY : ERR_DB, NULL);
        db_rollback(req->db);
        audit_discard();
    } else if (write) {
        live_committed(); /* events it published reach open streams now */
    }
    audit_anchor();
    if (req->err < 0)
        run_after_commit(req);
}

/* The outside phase is queued: the connection waits, suspended. */
static void outside_accepted(void *arg)
{
    struct req *req = arg;
    req->phase = PHASE_OUTSIDE;
    MHD_suspend_connection(req->conn);
}

/* The outside phase, on a slow-lane thread; the connection is suspended. */
static void outside_run(void *arg)
{
    struct req *req = arg;
    req->outside_status = req->route->outside(req);
    req->phase = PHASE_BACK;
    MHD_resume_connection(req->conn); /* the dispatcher is called again: resume_route */
}

/* The handler's transaction of a route whose first one only read (a
 * two-phase route after its outside phase, or ROUTE_READ_FIRST). */
static void write_phase(struct req *req)
{
    bool write = is_write(req->method);
    req->db = db_thread();
    if (!req->db || db_begin(req->db, write) != DB_OK) {
        req_fail(req, ERR_BUSY, NULL);
        return;
    }
    /* The key again: the same request may have been answered meanwhile. */
    int status = req->idem_key ? idem_check(req) : 0;
    if (status) {
        db_rollback(req->db);
        return;
    }
    run_handler(req, write);
}

/*
 * Runs the matched route; leaves status and body in req. A route with an
 * outside phase reads in a first transaction (admit, prepare), has its
 * outside phase run on the slow lane with no transaction open and the
 * connection suspended, and writes in a second transaction (resume_route):
 * then this returns true and the request is not answered yet.
 */
static bool run_route(struct req *req)
{
    if (answer_from_memory(req))
        return false;
    const struct route *r = req->route;
    bool write = is_write(req->method);
    bool two = r->outside != NULL;
    bool split = two || (r->flags & ROUTE_READ_FIRST); /* admit and prepare only read */

    req->db = db_thread();
    if (!req->db) {
        req_fail(req, ERR_BUSY, "the store is not available");
        return false;
    }
    if (r->flags & ROUTE_AUDIT_READ)
        late_flushes_wait();
    if (db_begin(req->db, write && !split) != DB_OK) {
        req_fail(req, ERR_BUSY, NULL);
        return false;
    }
    int status = admit(req);
    if (!status && r->prepare)
        status = r->prepare(req);
    if (status) { /* an error, or an answer replayed */
        db_rollback(req->db);
        return false;
    }
    if (!split) {
        run_handler(req, write);
        return false;
    }
    db_rollback(req->db); /* a read: nothing to keep */
    if (!two) {
        write_phase(req);
        return false;
    }
    switch (slow_submit(req->ip, outside_run, req, outside_accepted)) {
    case SLOW_QUEUED:
        return true;
    case SLOW_FULL:
        req_fail(req, ERR_BUSY, NULL);
        return false;
    case SLOW_SOURCE_BUSY:
        req_fail(req, ERR_THROTTLED, NULL);
        return false;
    }
    return false;
}

/* The second transaction of a two-phase route, after its outside phase. */
static void resume_route(struct req *req)
{
    req->phase = PHASE_DONE;
    if (req->outside_status >= 400)
        return;
    write_phase(req);
}

static enum MHD_Result handle_api(struct req *req)
{
    const struct route *r = NULL;
    if (req->phase == PHASE_BACK) {
        resume_route(req);
    } else if (req->phase == PHASE_OUTSIDE) {
        return MHD_YES; /* still suspended */
    } else {
        switch (router_match(req->method, req->path, &r, req->path_ids, &req->npath_ids)) {
        case MATCH_NO_PATH:
            req_fail(req, ERR_NOT_FOUND, "no resource %s", req->path);
            break;
        case MATCH_NO_METHOD:
            req_fail(req, ERR_METHOD, "%s is not allowed on %s", req->method, req->path);
            break;
        case MATCH_BAD_PARAM:
            req_fail(req, ERR_BAD_PATH, "ids in the path are positive whole numbers");
            break;
        case MATCH_OK:
            req->route = r;
            /* An upload without a body has an empty file all the same. */
            if ((r->flags & ROUTE_UPLOAD) && req->body_fd < 0)
                req->body_fd = tmpfile_in(cfg.data_dir);
            if ((r->flags & ROUTE_UPLOAD) && req->body_fd < 0)
                req_fail(req, ERR_INTERNAL, "cannot store the upload");
            else if (req->body_err == ERR_TOO_LARGE)
                req_fail(req, ERR_TOO_LARGE, "the body exceeds %zu bytes", req->max_body);
            else if (req->body_err >= 0)
                req_fail(req, req->body_err, "no room for the request body now: try again later");
            else if (run_route(req))
                return MHD_YES; /* suspended for its outside phase */
            break;
        }
    }
    if (req->err >= 0)
        render_error(req);
    /* Before the answer (an auditor reading the log next sees the rows), but
     * a denial's after it. */
    if (only_denials(req)) {
        req->kept_late = true;
        atomic_fetch_add(&late_flushes, 1);
    } else {
        flush_kept(req);
    }
    attempt_done(req);
    /* The route's lock goes before the answer: a client that waits for it may
     * send the next request at once (the completion callback comes later). */
    if (req->hold_fd >= 0) {
        close(req->hold_fd);
        req->hold_fd = -1;
    }
    if (req->who && req->status < 400 && now_sec() - req->who->last_seen > 600)
        session_touch(req->db, req->who->session_id);
    if ((req->file_fd >= 0 || req->file_not_modified) && req->err < 0 &&
        (req->status == 200 || req->status == 206 || req->status == 304))
        return send_file(req);
    if (req->stream) {
        if (req->err < 0 && req->status == 200) {
            struct MHD_Response *sr = live_stream_response(req);
            add_security_headers(sr, csp_api);
            return queue(req, 200, sr);
        }
        live_stream_discard(req->stream);
        req->stream = NULL;
    }
    return send_json(req);
}

/* ---- health, metrics, static files ---- */

static enum MHD_Result handle_health(struct req *req)
{
    struct db *db = db_thread();
    int64_t one = 0;
    bool ok = db && db_begin(db, false) == DB_OK;
    if (ok) {
        ok = db_get_int(db, &one, "SELECT 1", "") && one == 1;
        db_commit(db);
    }
    buf_addstr(&req->out, ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unavailable\"}");
    req->status = ok ? 200 : 503;
    return send_json(req);
}

/* Whether the connection comes straight from this machine: a loopback peer
 * that no proxy forwarded (a proxy on this machine adds a forwarding header;
 * one that does not must not pass /metrics on, docs/OPERATIONS.md). */
static bool from_this_machine(struct req *req)
{
    if (req_header(req, "X-Forwarded-For") || req_header(req, "Forwarded") ||
        req_header(req, "X-Real-IP"))
        return false;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/*
 * GET /metrics -> Prometheus text. With metrics_token set, only for
 * "Authorization: Bearer TOKEN"; without it, only for connections from this
 * machine. Errors: metrics.forbidden.
 */
static enum MHD_Result handle_metrics(struct req *req)
{
    bool allowed;
    if (cfg.metrics_token[0]) {
        const char *authz = req_header(req, "Authorization");
        size_t n = strlen(cfg.metrics_token);
        allowed = authz && !strncasecmp(authz, "Bearer ", 7) && strlen(authz + 7) == n &&
                  mem_equal_ct(authz + 7, cfg.metrics_token, n);
    } else {
        allowed = from_this_machine(req);
    }
    if (!allowed) {
        req_fail(req, ERR_METRICS_FORBIDDEN, NULL);
        render_error(req);
        return send_json(req);
    }
    metrics_render(&req->out);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(req->out.len, req->out.data, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    add_security_headers(r, csp_api);
    return queue(req, 200, r);
}

static enum MHD_Result handle_static(struct req *req)
{
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
        req_fail(req, ERR_METHOD, NULL);
        render_error(req);
        return send_json(req);
    }
    const struct static_file *f = static_find(req->path);
    if (!f) {
        /* Client-side routes (no file extension) get the app shell. */
        const char *last = strrchr(req->path, '/');
        if (last && !strchr(last, '.'))
            f = static_find("/index.html");
    }
    if (!f) {
        static const char body[] = "not found\n";
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof(body) - 1, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
        add_security_headers(r, csp_api);
        return queue(req, 404, r);
    }
    const char *inm = req_header(req, "If-None-Match");
    bool not_modified = inm && strstr(inm, f->etag);
    bool gz = f->gz && accepts_gzip(req);
    struct MHD_Response *r;
    /* For HEAD, MHD sends the headers of the full response and no body. */
    if (not_modified)
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    else
        r = MHD_create_response_from_buffer(gz ? f->gzlen : f->len, gz ? f->gz : f->data,
                                            MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", f->type);
    MHD_add_response_header(r, "ETag", f->etag);
    MHD_add_response_header(r, "Last-Modified", f->last_modified);
    if (f->gz) {
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
        if (gz && !not_modified)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
    }
    MHD_add_response_header(r, "Cache-Control",
                            f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (!strcmp(f->path, "/sw.js"))
        MHD_add_response_header(r, "Service-Worker-Allowed", "/");
    add_security_headers(r, csp_app);
    return queue(req, not_modified ? 304 : 200, r);
}

/* ---- the test clock (test_clock.h) ---- */

static enum MHD_Result handle_test_clock(struct req *req)
{
    req->status = test_clock_answer(req);
    if (req->err >= 0)
        render_error(req);
    return send_json(req);
}

/* ---- what the headers decide, before the body is read ---- */

/* Takes n bytes of a budget of limit bytes shared by every request; false
 * when that would go over it. */
static bool budget_take(_Atomic int64_t *used, int64_t n, int64_t limit)
{
    int64_t cur = atomic_load(used);
    do {
        if (cur + n > limit)
            return false;
    } while (!atomic_compare_exchange_weak(used, &cur, cur + n));
    return true;
}

/* The route's permission as far as the headers name its target: the
 * organisation of the path or the query, the object of the path; a target in
 * the body is not known yet, so then the permission anywhere at all. 0 to go
 * on, else an error status. */
static int precheck_target(struct req *req)
{
    const struct route *r = req->route;
    switch (r->scope) {
    case SCOPE_LOGIN:
        return authorize(req);
    case SCOPE_PATH_ORG:
    case SCOPE_QUERY_ORG: {
        int status = req_validate_query(req);
        return status ? status : authorize(req);
    }
    case SCOPE_OBJECT:
        if (!r->scope_field)
            return authorize(req);
        break;
    default:
        break;
    }
    if (r->perm == PERM_NONE || r->party || (r->flags & ROUTE_SEEN_FORBIDS) ||
        principal_has(req->who, r->perm))
        return 0;
    req_audit(req, "access.denied", 0, NULL, "denied", "%s %s needs %s", req->method, req->path,
              perm_name(r->perm));
    return req_fail(req, r->kind ? r->kind->not_found : ERR_ORG_NOT_FOUND, NULL);
}

/*
 * What run_route will check that the headers already decide, for a request
 * that announced a body (SECURITY.md check 15): login, CSRF, the second
 * factor, the permission (precheck_target). A caller refused here gets the
 * answer run_route would give, without a byte of the body read; run_route
 * checks everything again, in its own transaction, once the body is in.
 * 0 to go on, else an error status. *known: the caller is logged in.
 */
static int precheck(struct req *req, bool *known)
{
    *known = false;
    if (req->route->scope == SCOPE_PUBLIC)
        return check_login(req);
    req->db = db_thread();
    if (!req->db || db_begin(req->db, false) != DB_OK)
        return 0; /* the ordinary way answers it */
    authenticate(req);
    int status = check_login(req);
    if (!status)
        status = precheck_target(req);
    *known = req->who != NULL;
    db_rollback(req->db);
    flush_kept(req);
    req->who = NULL;
    req->via_cookie = false;
    return status;
}

/* Answers now, before the body (req holds the error): the client's body is
 * drained after the answer instead of meeting a reset (conn.h). */
static enum MHD_Result answer_early(struct req *req)
{
    render_error(req);
    conn_linger(req->sock);
    return send_json(req);
}

/*
 * The first call of a request: its line and headers are in, its body is not.
 * A request without a body goes on to the next call (answering on the first
 * makes libmicrohttpd 0.9.75 close the connection). One with a body is refused
 * now if the headers say so: beyond its limit, a caller not allowed, no room
 * in the shared budgets. An upload gets its temporary file; a body of known
 * length its memory, once.
 */
static enum MHD_Result request_begin(struct req *req)
{
    const char *cl =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    int64_t len = -1;
    if (cl && !parse_i64(cl, strlen(cl), &len))
        len = -1;
    if (len == 0 || (len < 0 && !te)) {
        conn_accepted(req->sock);
        return MHD_YES;
    }
    const struct route *rt = NULL;
    bool api = !strncmp(req->path, "/api/", 5);
    if (api &&
        router_match(req->method, req->path, &rt, req->path_ids, &req->npath_ids) != MATCH_OK) {
        conn_linger(req->sock); /* no such route: the answer needs no body */
        return handle_api(req);
    }
    bool upload = rt && (rt->flags & ROUTE_UPLOAD);
    req->max_body = upload                            ? cfg.max_upload
                    : rt && rt->scope != SCOPE_PUBLIC ? cfg.max_body
                                                      : ANON_MAX_BODY;
    if (len > 0 && (uint64_t)len > req->max_body) {
        req_fail(req, ERR_TOO_LARGE, "the body exceeds %zu bytes", req->max_body);
        return answer_early(req);
    }
    bool known = false;
    if (rt) {
        req->route = rt;
        if (precheck(req, &known))
            return answer_early(req);
        req->route = NULL;
    }
    if (upload) {
        int64_t want = len > 0 ? len : (int64_t)cfg.max_upload;
        if (!budget_take(&spool_bytes, want, (int64_t)cfg.upload_spool_mb << 20)) {
            req_fail(req, ERR_BUSY, "too many uploads at once: try again in a minute");
            return answer_early(req);
        }
        req->spool_held = want;
        req->body_fd = tmpfile_in(cfg.data_dir);
        if (req->body_fd < 0) {
            log_error("upload: no temporary file in %s: %s", cfg.data_dir, strerror(errno));
            req_fail(req, ERR_INTERNAL, "cannot store the upload");
            return answer_early(req);
        }
    } else if (len > 0) {
        if (!budget_take(&body_memory, len + 1, (int64_t)cfg.body_memory_mb << 20)) {
            req_fail(req, ERR_BUSY, "too many requests at once: try again in a minute");
            return answer_early(req);
        }
        req->body_held = (size_t)len + 1;
        buf_grow_exact(&req->body_raw, (size_t)len);
    }
    /* A caller who logged in may take their time over a body; an anonymous
     * one stays under the connection's deadline until the body is in. */
    if (known)
        conn_accepted(req->sock);
    return MHD_YES;
}

/* Takes n more bytes of the body: into the upload's file, or into memory
 * under the shared budget (a body of unknown length grows by doubling). Past
 * the limit, or without room, the body is refused and the rest dropped. */
static void body_add(struct req *req, const char *data, size_t n)
{
    if (req->body_err < 0 && (uint64_t)req->body_size + n > req->max_body)
        req->body_err = ERR_TOO_LARGE;
    if (req->body_err >= 0) {
        req->body_discarded += n;
        return;
    }
    req->body_size += (int64_t)n;
    if (req->body_fd >= 0) {
        if (!write_all(req->body_fd, data, n)) {
            log_error("upload: cannot write the temporary file: %s", strerror(errno));
            req->body_err = ERR_BUSY;
        }
        return;
    }
    struct buf *b = &req->body_raw;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > req->max_body + 1)
            cap = req->max_body + 1;
        /* The smaller block stays in the arena until the request ends. */
        if (!budget_take(&body_memory, (int64_t)cap, (int64_t)cfg.body_memory_mb << 20)) {
            req->body_err = ERR_BUSY;
            return;
        }
        req->body_held += cap;
        buf_grow_exact(b, cap - b->len - 1);
    }
    buf_add(b, data, n);
}

/* ---- the MHD access handler ---- */

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    struct req *req = *con_cls;
    if (!req) {
        req = req_new(conn, method, url);
        *con_cls = req;
        return request_begin(req);
    }
    if (req->answered)
        return MHD_YES; /* answered already: discard the rest */
    if (*upload_data_size) {
        body_add(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* A refused body that goes on and on (no Content-Length): cut it. */
        return req->body_discarded > DISCARD_MAX + req->max_body ? MHD_NO : MHD_YES;
    }
    conn_accepted(req->sock);
    if (!strncmp(req->path, "/api/", 5))
        return handle_api(req);
    if (!strcmp(req->path, "/healthz"))
        return handle_health(req);
    if (!strcmp(req->path, "/metrics"))
        return handle_metrics(req);
    if (test_clock_on() && !strcmp(req->path, "/test/clock"))
        return handle_test_clock(req);
    return handle_static(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

/* libmicrohttpd's messages, at most MHD_LOG_PER_S a second: a client can
 * cause one per connection ("reached connection limit", "closed by remote
 * side"), and a flood must not become a flood of log lines. */
#define MHD_LOG_PER_S 20

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    static _Atomic int64_t window;
    static atomic_long in_window, dropped;
    int64_t now = mono_us() / 1000000, was = atomic_load(&window);
    if (now != was && atomic_compare_exchange_strong(&window, &was, now)) {
        long n = atomic_exchange(&dropped, 0);
        atomic_store(&in_window, 0);
        if (n)
            log_warn("http: %ld more messages of libmicrohttpd in a second not logged", n);
    }
    if (atomic_fetch_add(&in_window, 1) >= MHD_LOG_PER_S) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        text[--n] = '\0';
    log_warn("http: %s", text);
}

/* ---- listening: one daemon per thread ---- */

static struct worker *workers;
static unsigned nworkers;
static int bound_port;
static int port_lock = -1; /* listen_lock: held while serving */

/*
 * Makes sure no other zhibu serves addr: binding with SO_REUSEPORT would
 * otherwise let a second one start on a port in use and split its
 * connections. A name in the abstract socket namespace (per network
 * namespace, like ports; released when the process ends) is held for the
 * address and port; then a socket without SO_REUSEPORT must be able to bind
 * there, which fails when anything listens on it. Port 0 takes the port that
 * socket was given. Returns the port, or -1 with a reason.
 */
static int listen_claim(struct sockaddr_storage *addr, socklen_t len, char *err, size_t errlen)
{
    struct sockaddr *sa = (struct sockaddr *)addr;
    int probe = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, rc = -1;
    if (probe < 0) {
        snprintf(err, errlen, "cannot open a socket: %s", strerror(errno));
        return -1;
    }
    if (sa->sa_family == AF_INET6)
        setsockopt(probe, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(probe, sa, len) != 0 || getsockname(probe, sa, &len) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", cfg.listen_host, cfg.listen_port,
                 strerror(errno));
        goto out;
    }
    char host[INET6_ADDRSTRLEN] = "?";
    int port;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
    }
    /* The whole of sun_path, padded with zeros (as libuv names them too). */
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "zhibu-listen [%s]:%d", host, port);
    port_lock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (port_lock < 0 || bind(port_lock, (struct sockaddr *)&un, sizeof(un)) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", cfg.listen_host, port,
                 errno == EADDRINUSE ? "another zhibu serves it" : strerror(errno));
        if (port_lock >= 0)
            close(port_lock);
        port_lock = -1;
        goto out;
    }
    rc = port;
out:
    close(probe);
    return rc;
}

/* A listening socket on addr that other sockets of this process share
 * (SO_REUSEPORT); -1 with a reason. */
static MHD_socket listen_socket(const struct sockaddr_storage *addr, socklen_t len, char *err,
                                size_t errlen)
{
    const struct sockaddr *sa = (const struct sockaddr *)addr;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 ||
        (sa->sa_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, sa, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", cfg.listen_host, bound_port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return MHD_INVALID_SOCKET;
    }
    return fd;
}

/*
 * Starts the daemon of one HTTP thread on its listening socket: every
 * libmicrohttpd option lives here. Options that MHD counts per daemon
 * (connections, and per address) are shared out over the threads. A daemon
 * at its limit stops accepting, so a new client waits in the kernel's queue
 * until a slot frees (slow clients are cut, conn.h) instead of being reset.
 */
static struct MHD_Daemon *daemon_start(struct worker *w, bool ipv6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (ipv6 ? MHD_USE_IPv6 : 0);
    /* Behind a proxy every connection comes from the proxy: the proxy limits
     * per client address instead (docs/OPERATIONS.md). MHD counts per daemon:
     * each thread takes its share of the per-address limit (SO_REUSEPORT
     * spreads one address's connections over the threads). */
    unsigned per_ip = cfg.trust_proxy || !cfg.max_connections_per_ip
                          ? 0u
                          : ((unsigned)cfg.max_connections_per_ip + nworkers - 1) / nworkers;
    unsigned limit = (unsigned)cfg.max_connections / nworkers;
    /* The logger comes first so that MHD's own option parsing logs through it. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, w->fd, MHD_OPTION_CONNECTION_LIMIT, limit ? limit : 1u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg.conn_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg.max_header,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, w, MHD_OPTION_NOTIFY_CONNECTION,
        connection_notify, w, MHD_OPTION_END);
}

/* Stops what http_start started (the daemons already stopped stay NULL). */
static void workers_release(void)
{
    for (unsigned i = 0; i < nworkers; i++) {
        if (workers[i].daemon)
            MHD_stop_daemon(workers[i].daemon); /* closes its socket */
        else if (workers[i].fd != MHD_INVALID_SOCKET)
            close(workers[i].fd);
    }
    free(workers);
    workers = NULL;
    nworkers = 0;
    if (port_lock >= 0)
        close(port_lock);
    port_lock = -1;
}

int http_start(char *err, size_t errlen)
{
    csp_init();
    test_clock_init();
    struct sockaddr_storage addr = {0};
    socklen_t len;
    struct sockaddr_in *in = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
    bool ipv6 = false;
    if (inet_pton(AF_INET, cfg.listen_host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)cfg.listen_port);
        len = sizeof(*in);
    } else {
        const char *h = cfg.listen_host;
        char tmp[64];
        if (h[0] == '[') { /* [::1] */
            snprintf(tmp, sizeof(tmp), "%.*s", (int)strlen(h) - 2, h + 1);
            h = tmp;
        }
        if (inet_pton(AF_INET6, h, &in6->sin6_addr) != 1) {
            snprintf(err, errlen, "cannot listen on %s: not an IP address", cfg.listen_host);
            return -1;
        }
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg.listen_port);
        len = sizeof(*in6);
        ipv6 = true;
    }
    bound_port = listen_claim(&addr, len, err, errlen);
    if (bound_port < 0)
        return -1;
    nworkers = cfg.threads > 0 ? (unsigned)cfg.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;
    workers = xcalloc(nworkers, sizeof(*workers));
    for (unsigned i = 0; i < nworkers; i++)
        workers[i] = (struct worker){.fd = MHD_INVALID_SOCKET, .index = i};
    metrics_threads(nworkers);
    log_batch_start();
    live_start();
    slow_start();
    conn_start();
    for (unsigned i = 0; i < nworkers; i++) {
        workers[i].fd = listen_socket(&addr, len, err, errlen);
        if (workers[i].fd == MHD_INVALID_SOCKET)
            goto fail;
        workers[i].daemon = daemon_start(&workers[i], ipv6);
        if (!workers[i].daemon) {
            snprintf(err, errlen, "cannot start the HTTP thread on %s:%d", cfg.listen_host,
                     bound_port);
            goto fail;
        }
    }
    return 0;
fail:
    workers_release();
    conn_stop();
    live_stop(0);
    slow_stop();
    log_batch_stop();
    return -1;
}

int http_port(void)
{
    return bound_port;
}

void http_stop(int grace_ms)
{
    if (!workers)
        return;
    /* No new connections on any thread; the sockets close here. */
    for (unsigned i = 0; i < nworkers; i++) {
        MHD_socket s = MHD_quiesce_daemon(workers[i].daemon);
        if (s != MHD_INVALID_SOCKET)
            close(s);
        workers[i].fd = MHD_INVALID_SOCKET;
    }
    /* Live streams end first: no connection may be suspended at MHD_stop_daemon. */
    live_stop(2000);
    for (int waited = 0; atomic_load(&in_flight) > 0 && waited < grace_ms; waited += 10)
        usleep(10000);
    if (atomic_load(&in_flight) > 0)
        log_warn("shutdown: %d requests still in flight after %d ms", atomic_load(&in_flight),
                 grace_ms);
    workers_release();
    slow_stop();
    conn_stop();
    /* Every access line of the stopped threads is written. */
    log_batch_stop();
}
