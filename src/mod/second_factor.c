/*
 * second_factor.c - the TOTP second factor of an account (security check #10):
 * enrolment with a QR code, confirmation with the first code, recovery
 * codes, disabling; the check login makes (totp_login_check).
 *
 * The secret is sealed with the personal-data key (pdata.h); the recovery
 * codes are kept as keyed hashes. A code's 30 s step is stored when it is
 * accepted and never accepted again (replay). Every wrong code counts as a
 * failed login attempt of the account's phone, in the same hourly window as
 * wrong passwords (attempt_begin, core/auth.h), so codes cannot be
 * guessed faster than passwords. An admin role without TOTP under admin_second_factor = required
 * may only call the routes marked ROUTE_ENROL (http.c).
 */
#include "app.h"
#include "core/otp.h"
#include "mod/second_factor.h"
#include "routes.h"

#define TOTP_ISSUER "zhibu"

static const struct param confirm_body[] = {
    {"code", P_STR, P_REQUIRED, 1, 32},
    {NULL},
};

static const struct param disable_body[] = {
    {"password", P_STR, P_REQUIRED, 1, 128},
    {"code", P_STR, P_REQUIRED, 1, 32},
    {NULL},
};

/* The account's secret (arena, base32), whether it is active, and the newest
 * step used; NULL if it has none (or it cannot be opened). */
static const char *secret_load(struct db *db, struct arena *a, int64_t account, bool *active,
                               int64_t *last_step)
{
    const char *secret = NULL;
    struct db_stmt *st = db_query(db,
                                  "SELECT secret_sealed, active_at IS NOT NULL, last_step FROM "
                                  "totp_secrets WHERE account_id = ?",
                                  "i", account);
    if (db_next(st)) {
        size_t n;
        const unsigned char *blob = db_blob(st, 0, &n);
        secret = pdata_open(a, "totp", blob, n);
        *active = db_int(st, 1) != 0;
        *last_step = db_int(st, 2);
    }
    db_done(st);
    return secret;
}

/* Stores n fresh recovery codes (replacing the old ones) and writes them as a
 * JSON array. In the current write transaction. */
static void recovery_renew(struct db *db, struct jw *j, int64_t account)
{
    int64_t now = now_sec();
    db_next_seq(db); /* retires cached /me answers (recoveryCodesLeft) */
    db_exec(db, "DELETE FROM totp_recovery WHERE account_id = ?", "i", account);
    jw_arr_begin(j);
    for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
        char code[TOTP_RECOVERY_LEN + 1];
        unsigned char h[PDATA_HASH_BYTES];
        totp_recovery_new(code);
        pdata_hash("totp-recovery", code, h);
        db_exec(db,
                "INSERT INTO totp_recovery (account_id, code_hash, created_at) VALUES (?, ?, ?)",
                "ibi", account, h, sizeof(h), now);
        jw_str(j, code);
    }
    jw_arr_end(j);
}

/* Marks an unused recovery code of the account used; false if it is none. */
static bool recovery_use(struct db *db, int64_t account, const char *typed)
{
    char code[TOTP_RECOVERY_LEN + 1];
    if (!totp_recovery_normalize(typed, code))
        return false;
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("totp-recovery", code, h);
    db_exec(db,
            "UPDATE totp_recovery SET used_at = ? WHERE account_id = ? AND code_hash = ? AND "
            "used_at IS NULL",
            "iib", now_sec(), account, h, sizeof(h));
    if (db_changes(db) != 1)
        return false;
    db_next_seq(db); /* retires cached /me answers (recoveryCodesLeft) */
    return true;
}

/*
 * Checks a code of the account's active second factor in the current write
 * transaction and consumes it: a TOTP code's step is stored (never accepted
 * again); with allow_recovery a recovery code is marked used
 * (*via_recovery). False for a wrong, used or malformed code.
 */
