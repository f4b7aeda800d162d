/*
 * account.c - login, logout, the caller's own account, password change.
 */
#include "app.h"
#include "mod/orgs.h"
#include "mod/second_factor.h"
#include "routes.h"

#include <strings.h>

static const struct param login_body[] = {
    {"phone", P_PHONE, P_REQUIRED},
    {"password", P_STR, P_REQUIRED, 1, 128},
    {"code", P_STR, 0, 1, 32}, /* the second factor: a TOTP or recovery code */
    {NULL},
};

static const struct param password_body[] = {
    {"oldPassword", P_STR, P_REQUIRED, 1, 128},
    {"newPassword", P_PASSWORD, P_REQUIRED},
    {NULL},
};

/* Secure cookies when TLS is in front: configured, or told by a trusted proxy. */
static bool cookie_secure(struct req *req)
{
    const char *proto = cfg.trust_proxy ? req_header(req, "X-Forwarded-Proto") : NULL;
    return cfg.cookie_secure || (proto && !strcasecmp(proto, "https"));
}

static void set_session_cookies(struct req *req, const char *token, const char *csrf,
                                int64_t max_age)
{
    const char *secure = cookie_secure(req) ? "; Secure" : "";
    req_set_cookie(req, arena_printf(&req->arena,
                                     SESSION_COOKIE "=%s; Path=/; Max-Age=%" PRId64
                                                    "; HttpOnly; SameSite=Lax%s",
                                     token, max_age, secure));
    req_set_cookie(req, arena_printf(&req->arena,
                                     CSRF_COOKIE "=%s; Path=/; Max-Age=%" PRId64 "; SameSite=Lax%s",
                                     csrf, max_age, secure));
}

static void account_write_me(struct req *req, struct jw *j, const struct principal *p)
{
    /* One statement: the phone, the member record and its branch. */
    const char *phone = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT a.phone_sealed, m.id, m.name, o.id, o.name, o.level, "
                                  "o.path, m.migrant, m.migrant_place, h.id, h.name FROM accounts "
                                  "a LEFT JOIN members m ON m.id = a.member_id AND m.deleted_at "
                                  "IS NULL LEFT JOIN orgs o ON o.id = m.org_id LEFT JOIN orgs h ON "
                                  "h.id = m.host_org_id WHERE a.id = ?",
                                  "i", p->account_id);
    bool found = db_next(st);
    if (found) {
        size_t n;
        const unsigned char *blob = db_blob(st, 0, &n);
        phone = pdata_open(&req->arena, "phone", blob, n);
    }
    jw_obj_begin(j);
    jw_kv_int(j, "id", p->account_id);
    jw_kv_str(j, "phone", phone);
    jw_kv_str(j, "name", p->name);

    /* Home: the member's branch, else the organisation of the first role. */
    int64_t home = 0;
    const char *home_name = NULL, *home_level = NULL, *home_path = NULL;
    jw_key(j, "member");
    if (found && !db_isnull(st, 1) && !db_isnull(st, 3)) {
        home = db_int(st, 3);
        home_name = arena_strdup(&req->arena, db_text(st, 4));
        home_level = arena_strdup(&req->arena, db_text(st, 5));
        home_path = arena_strdup(&req->arena, db_text(st, 6));
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 1));
        jw_kv_str(j, "name", db_text(st, 2));
        jw_kv_int(j, "orgId", home);
        jw_kv_str(j, "orgName", home_name);
        /* Away from the village: where, and the branch that hosts them there. */
        bool away = db_int(st, 7);
        jw_kv_bool(j, "migrant", away);
        jw_kv_str(j, "migrantPlace", away ? db_text(st, 8) : NULL);
        jw_key(j, "host");
        if (away && !db_isnull(st, 9)) {
            jw_obj_begin(j);
            jw_kv_int(j, "id", db_int(st, 9));
            jw_kv_str(j, "name", db_text(st, 10));
            jw_obj_end(j);
        } else {
            jw_null(j);
        }
        jw_obj_end(j);
    } else {
        jw_null(j);
    }
    db_done(st);

    jw_key(j, "roles");
    jw_arr_begin(j);
    for (size_t i = 0; i < p->nroles; i++) {
        const struct role_grant *g = &p->roles[i];
        jw_obj_begin(j);
        jw_kv_int(j, "id", g->id);
        jw_kv_str(j, "role", role_names[g->role]);
        jw_kv_int(j, "orgId", g->org_id);
        jw_kv_str(j, "orgName", g->org_name);
        jw_kv_str(j, "orgLevel", g->org_level);
        jw_kv_str(j, "orgPath", g->org_path);
        jw_obj_end(j);
    }
    jw_arr_end(j);

    /* can: for each permission the caller has somewhere, the paths of the role
     * organisations whose role grants it (each reaches its subtree); a path once. */
    jw_key(j, "can");
    jw_obj_begin(j);
    for (int perm = PERM_NONE + 1; perm < PERM__COUNT; perm++) {
        unsigned mask = perm_roles((enum perm)perm);
        bool open = false;
        for (size_t i = 0; i < p->nroles; i++) {
            if (!(mask & (1u << p->roles[i].role)))
                continue;
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = (mask & (1u << p->roles[k].role)) &&
                       !strcmp(p->roles[k].org_path, p->roles[i].org_path);
            if (seen)
                continue;
            if (!open) {
                jw_key(j, perm_name((enum perm)perm));
                jw_arr_begin(j);
                open = true;
            }
            jw_str(j, p->roles[i].org_path);
        }
        if (open)
            jw_arr_end(j);
    }
    jw_obj_end(j);

    if (!home && p->nroles) {
        home = p->roles[0].org_id;
        home_name = p->roles[0].org_name;
        home_level = p->roles[0].org_level;
        home_path = p->roles[0].org_path;
    }
    jw_key(j, "home");
    if (home) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", home);
        jw_kv_str(j, "name", home_name);
        jw_kv_str(j, "level", home_level);
        jw_key(j, "path");
        org_write_path(req->db, j, home_path);
        jw_obj_end(j);
    } else {
        jw_null(j);
    }
    jw_key(j, "secondFactor");
    req_valid_until(req, totp_write_me(req->db, j, p));
    jw_obj_end(j);
}

