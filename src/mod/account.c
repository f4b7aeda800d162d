/*
 * account.c - login, logout, the caller's own account, password change.
 */
#include "app.h"
#include "core/roster.h"
#include "core/sms.h"
#include "mod/access.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "mod/second_factor.h"
#include "routes.h"

#include <sodium.h>
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

/*
 * Signs the account in, in the write transaction, once its first factor
 * (password, SMS code, activation code) was right: the second factor when
 * the account has one, then the session, the trusted device, the cookies
 * and the answer {token, csrfToken, deviceToken?, user}; totp is the
 * second-factor code sent (NULL: none). window is the
 * attempt window a wrong second-factor code counts in; trusted: the request
 * came from a device the account trusts (window is then its key). how says
 * in the audit row what the first factor was (NULL: the password).
 */
static int sign_in(struct req *req, int64_t account, int64_t home, const char *target,
                   const unsigned char *window, bool trusted, const char *how, const char *totp)
{
    bool via_recovery = false;
    enum totp_login second = totp_login_check(req->db, &req->arena, account, totp, &via_recovery);
    if (second == TOTP_LOGIN_MISSING) {
        req_audit(req, "auth.login", home, target, "failed", "second-factor code required");
        return req_fail(req, ERR_CODE_REQUIRED, NULL);
    }
    if (second == TOTP_LOGIN_BAD) {
        /* Listed when it is the first of the window's failures (login_failed). */
        bool first = attempt_failures(req->attempt_slot) == 0;
        req_failed_attempt(req, window);
        if (first)
            req_audit(req, "auth.login", home, target, "failed",
                      "wrong or used second-factor code");
        return req_fail(req, ERR_BAD_CODE, NULL);
    }
    /* The window ends with this sign-in: what it counted goes into its row. */
    int64_t failed = 0;
    db_get_int(req->db, &failed,
               "SELECT failures FROM login_failures WHERE phone_hash = ? AND window_start > ?",
               "bi", window, (size_t)PDATA_HASH_BYTES, now_sec() - 3600);
    db_exec(req->db, "DELETE FROM login_failures WHERE phone_hash = ?", "b", window,
            (size_t)PDATA_HASH_BYTES);
    req_attempt_ok(req);
    char device[65] = "";
    if (trusted)
        device_touch(req->db, window);
    else
        device_trust(req->db, account, device);
    struct principal *p = arena_calloc(&req->arena, 1, sizeof(*p));
    p->account_id = account;
    p->totp_on = second == TOTP_LOGIN_OK;
    struct db_stmt *st =
        db_query(req->db, "SELECT name, member_id FROM accounts WHERE id = ?", "i", account);
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
    session_create(req->db, account, admin, &sn);
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
    const char *second_how = via_recovery              ? "with a recovery code"
                             : second == TOTP_LOGIN_OK ? "with TOTP"
                                                       : NULL;
    const char *detail = how && second_how ? arena_printf(&req->arena, "%s, %s", how, second_how)
                         : how             ? how
                                           : second_how;
    if (failed)
        detail =
            arena_printf(&req->arena, "%s%safter %" PRId64 " failed attempt%s this hour",
                         detail ? detail : "", detail ? ", " : "", failed, failed == 1 ? "" : "s");
    if (detail)
        req_audit(req, "auth.login", home, target, "ok", "%s", detail);
    else
        req_audit(req, "auth.login", home, target, "ok", NULL);
    return 200;
}

static int h_login(struct req *req)
{
    struct login_state *s = req->state;
    return sign_in(req, s->account, s->home, s->target, s->window, s->trusted, NULL,
                   req_body_str(req, "code"));
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
    org_counts_account(req->db, id, -1); /* a first password activates (access figures) */
    account_set_password_hash(req->db, id, s->new_hash);
    org_counts_account(req->db, id, +1);
    session_revoke_all(req->db, id, req->who->session_id);
    device_forget_all(req->db, id); /* whoever had the old password signs in afresh */
    req_audit(req, "account.password", s->home, s->target, "ok", "other sessions ended");
    return 200;
}