static bool code_accept(struct db *db, struct arena *a, int64_t account, const char *code,
                        bool allow_recovery, bool *via_recovery)
{
    bool active = false;
    int64_t last = 0;
    *via_recovery = false;
    const char *secret = secret_load(db, a, account, &active, &last);
    if (!secret || !active || !code)
        return false;
    int64_t step = totp_check(secret, code, now_sec(), last);
    if (step) {
        db_exec(db, "UPDATE totp_secrets SET last_step = ?, updated_at = ? WHERE account_id = ?",
                "iii", step, now_sec(), account);
        return true;
    }
    if (allow_recovery && recovery_use(db, account, code)) {
        *via_recovery = true;
        return true;
    }
    return false;
}

enum totp_login totp_login_check(struct db *db, struct arena *a, int64_t account, const char *code,
                                 bool *via_recovery)
{
    *via_recovery = false;
    int64_t on = 0;
    db_get_int(db, &on, "SELECT 1 FROM totp_secrets WHERE account_id = ? AND active_at IS NOT NULL",
               "i", account);
    if (!on)
        return TOTP_LOGIN_OFF;
    if (!code || !*code)
        return TOTP_LOGIN_MISSING;
    return code_accept(db, a, account, code, true, via_recovery) ? TOTP_LOGIN_OK : TOTP_LOGIN_BAD;
}

int64_t totp_write_me(struct db *db, struct jw *j, const struct principal *p)
{
    bool enabled = false, pending = false;
    int64_t left = 0;
    struct db_stmt *st =
        db_query(db,
                 "SELECT active_at IS NOT NULL, (SELECT COUNT(*) FROM totp_recovery r WHERE "
                 "r.account_id = t.account_id AND r.used_at IS NULL) FROM totp_secrets t WHERE "
                 "t.account_id = ?",
                 "i", p->account_id);
    if (db_next(st)) {
        enabled = db_int(st, 0) != 0;
        pending = !enabled;
        left = db_int(st, 1);
    }
    db_done(st);
    bool required = cfg.second_factor_required && principal_second_factor_role(p);
    int64_t by = required && !enabled ? principal_enrol_by(p) : 0;
    jw_obj_begin(j);
    jw_kv_bool(j, "enabled", enabled);
    jw_kv_bool(j, "pending", pending);
    jw_kv_bool(j, "required", required);
    jw_kv_bool(j, "enrolRequired", by && now_sec() >= by);
    jw_kv_time(j, "enrolBy", by);
    jw_kv_int(j, "recoveryCodesLeft", enabled ? left : 0);
    jw_obj_end(j);
    return by > now_sec() ? by : 0;
}

/* The account's phone hash (for the failed-attempt window); false if gone. */
static bool phone_hash_of(struct db *db, int64_t account, unsigned char out[PDATA_HASH_BYTES])
{
    bool found = false;
    struct db_stmt *st = db_query(db, "SELECT phone_hash FROM accounts WHERE id = ?", "i", account);
    if (db_next(st)) {
        size_t n;
        const void *h = db_blob(st, 0, &n);
        found = n == PDATA_HASH_BYTES;
        if (found)
            memcpy(out, h, n);
    }
    db_done(st);
    return found;
}

static const char *account_target(struct req *req)
{
    return arena_printf(&req->arena, "account:%" PRId64, req->who->account_id);
}

/*
 * POST /api/v1/me/totp {} -> {secret, uri, qrSvg, digits, period}
 * Starts (or restarts) an enrolment: a fresh secret, not active until
 * confirmed. qrSvg is an SVG document of the otpauth:// URI. Never stored for
 * Idempotency-Key replays (the secret is in it).
 * Errors: totp.active. Login; open to a session that owes a second factor.
 */