/*
 * POST /api/v1/auth/login {phone, password, code?} -> {token, csrfToken, user}
 * Sets the session and CSRF cookies. An unknown phone and a wrong password
 * get the same answer in the same time (the hash is computed either way).
 * An account with a second factor also needs code (TOTP or an unused
 * recovery code): without one the answer is auth.code_required and no
 * session; a wrong or replayed one is a failed attempt like a wrong password.
 * Errors: auth.bad_credentials, auth.code_required, auth.bad_code,
 * auth.throttled, server.busy (too many sign-ins being checked). Public.
 * Two phases: login_read, login_check (the password, on the slow lane), h_login.
 */
struct login_state {
    /* The attempt window: the phone's, or a trusted device's own. */
    unsigned char window[PDATA_HASH_BYTES];
    int64_t account, home;
    const char *hash, *target;
    bool disabled, trusted;
};

/* The device token a client sent: the cookie, or the header for clients
 * without cookies. */
static const char *device_token(struct req *req)
{
    const char *t = req_cookie(req, DEVICE_COOKIE);
    return t ? t : req_header(req, "X-Device-Token");
}

static int login_read(struct req *req)
{
    struct login_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    unsigned char ph[PDATA_HASH_BYTES];
    pdata_hash("phone", req_body_str(req, "phone"), ph);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, password_hash, disabled_at IS NOT NULL FROM "
                                  "accounts WHERE phone_hash = ?",
                                  "b", ph, sizeof(ph));
    if (db_next(st)) {
        s->account = db_int(st, 0);
        s->hash = db_isnull(st, 1) ? NULL : arena_strdup(&req->arena, db_text(st, 1));
        s->disabled = db_int(st, 2) != 0;
    }
    db_done(st);
    if (s->account) {
        s->home = account_home_org(req->db, s->account);
        s->target = arena_printf(&req->arena, "account:%" PRId64, s->account);
    }
    /* A device this account signed in on before has a window of its own. */
    unsigned char dev[PDATA_HASH_BYTES];
    s->trusted = s->account && device_account(req->db, device_token(req), dev) == s->account;
    memcpy(s->window, s->trusted ? dev : ph, sizeof(s->window));
    if (!attempt_begin(req->db, s->window, &req->attempt_slot)) {
        /* Counted in the window; its audit row is written when it ends. */
        req_throttled_attempt(req, s->window);
        return req_fail(req, ERR_THROTTLED, NULL);
    }
    return 0;
}