/* ---- codes by SMS: signing in, a new password ---- */

static const char *const sms_purposes[] = {"login", "reset", NULL};

static const struct param sms_code_body[] = {
    {"phone", P_PHONE, P_REQUIRED},
    {"purpose", P_ENUM, 0, 0, 0, sms_purposes},
    {NULL},
};

/* Requests of SMS codes for key (a phone's or a source's) since t, and the last one's time. */
static int64_t sms_requests(struct db *db, const unsigned char *key, int64_t since, int64_t *last)
{
    int64_t n = 0;
    *last = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM sms_code_requests "
                                  "WHERE key = ? AND at > ?",
                                  "bi", key, (size_t)PDATA_HASH_BYTES, since);
    if (db_next(st)) {
        n = db_int(st, 0);
        *last = db_int(st, 1);
    }
    db_done(st);
    return n;
}

/* The keyed hash of an SMS code: bound to its account, so equal codes of two
 * accounts differ. */
static void sms_code_hash(struct arena *a, int64_t account, const char *code,
                          unsigned char out[PDATA_HASH_BYTES])
{
    pdata_hash("sms.code", arena_printf(a, "%" PRId64 ":%s", account, code), out);
}

/*
 * POST /api/v1/auth/sms-code {phone, purpose?: login|reset} -> {sent: true,
 * expiresIn}
 * Sends a six-digit code to the phone if an activated account that is not
 * disabled signs in with it; the answer is the same, in about the same
 * time, for any other number. At most one code a minute and five an hour
 * per phone, thirty an hour per source address, known phones or not; a new
 * code replaces the phone's open one. Codes are stored hashed. Errors:
 * auth.throttled. Public.
 */