static int h_start(struct req *req)
{
    int64_t id = req->who->account_id;
    int64_t active = 0;
    db_get_int(req->db, &active,
               "SELECT 1 FROM totp_secrets WHERE account_id = ? AND active_at IS NOT NULL", "i",
               id);
    if (active)
        return req_fail(req, ERR_TOTP_ACTIVE, NULL);
    const char *tail = "";
    struct db_stmt *st = db_query(req->db, "SELECT phone_tail FROM accounts WHERE id = ?", "i", id);
    if (db_next(st))
        tail = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);

    char secret[TOTP_SECRET_B32 + 1];
    totp_secret_new(secret);
    size_t sealed_len;
    unsigned char *sealed = pdata_seal(&req->arena, "totp", secret, &sealed_len);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO totp_secrets (account_id, secret_sealed, active_at, last_step, "
            "created_at, updated_at) VALUES (?, ?, NULL, 0, ?, ?) ON CONFLICT (account_id) DO "
            "UPDATE SET secret_sealed = excluded.secret_sealed, active_at = NULL, last_step = 0, "
            "updated_at = excluded.updated_at",
            "ibii", id, sealed, sealed_len, now, now);
    db_next_seq(req->db); /* retires cached /me answers (pending) */
    const char *label = arena_printf(&req->arena, "%s %s", req->who->name, tail);
    const char *uri = totp_uri(&req->arena, TOTP_ISSUER, label, secret);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_str(j, "secret", secret);
    jw_kv_str(j, "uri", uri);
    jw_kv_str(j, "qrSvg", totp_qr_svg(&req->arena, uri));
    jw_kv_int(j, "digits", TOTP_DIGITS);
    jw_kv_int(j, "period", TOTP_STEP);
    jw_obj_end(j);
    req_audit(req, "account.totp", account_home_org(req->db, id), account_target(req), "ok",
              "enrolment started");
    return 200;
}

/* The caller's phone hash, and one attempt in its hourly window
 * (attempt_begin). 0 to go on, else an error status. */
static int attempt_admit(struct req *req, unsigned char ph[PDATA_HASH_BYTES])
{
    if (!phone_hash_of(req->db, req->who->account_id, ph))
        return req_fail(req, ERR_AUTH_REQUIRED, NULL);
    if (!attempt_begin(req->db, ph, &req->attempt_slot))
        return req_fail(req, ERR_THROTTLED, NULL);
    return 0;
}

/* A wrong code: a failed attempt (kept although the answer is an error). */
static int bad_code(struct req *req, const unsigned char *ph, const char *what)
{
    req_failed_attempt(req, ph);
    req_audit(req, "account.totp", account_home_org(req->db, req->who->account_id),
              account_target(req), "failed", "%s: wrong code", what);
    return req_fail_field(req, ERR_TOTP_INVALID_CODE, "code", NULL);
}

/* Answers {recoveryCodes: [...]} with a fresh set for the caller; audited as what. */
static int recovery_answer(struct req *req, const char *what)
{
    int64_t id = req->who->account_id;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "recoveryCodes");
    recovery_renew(req->db, j, id);
    jw_obj_end(j);
    req_audit(req, "account.totp", account_home_org(req->db, id), account_target(req), "ok", "%s",
              what);
    return 200;
}

/*
 * POST /api/v1/me/totp/confirm {code} -> {recoveryCodes: [10 strings]}
 * Activates the enrolment with the first code from the app and returns ten
 * one-time recovery codes, shown this once (stored hashed). A wrong code is
 * a failed attempt (throttled like logins). Ends a session's restriction to
 * enrolment. Errors: totp.not_started, totp.active, totp.bad_code,
 * auth.throttled. Login; open to a session that owes a second factor.
 */
static int h_confirm(struct req *req)
{
    int64_t id = req->who->account_id;
    unsigned char ph[PDATA_HASH_BYTES];
    int rc = attempt_admit(req, ph);
    if (rc)
        return rc;
    bool active = false;
    int64_t last = 0;
    const char *secret = secret_load(req->db, &req->arena, id, &active, &last);
    if (!secret || active)
        return req_fail(req, secret ? ERR_TOTP_ACTIVE : ERR_TOTP_NOT_STARTED, NULL);
    int64_t step = totp_check(secret, req_body_str(req, "code"), now_sec(), last);
    if (!step)
        return bad_code(req, ph, "confirm");
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE totp_secrets SET active_at = ?, last_step = ?, updated_at = ? WHERE "
            "account_id = ?",
            "iiii", now, step, now, id);
    db_exec(req->db, "DELETE FROM login_failures WHERE phone_hash = ?", "b", ph, sizeof(ph));
    req_attempt_ok(req);
    auth_changed(req->db); /* the session's enrolment-only restriction ends now */
    return recovery_answer(req, "second factor on");
}