/* A failed sign-in is listed in the audit log when it is the first of its
 * window for a phone with an account; the others are counted in the window
 * (login_failures), which housekeeping turns into one row when it ends, so
 * a flood of guesses cannot fill the log (jobs.c, login_windows_close). */
static void login_failed(struct req *req, const char *why)
{
    struct login_state *s = req->state;
    bool first = attempt_failures(req->attempt_slot) == 0;
    req_failed_attempt(req, s->window);
    if (s->account && first)
        req_audit(req, "auth.login", s->home, s->target, "failed", "%s", why);
}

static int login_check(struct req *req)
{
    struct login_state *s = req->state;
    /* Slow on purpose (argon2id); an unknown phone is checked against a dummy hash. */
    if (password_verify(s->hash, req_body_str(req, "password")) && !s->disabled)
        return 0;
    /* Decided here: no write transaction, only the queued rows. */
    login_failed(req, s->disabled ? "account disabled" : "wrong phone or password");
    return req_fail(req, ERR_BAD_CREDENTIALS, NULL);
}

static int h_login(struct req *req)
{
    struct login_state *s = req->state;
    bool via_recovery = false;
    enum totp_login second = totp_login_check(req->db, &req->arena, s->account,
                                              req_body_str(req, "code"), &via_recovery);
    if (second == TOTP_LOGIN_MISSING) {
        req_audit(req, "auth.login", s->home, s->target, "failed", "second-factor code required");
        return req_fail(req, ERR_CODE_REQUIRED, NULL);
    }
    if (second == TOTP_LOGIN_BAD) {
        login_failed(req, "wrong or used second-factor code");
        return req_fail(req, ERR_BAD_CODE, NULL);
    }
    /* The window ends with this sign-in: what it counted goes into its row. */
    int64_t failed = 0;
    db_get_int(req->db, &failed,
               "SELECT failures FROM login_failures WHERE phone_hash = ? AND window_start > ?",
               "bi", s->window, sizeof(s->window), now_sec() - 3600);
    db_exec(req->db, "DELETE FROM login_failures WHERE phone_hash = ?", "b", s->window,
            sizeof(s->window));
    req_attempt_ok(req);
    char device[65] = "";
    if (s->trusted)
        device_touch(req->db, s->window);
    else
        device_trust(req->db, s->account, device);
    struct principal *p = arena_calloc(&req->arena, 1, sizeof(*p));
    p->account_id = s->account;
    p->totp_on = second == TOTP_LOGIN_OK;
    struct db_stmt *st =
        db_query(req->db, "SELECT name, member_id FROM accounts WHERE id = ?", "i", s->account);
    if (db_next(st)) {
        p->name = arena_strdup(&req->arena, db_text(st, 0));
        p->member_id = db_int(st, 1);
    }
    db_done(st);
    principal_load_roles(req->db, &req->arena, p);
    bool admin = false;
    for (size_t i = 0; i < p->nroles; i++)
        admin |= p->roles[i].role != ROLE_MEMBER;
    struct session_new sn;
    session_create(req->db, s->account, admin, &sn);
    req->who = p;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_str(j, "token", sn.token);
    jw_kv_str(j, "csrfToken", sn.csrf);
    if (device[0])
        jw_kv_str(j, "deviceToken", device);
    jw_key(j, "user");
    account_write_me(req, j, p);
    jw_obj_end(j);
    set_session_cookies(req, sn.token, sn.csrf, sn.max_age); /* sent only if it commits */
    if (device[0])
        req_set_cookie(req, arena_printf(&req->arena,
                                         DEVICE_COOKIE "=%s; Path=/api/v1/auth; Max-Age=%d; "
                                                       "HttpOnly; SameSite=Strict%s",
                                         device, DEVICE_TRUST_DAYS * 86400,
                                         cookie_secure(req) ? "; Secure" : ""));
    const char *how = via_recovery              ? "with a recovery code"
                      : second == TOTP_LOGIN_OK ? "with TOTP"
                                                : NULL;
    if (failed)
        req_audit(req, "auth.login", s->home, s->target, "ok",
                  "%s%safter %" PRId64 " failed attempt%s this hour", how ? how : "",
                  how ? ", " : "", failed, failed == 1 ? "" : "s");
    else if (how)
        req_audit(req, "auth.login", s->home, s->target, "ok", "%s", how);
    else
        req_audit(req, "auth.login", s->home, s->target, "ok", NULL);
    return 200;
}