static int h_sms_code(struct req *req)
{
    const char *phone = req_body_str(req, "phone");
    const char *purpose = req_body_str(req, "purpose") ? req_body_str(req, "purpose") : "login";
    unsigned char ph[PDATA_HASH_BYTES], src[PDATA_HASH_BYTES];
    pdata_hash("phone", phone, ph);
    pdata_hash("sms.source", req->ip ? req->ip : "", src);
    int64_t now = now_sec(), last, src_last;
    int64_t n = sms_requests(req->db, ph, now - 3600, &last);
    if (sms_requests(req->db, src, now - 3600, &src_last) >= cfg.login_codes_per_source_hour ||
        n >= cfg.login_codes_per_phone_hour || (last && last > now - cfg.login_code_gap_s))
        return req_fail(req, ERR_THROTTLED, NULL);
    db_exec(req->db, "INSERT INTO sms_code_requests (key, at) VALUES (?, ?), (?, ?)", "bibi", ph,
            sizeof(ph), now, src, sizeof(src), now);
    /* Drawn and hashed for every number, so known and unknown ones cost alike. */
    char code[SMS_CODE_DIGITS + 1];
    for (int i = 0; i < SMS_CODE_DIGITS; i++)
        code[i] = (char)('0' + randombytes_uniform(10));
    code[SMS_CODE_DIGITS] = '\0';
    int64_t account = 0, member = 0;
    db_get_int(req->db, &account,
               "SELECT id FROM accounts WHERE phone_hash = ? AND disabled_at IS NULL AND "
               "activated_at IS NOT NULL",
               "b", ph, sizeof(ph));
    unsigned char h[PDATA_HASH_BYTES];
    sms_code_hash(&req->arena, account, code, h);
    if (account) {
        db_get_int(req->db, &member, "SELECT COALESCE(member_id, 0) FROM accounts WHERE id = ?",
                   "i", account);
        db_exec(req->db,
                "UPDATE sms_codes SET expires_at = ? WHERE account_id = ? AND purpose = ? AND "
                "used_at IS NULL AND expires_at > ?",
                "iisi", now, account, purpose, now);
        db_exec(req->db,
                "INSERT INTO sms_codes (account_id, purpose, code_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                "isbii", account, purpose, h, sizeof(h), now, now + cfg.login_code_minutes * 60LL);
        int64_t home = account_home_org(req->db, account);
        const char *why = NULL;
        struct sms_msg msg = {
            .kind = SMS_LOGIN_CODE,
            .phone = phone,
            .account_id = account,
            .member_id = member,
            .org_id = home,
            .vars = {code, arena_printf(&req->arena, "%d", cfg.login_code_minutes)},
            .dedupe = arena_printf(&req->arena, "sms-code:%" PRId64, db_last_id(req->db)),
        };
        int rc = sms_enqueue(req->db, &msg, &why);
        req_audit(req, "auth.sms_code", home,
                  arena_printf(&req->arena, "account:%" PRId64, account), rc < 0 ? "failed" : "ok",
                  "%s%s%s", purpose, rc < 0 ? ": " : "", rc < 0 && why ? why : "");
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "sent", true);
    jw_kv_int(j, "expiresIn", cfg.login_code_minutes * 60LL);
    jw_obj_end(j);
    return 200;
}

/* An SMS code being checked: its account, and the windows a wrong one counts in. */
struct sms_check {
    unsigned char ph[PDATA_HASH_BYTES], src[PDATA_HASH_BYTES];
    int64_t account, home, code_id;
    const char *target;
    char new_hash[128];
};

/* Keeps a wrong try against the code (queued: it stays although the answer is an error). */
static int sms_code_failed(struct req *req, void *arg)
{
    db_exec(req->db, "UPDATE sms_codes SET failures = failures + 1 WHERE id = ?", "i",
            *(int64_t *)arg);
    return 0;
}

/* Whether the source has used up its hour of wrong codes. */
static bool source_throttled(struct db *db, const unsigned char *src)
{
    int64_t n = 0;
    db_get_int(db, &n,
               "SELECT failures FROM login_failures WHERE phone_hash = ? AND window_start > ?",
               "bi", src, (size_t)PDATA_HASH_BYTES, now_sec() - 3600);
    return n >= cfg.login_max_failures;
}

/*
 * Checks body phone and smsCode against the phone's open code of purpose,
 * filling c. The phone's attempt window (shared with passwords) and the
 * source's limit throttle it; a wrong code counts in both and against the
 * code, which dies after cfg.login_code_tries. Returns 0 when right, else the
 * error status: auth.throttled, auth.bad_sms_code (also for an unknown or
 * disabled account, and an expired or used code).
 */
static int sms_check(struct req *req, const char *purpose, struct sms_check *c)
{
    pdata_hash("phone", req_body_str(req, "phone"), c->ph);
    pdata_hash("sms.source", req->ip ? req->ip : "", c->src);
    int64_t now = now_sec();
    db_get_int(req->db, &c->account,
               "SELECT id FROM accounts WHERE phone_hash = ? AND disabled_at IS NULL", "b", c->ph,
               sizeof(c->ph));
    if (c->account) {
        c->home = account_home_org(req->db, c->account);
        c->target = arena_printf(&req->arena, "account:%" PRId64, c->account);
    }
    if (source_throttled(req->db, c->src) || !attempt_begin(req->db, c->ph, &req->attempt_slot)) {
        /* Counted in the window, not listed one by one (jobs.c, login_windows_close). */
        req_throttled_attempt(req, c->ph);
        return req_fail(req, ERR_THROTTLED, NULL);
    }
    unsigned char want[PDATA_HASH_BYTES] = {0}, got[PDATA_HASH_BYTES];
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, code_hash FROM sms_codes WHERE account_id = ? AND "
                                  "purpose = ? AND used_at IS NULL AND expires_at > ? AND "
                                  "failures < ? ORDER BY id DESC LIMIT 1",
                                  "isii", c->account, purpose, now, (int64_t)cfg.login_code_tries);
    if (db_next(st)) {
        size_t n;
        const void *blob = db_blob(st, 1, &n);
        if (n == sizeof(want)) {
            memcpy(want, blob, n);
            c->code_id = db_int(st, 0);
        }
    }
    db_done(st);
    sms_code_hash(&req->arena, c->account, req_body_str(req, "smsCode"), got);
    if (c->code_id && !sodium_memcmp(want, got, sizeof(got)))
        return 0;
    bool first = attempt_failures(req->attempt_slot) == 0;
    req_failed_attempt(req, c->ph);
    req_failed_attempt(req, c->src);
    if (c->code_id) {
        int64_t *id = arena_alloc(&req->arena, sizeof(*id));
        *id = c->code_id;
        req_keep(req, sms_code_failed, id);
    }
    if (c->account && first) /* the others of the hour are counted in its window */
        req_audit(req, "auth.sms_check", c->home, c->target, "failed", "%s: wrong or expired code",
                  purpose);
    return req_fail(req, ERR_BAD_SMS_CODE, NULL);
}