/*
 * POST /api/v1/me/totp/recovery-codes {code} -> {recoveryCodes: [10 strings]}
 * Replaces the recovery codes (the old ones stop working) after a current
 * code from the app. Errors: totp.off, totp.bad_code, auth.throttled. Login.
 */
static int h_recovery(struct req *req)
{
    int64_t id = req->who->account_id;
    unsigned char ph[PDATA_HASH_BYTES];
    if (!req->who->totp_on)
        return req_fail(req, ERR_TOTP_OFF, NULL);
    int rc = attempt_admit(req, ph);
    if (rc)
        return rc;
    bool via_recovery;
    if (!code_accept(req->db, &req->arena, id, req_body_str(req, "code"), false, &via_recovery))
        return bad_code(req, ph, "new recovery codes");
    return recovery_answer(req, "new recovery codes");
}

/*
 * DELETE /api/v1/me/totp {password, code} -> {}
 * Turns the second factor off; needs the password and a current code (or an
 * unused recovery code). Both count as failed attempts when wrong. Under
 * admin_second_factor = required an admin role is then restricted to
 * enrolment again. Errors: totp.off, auth.bad_credentials, totp.bad_code,
 * auth.throttled, server.busy. Login.
 * Two phases: disable_read, disable_check (the password, on the slow lane),
 * h_disable.
 */
struct disable_state {
    unsigned char ph[PDATA_HASH_BYTES];
    const char *hash;
    int64_t home;
};

static int disable_read(struct req *req)
{
    struct disable_state *s = arena_calloc(&req->arena, 1, sizeof(*s));
    req->state = s;
    if (!req->who->totp_on)
        return req_fail(req, ERR_TOTP_OFF, NULL);
    int rc = attempt_admit(req, s->ph);
    if (rc)
        return rc;
    struct db_stmt *st = db_query(req->db, "SELECT password_hash FROM accounts WHERE id = ?", "i",
                                  req->who->account_id);
    if (db_next(st) && !db_isnull(st, 0))
        s->hash = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    s->home = account_home_org(req->db, req->who->account_id);
    return 0;
}

static int disable_check(struct req *req)
{
    struct disable_state *s = req->state;
    if (password_verify(s->hash, req_body_str(req, "password"))) /* argon2id: slow */
        return 0;
    req_failed_attempt(req, s->ph);
    req_audit(req, "account.totp", s->home, account_target(req), "failed",
              "disable: wrong password");
    return req_fail(req, ERR_BAD_CREDENTIALS, "the password is wrong");
}

static int h_disable(struct req *req)
{
    struct disable_state *s = req->state;
    int64_t id = req->who->account_id, home = s->home;
    bool via_recovery;
    if (!code_accept(req->db, &req->arena, id, req_body_str(req, "code"), true, &via_recovery))
        return bad_code(req, s->ph, "disable");
    db_exec(req->db, "DELETE FROM totp_recovery WHERE account_id = ?", "i", id);
    db_exec(req->db, "DELETE FROM totp_secrets WHERE account_id = ?", "i", id);
    auth_changed(req->db);
    req_audit(req, "account.totp", home, account_target(req), "ok", "second factor off%s",
              via_recovery ? " (with a recovery code)" : "");
    return 200;
}

const struct route totp_routes[] = {
    {"POST", "/api/v1/me/totp", h_start, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL,
     ROUTE_NO_IDEM | ROUTE_ENROL},
    {"POST", "/api/v1/me/totp/confirm", h_confirm, SCOPE_LOGIN, PERM_NONE, NULL, NULL, confirm_body,
     ROUTE_NO_IDEM | ROUTE_ENROL},
    {"POST", "/api/v1/me/totp/recovery-codes", h_recovery, SCOPE_LOGIN, PERM_NONE, NULL, NULL,
     confirm_body, ROUTE_NO_IDEM},
    {"DELETE", "/api/v1/me/totp", h_disable, SCOPE_LOGIN, PERM_NONE, NULL, NULL, disable_body, 0,
     .prepare = disable_read, .outside = disable_check},
    {NULL},
};