/*
 * POST /api/v1/auth/logout -> {}
 * Ends the session used for this request and clears the cookies. Login.
 */
static int h_logout(struct req *req)
{
    auth_changed(req->db);
    db_exec(req->db, "UPDATE sessions SET revoked_at = ? WHERE id = ?", "ii", now_sec(),
            req->who->session_id);
    req_set_cookie(req, SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    req_set_cookie(req, CSRF_COOKIE "=; Path=/; Max-Age=0; SameSite=Lax");
    req_audit(req, "auth.logout", account_home_org(req->db, req->who->account_id),
              arena_printf(&req->arena, "account:%" PRId64, req->who->account_id), "ok", NULL);
    return 200;
}

/*
 * GET /api/v1/me -> the account, its member record, roles and home organisation.
 * Cached per account until a write or a change of sessions and roles. Login.
 */
static int h_me(struct req *req)
{
    account_write_me(req, req_data(req), req->who);
    return 200;
}

/*
 * POST /api/v1/me/password {oldPassword, newPassword} -> {}
 * Checks the old password (throttled like logins), stores the new one and
 * ends the account's other sessions. Errors: auth.bad_credentials,
 * auth.throttled, request.invalid, server.busy. Login.
 * Two phases: password_read, password_check (both hashes, on the slow lane),
 * h_password.
 */
struct password_state {
    unsigned char ph[PDATA_HASH_BYTES];
    int64_t home;
    const char *hash, *target;
    char new_hash[128];
};

static int password_read(struct req *req)
{
    struct password_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    int64_t id = req->who->account_id;
    bool found = false;
    struct db_stmt *st =
        db_query(req->db, "SELECT phone_hash, password_hash FROM accounts WHERE id = ?", "i", id);
    if (db_next(st)) {
        size_t n;
        const void *h = db_blob(st, 0, &n);
        found = n == sizeof(s->ph);
        if (found)
            memcpy(s->ph, h, n);
        s->hash = db_isnull(st, 1) ? NULL : arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!found)
        return req_fail(req, ERR_AUTH_REQUIRED, NULL);
    s->home = account_home_org(req->db, id);
    s->target = arena_printf(&req->arena, "account:%" PRId64, id);
    if (!attempt_begin(req->db, s->ph, &req->attempt_slot))
        return req_fail(req, ERR_THROTTLED, NULL);
    return 0;
}

static int password_check(struct req *req)
{
    struct password_state *s = req->state;
    if (!password_verify(s->hash, req_body_str(req, "oldPassword"))) {
        req_failed_attempt(req, s->ph);
        req_audit(req, "account.password", s->home, s->target, "failed", "wrong old password");
        return req_fail(req, ERR_BAD_CREDENTIALS, "the old password is wrong");
    }
    if (!password_hash(req_body_str(req, "newPassword"), s->new_hash))
        return req_fail(req, ERR_INTERNAL, "cannot hash the new password");
    return 0;
}

static int h_password(struct req *req)
{
    struct password_state *s = req->state;
    int64_t id = req->who->account_id;
    account_set_password_hash(req->db, id, s->new_hash);
    session_revoke_all(req->db, id, req->who->session_id);
    device_forget_all(req->db, id); /* whoever had the old password signs in afresh */
    req_audit(req, "account.password", s->home, s->target, "ok", "other sessions ended");
    return 200;
}

const struct route account_routes[] = {
    {"POST", "/api/v1/auth/login", h_login, SCOPE_PUBLIC, PERM_NONE, NULL, NULL, login_body,
     ROUTE_NO_IDEM, .prepare = login_read, .outside = login_check},
    {"POST", "/api/v1/auth/logout", h_logout, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL,
     ROUTE_ENROL},
    {"GET", "/api/v1/me", h_me, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL,
     ROUTE_ENROL | ROUTE_CACHE_MINE},
    {"POST", "/api/v1/me/password", h_password, SCOPE_LOGIN, PERM_NONE, NULL, NULL, password_body,
     ROUTE_ENROL, .prepare = password_read, .outside = password_check},
    {NULL},
};