/* Marks the checked code used; false if another request used it first. */
static bool sms_code_use(struct req *req, const struct sms_check *c)
{
    db_exec(req->db, "UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", "ii",
            now_sec(), c->code_id);
    return db_changes(req->db) == 1;
}

static const struct param sms_login_body[] = {
    {"phone", P_PHONE, P_REQUIRED},
    {"smsCode", P_STR, P_REQUIRED, 1, 16},
    {"code", P_STR, 0, 1, 32}, /* the second factor, as for the password */
    {NULL},
};

/*
 * POST /api/v1/auth/sms-login {phone, smsCode, code?} -> {token, csrfToken,
 * deviceToken?, user}
 * Signs in with the code POST /auth/sms-code sent (purpose login), as a
 * password login does: the same session, cookies, trusted device, and the
 * second factor (code) for an account that has one. Errors:
 * auth.bad_sms_code, auth.throttled, auth.code_required, auth.bad_code.
 * Public.
 */
static int h_sms_login(struct req *req)
{
    struct sms_check c = {0};
    int rc = sms_check(req, "login", &c);
    if (rc)
        return rc;
    if (!sms_code_use(req, &c))
        return req_fail(req, ERR_BAD_SMS_CODE, NULL);
    return sign_in(req, c.account, c.home, c.target, c.ph, false, "by SMS code",
                   req_body_str(req, "code"));
}

static const struct param reset_body[] = {
    {"phone", P_PHONE, P_REQUIRED},
    {"smsCode", P_STR, P_REQUIRED, 1, 16},
    {"newPassword", P_PASSWORD, P_REQUIRED},
    {NULL},
};

/*
 * POST /api/v1/auth/reset-password {phone, smsCode, newPassword} -> {}
 * A forgotten password: the code POST /auth/sms-code sent (purpose reset)
 * lets the member set a new one; every session of the account ends and its
 * devices are trusted no more. It does not sign in (the second factor stays
 * asked at the next sign-in). Errors: auth.bad_sms_code, auth.throttled,
 * request.invalid, server.busy. Public.
 * Two phases: reset_read (the code), reset_hash (on the slow lane), h_reset.
 */
static int reset_read(struct req *req)
{
    struct sms_check *c = arena_calloc(&req->arena, 1, sizeof(*c));
    req->state = c;
    return sms_check(req, "reset", c);
}

static int reset_hash(struct req *req)
{
    struct sms_check *c = req->state;
    if (!password_hash(req_body_str(req, "newPassword"), c->new_hash))
        return req_fail(req, ERR_INTERNAL, "cannot hash the new password");
    return 0;
}

static int h_reset(struct req *req)
{
    struct sms_check *c = req->state;
    if (!sms_code_use(req, c))
        return req_fail(req, ERR_BAD_SMS_CODE, NULL);
    org_counts_account(req->db, c->account, -1); /* a first password activates */
    account_set_password_hash(req->db, c->account, c->new_hash);
    org_counts_account(req->db, c->account, +1);
    session_revoke_all(req->db, c->account, 0);
    device_forget_all(req->db, c->account);
    db_exec(req->db, "DELETE FROM login_failures WHERE phone_hash = ?", "b", c->ph, sizeof(c->ph));
    req_attempt_ok(req);
    req_audit(req, "account.password", c->home, c->target, "ok",
              "new password by SMS code; sessions ended");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_obj_end(j);
    return 200;
}

/* ---- activation ---- */

static const struct param activate_body[] = {
    {"code", P_STR, P_REQUIRED, 1, 32}, /* the activation code, spaces and dashes allowed */
    {"phone", P_PHONE},                 /* only when the record has none */
    {"password", P_PASSWORD},           /* absent: sign in by SMS code only */
    {"totp", P_STR, 0, 1, 32},          /* an account that has a second factor */
    {NULL},
};

struct activate_state {
    unsigned char src[PDATA_HASH_BYTES], ph[PDATA_HASH_BYTES];
    int64_t code_id, account, home;
    const char *target;
    bool needs_phone;
    char new_hash[128];
};

static int activation_failed(struct req *req, void *arg)
{
    db_exec(req->db, "UPDATE activation_codes SET attempts = attempts + 1 WHERE id = ?", "i",
            *(int64_t *)arg);
    return 0;
}

static int activate_read(struct req *req)
{
    struct activate_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    pdata_hash("activation.source", req->ip ? req->ip : "", s->src);
    if (!attempt_begin(req->db, s->src, &req->attempt_slot))
        return req_fail(req, ERR_THROTTLED, NULL);
    unsigned char h[PDATA_HASH_BYTES];
    if (activation_code_hash(req_body_str(req, "code"), h)) {
        struct db_stmt *st = db_query(
            req->db,
            "SELECT c.id, a.id, a.phone_tail = '', a.phone_hash FROM activation_codes c JOIN "
            "accounts a ON a.id = c.account_id LEFT JOIN members m ON m.id = a.member_id WHERE "
            "c.code_hash = ? AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > ? "
            "AND c.attempts < ? AND a.disabled_at IS NULL AND (m.id IS NULL OR (m.deleted_at IS "
            "NULL AND m.status IN " ROSTER_STATUSES "))",
            "bii", h, sizeof(h), now_sec(), (int64_t)cfg.activation_code_tries);
        if (db_next(st)) {
            s->code_id = db_int(st, 0);
            s->account = db_int(st, 1);
            s->needs_phone = db_int(st, 2) != 0;
            size_t n;
            const void *blob = db_blob(st, 3, &n);
            if (n == sizeof(s->ph))
                memcpy(s->ph, blob, n);
        }
        db_done(st);
    }
    if (!s->code_id) {
        bool first = attempt_failures(req->attempt_slot) == 0;
        req_failed_attempt(req, s->src);
        if (first) /* the others of the hour are counted in the address's window */
            req_audit(req, "access.activate", 0, NULL, "failed", "unknown, used or expired code");
        return req_fail(req, ERR_ACTIVATION_BAD_CODE, NULL);
    }
    s->home = account_home_org(req->db, s->account);
    s->target = arena_printf(&req->arena, "account:%" PRId64, s->account);
    if (s->needs_phone && !req_body_str(req, "phone"))
        return req_fail_field(req, ERR_ACTIVATION_PHONE_REQUIRED, "phone", NULL);
    return 0;
}

static int activate_hash(struct req *req)
{
    struct activate_state *s = req->state;
    const char *pw = req_body_str(req, "password");
    if (pw && !password_hash(pw, s->new_hash))
        return req_fail(req, ERR_INTERNAL, "cannot hash the password");
    return 0;
}

/*
 * POST /api/v1/auth/activate {code, phone?, password?, totp?} -> {token,
 * csrfToken, deviceToken?, user}
 * A member activates their account with the one-time code of a slip or an
 * SMS: sets a password (or, without one, chooses to sign in by SMS code
 * only) and is signed in. phone is asked only when the record has none (the
 * account then signs in with it). The code is used up; the account's other
 * sessions end (a re-issued code: the lost phone is signed out). Throttled
 * per source address; a code dies after a few failed uses. Unknown, used,
 * replaced, expired codes and codes of disabled accounts or members off the
 * roster all answer activation.bad_code. Errors: activation.bad_code,
 * activation.phone_required, activation.phone_taken, auth.throttled,
 * auth.code_required, auth.bad_code, request.invalid, server.busy. Public.
 * Two phases: activate_read (the code), activate_hash (the password, on
 * the slow lane), h_activate.
 */
static int h_activate(struct req *req)
{
    struct activate_state *s = req->state;
    const char *phone = req_body_str(req, "phone");
    db_exec(req->db,
            "UPDATE activation_codes SET used_at = ? WHERE id = ? AND used_at IS NULL AND "
            "revoked_at IS NULL",
            "ii", now_sec(), s->code_id);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_ACTIVATION_BAD_CODE, NULL);
    if (s->needs_phone) {
        if (!access_account_phone(req->db, &req->arena, s->account, phone)) {
            int64_t *id = arena_alloc(&req->arena, sizeof(*id));
            *id = s->code_id;
            req_keep(req, activation_failed, id);
            return req_fail_field(req, ERR_ACTIVATION_PHONE_TAKEN, "phone", NULL);
        }
        pdata_hash("phone", phone, s->ph);
    }
    org_counts_account(req->db, s->account, -1); /* activated: counted anew */
    if (req_body_str(req, "password")) {
        account_set_password_hash(req->db, s->account, s->new_hash);
    } else {
        int64_t now = now_sec();
        auth_changed(req->db);
        db_exec(req->db,
                "UPDATE accounts SET password_hash = NULL, sms_only = 1, activated_at = "
                "COALESCE(activated_at, ?), updated_at = ?, seq = ? WHERE id = ?",
                "iiii", now, now, db_next_seq(req->db), s->account);
    }
    org_counts_account(req->db, s->account, +1);
    session_revoke_all(req->db, s->account, 0);
    device_forget_all(req->db, s->account);
    req_audit(req, "access.activate", s->home, s->target, "ok", "%s",
              req_body_str(req, "password") ? "with a password" : "SMS sign-in only");
    int rc = sign_in(req, s->account, s->home, s->target, s->ph, false, "by activation code",
                     req_body_str(req, "totp"));
    /* The source's window counts failed codes: one right code does not clear it. */
    req->attempt_outcome = ATTEMPT_UNDECIDED;
    return rc;
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
    {"POST", "/api/v1/auth/sms-code", h_sms_code, SCOPE_PUBLIC, PERM_NONE, NULL, NULL,
     sms_code_body, ROUTE_NO_IDEM},
    {"POST", "/api/v1/auth/sms-login", h_sms_login, SCOPE_PUBLIC, PERM_NONE, NULL, NULL,
     sms_login_body, ROUTE_NO_IDEM},
    {"POST", "/api/v1/auth/reset-password", h_reset, SCOPE_PUBLIC, PERM_NONE, NULL, NULL,
     reset_body, ROUTE_NO_IDEM, .prepare = reset_read, .outside = reset_hash},
    {"POST", "/api/v1/auth/activate", h_activate, SCOPE_PUBLIC, PERM_NONE, NULL, NULL,
     activate_body, ROUTE_NO_IDEM, .prepare = activate_read, .outside = activate_hash},
    {NULL},
};
