/*
 * access.c - every member gets in: the account each member on a roster has
 * (made and kept in step by the member writes, access_member_sync), the
 * activation codes a secretary hands out on printed slips or sends by SMS,
 * the list of a branch's members not activated yet, and the per-branch
 * figures of who has an account, who activated it and who acts.
 *
 * The member's side (activating, signing in by SMS code, a new password by
 * SMS code) is in account.c. A secretary never sees nor sets a password: a
 * slip carries a one-time code, the member chooses the password.
 */
#include "app.h"
#include "core/otp.h"
#include "core/roster.h"
#include "core/sms.h"
#include "mod/access.h"
#include "mod/members.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "routes.h"

#include <sodium.h>

/* ---- the account of a member ---- */

/* The member's account (0: none) and whether it was activated. */
static int64_t account_of_member(struct db *db, int64_t member_id, bool *activated)
{
    int64_t id = 0;
    *activated = false;
    struct db_stmt *st =
        db_query(db, "SELECT id, activated_at IS NOT NULL FROM accounts WHERE member_id = ?", "i",
                 member_id);
    if (db_next(st)) {
        id = db_int(st, 0);
        *activated = db_int(st, 1) != 0;
    }
    db_done(st);
    return id;
}

/* The account holding this phone (0: none) and its member (0: none). */
static int64_t phone_holder(struct db *db, const char *phone, int64_t *member)
{
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("phone", phone, h);
    int64_t id = 0;
    *member = 0;
    struct db_stmt *st =
        db_query(db, "SELECT id, member_id FROM accounts WHERE phone_hash = ?", "b", h, sizeof(h));
    if (db_next(st)) {
        id = db_int(st, 0);
        *member = db_isnull(st, 1) ? 0 : db_int(st, 1);
    }
    db_done(st);
    return id;
}

/* Gives the account this phone (sealed, hashed, its last four digits). */
static void account_phone_store(struct db *db, struct arena *a, int64_t id, const char *phone)
{
    unsigned char h[PDATA_HASH_BYTES];
    size_t len;
    unsigned char *sealed = pdata_seal(a, "phone", phone, &len);
    pdata_hash("phone", phone, h);
    int64_t now = now_sec();
    auth_changed(db);
    db_exec(db,
            "UPDATE accounts SET phone_hash = ?, phone_sealed = ?, phone_tail = ?, updated_at = ?, "
            "seq = ? WHERE id = ?",
            "bbsiii", h, sizeof(h), sealed, len, phone + strlen(phone) - 4, now, db_next_seq(db),
            id);
}

bool access_account_phone(struct db *db, struct arena *a, int64_t account, const char *phone)
{
    int64_t member;
    int64_t holder = phone_holder(db, phone, &member);
    if (holder && holder != account)
        return false;
    if (!holder)
        account_phone_store(db, a, account, phone);
    return true;
}

/* A new account for the member, not activated: with the phone when given,
 * else with a phone hash of another domain no typed number can match. */
static int64_t account_new(struct db *db, struct arena *a, const struct member_rec *m,
                           const char *phone)
{
    unsigned char h[PDATA_HASH_BYTES];
    const unsigned char *sealed = (const unsigned char *)"";
    size_t len = 0;
    const char *tail = "";
    if (phone) {
        pdata_hash("phone", phone, h);
        sealed = pdata_seal(a, "phone", phone, &len);
        tail = phone + strlen(phone) - 4;
    } else {
        pdata_hash("account.nophone", arena_printf(a, "member:%" PRId64, m->id), h);
    }
    int64_t now = now_sec();
    if (db_exec(db,
                "INSERT INTO accounts (phone_hash, phone_sealed, phone_tail, name, member_id, "
                "created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "bbssiiii", h, sizeof(h), sealed, len, tail, m->name, m->id, now, now,
                db_next_seq(db)) != DB_OK)
        return 0;
    int64_t id = db_last_id(db);
    org_counts_account(db, id, +1);
    return id;
}

/* Ends the live member roles of the account on org (0: on any organisation). */
static void member_roles_end(struct db *db, int64_t account, int64_t org)
{
    int64_t now = now_sec();
    auth_changed(db);
    db_exec(db,
            "UPDATE roles SET deleted_at = ?, updated_at = ?, seq = ? WHERE account_id = ? AND "
            "role = 'member' AND deleted_at IS NULL AND (? = 0 OR org_id = ?)",
            "iiiiii", now, now, db_next_seq(db), account, org, org);
}

static void codes_revoke(struct db *db, int64_t account)
{
    db_exec(db,
            "UPDATE activation_codes SET revoked_at = ? WHERE account_id = ? AND used_at IS NULL "
            "AND revoked_at IS NULL",
            "ii", now_sec(), account);
}

int64_t access_member_sync(struct db *db, struct arena *a, const struct member_rec *m,
                           const struct member_rec *old)
{
    bool on = member_status_counted(m->status);
    const char *phone = m->phone && *m->phone ? m->phone : NULL;
    /* A record just inserted has no account yet (its id is new). */
    bool activated = false;
    int64_t acc = old || !on ? account_of_member(db, m->id, &activated) : 0;
    if (!acc) {
        if (!on)
            return 0;
        int64_t holder_member = 0, holder = phone ? phone_holder(db, phone, &holder_member) : 0;
        if (holder && !holder_member) {
            /* Someone made an account with this phone by hand: it is the member's. */
            auth_changed(db);
            db_exec(db, "UPDATE accounts SET member_id = ?, updated_at = ?, seq = ? WHERE id = ?",
                    "iiii", m->id, now_sec(), db_next_seq(db), holder);
            org_counts_account(db, holder, +1); /* it had no member: counted nowhere */
            acc = holder;
        } else {
            /* New: no roles, no sessions (nothing cached to invalidate), so its
             * member role is inserted straight away (imports make thousands). */
            acc = account_new(db, a, m, holder ? NULL : phone);
            int64_t now = now_sec();
            if (acc)
                db_exec(db,
                        "INSERT INTO roles (account_id, org_id, role, created_at, updated_at, seq) "
                        "VALUES (?, ?, 'member', ?, ?, ?)",
                        "iiiii", acc, m->org_id, now, now, db_next_seq(db));
            return db_failed(db) ? 0 : acc;
        }
        if (!acc)
            return 0;
    } else if (old) {
        if (strcmp(old->name, m->name)) {
            auth_changed(db); /* sessions hold the name in memory */
            db_exec(db, "UPDATE accounts SET name = ?, updated_at = ?, seq = ? WHERE id = ?",
                    "siii", m->name, now_sec(), db_next_seq(db), acc);
        }
        /* Until the member activates it, the account signs in with the record's
         * phone; after, the phone is the member's own: a record edit (a typo, or a
         * secretary's own number) must not move where sign-in codes go. */
        bool phone_changed = !activated && phone && (!old->phone || strcmp(old->phone, phone));
        int64_t holder_member = 0;
        if (phone_changed && !phone_holder(db, phone, &holder_member))
            account_phone_store(db, a, acc, phone);
        if (old->org_id != m->org_id)
            member_roles_end(db, acc, old->org_id);
    }
    int64_t held = 0;
    if (on)
        db_get_int(
            db, &held,
            "SELECT COUNT(*) FROM roles WHERE account_id = ? AND org_id = ? AND deleted_at IS "
            "NULL",
            "ii", acc, m->org_id);
    if (on && !held) {
        role_grant(db, acc, m->org_id, ROLE_MEMBER, 0); /* a secretary's role there covers it */
    } else if (!on && (!old || member_status_counted(old->status))) {
        member_roles_end(db, acc, 0);
        codes_revoke(db, acc);
    }
    return db_failed(db) ? 0 : acc;
}

/* ---- activation codes ---- */

/* The canonical digits of a typed code into out; false if it cannot be one. */
static bool activation_code_normalize(const char *typed, char out[ACTIVATION_DIGITS + 1])
{
    size_t n = 0;
    for (const char *p = typed; p && *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9' || n == ACTIVATION_DIGITS)
            return false;
        out[n++] = *p;
    }
    out[n] = '\0';
    return n == ACTIVATION_DIGITS;
}

bool activation_code_hash(const char *typed, unsigned char out[PDATA_HASH_BYTES])
{
    char digits[ACTIVATION_DIGITS + 1];
    if (!activation_code_normalize(typed, digits))
        return false;
    pdata_hash("activation.code", digits, out);
    return true;
}

static void random_digits(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + randombytes_uniform(10));
    out[n] = '\0';
}

/*
 * Issues a new activation code for the account, revoking its open ones, in
 * the current write transaction. The code, grouped "1234 5678 9012", goes
 * into shown (arena); its expiry into *expires. False on a store failure.
 */
static bool code_issue(struct req *req, int64_t account, const char *via, const char **shown,
                       int64_t *expires)
{
    char digits[ACTIVATION_DIGITS + 1];
    unsigned char h[PDATA_HASH_BYTES];
    int64_t now = now_sec(), live = 1;
    /* Two open codes never share a hash: draw again on the rare collision. */
    for (int tries = 0; live && tries < 8; tries++) {
        random_digits(digits, ACTIVATION_DIGITS);
        pdata_hash("activation.code", digits, h);
        db_get_int(req->db, &live,
                   "SELECT COUNT(*) FROM activation_codes WHERE code_hash = ? AND used_at IS NULL "
                   "AND revoked_at IS NULL AND expires_at > ?",
                   "bi", h, sizeof(h), now);
    }
    if (live)
        return false;
    codes_revoke(req->db, account);
    *expires = now + cfg.activation_code_days * 86400LL;
    db_exec(req->db,
            "INSERT INTO activation_codes (account_id, code_hash, via, issued_by, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            "ibsIii", account, h, sizeof(h), via, req->who ? req->who->account_id : 0, now,
            *expires);
    *shown = arena_printf(&req->arena, "%.4s %.4s %.4s", digits, digits + 4, digits + 8);
    return !db_failed(req->db);
}

/* The address of the activation page (with the code when not NULL): under
 * public_url, else the listen address. Never from the request's Host header:
 * a slip or an SMS is read far from the request, and a forged Host would put
 * someone else's site on a printed QR code. */
static const char *activation_url(struct req *req, const char *code)
{
    char digits[ACTIVATION_DIGITS + 1] = "";
    if (code)
        activation_code_normalize(code, digits);
    const char *base = cfg.public_url;
    size_t len = strlen(base);
    if (!len)
        base = arena_printf(&req->arena, "http://%s:%d", cfg.listen_host, cfg.listen_port);
    else if (base[len - 1] == '/')
        base = arena_strndup(&req->arena, base, len - 1);
    return arena_printf(&req->arena, "%s/#/activate%s%s", base, code ? "/" : "", digits);
}

/* One member to hand a code to, as loaded for issuing. */
struct slip_member {
    int64_t member_id, account_id, org_id;
    const char *name, *org_name, *phone;
    bool activated, disabled;
};

#define SLIP_COLS                                                                                  \
    "m.id, a.id, m.org_id, m.name, o.name, m.phone_sealed, a.activated_at IS NOT NULL, "           \
    "a.disabled_at IS NOT NULL"

static void slip_member_read(struct req *req, struct db_stmt *st, struct slip_member *s)
{
    s->member_id = db_int(st, 0);
    s->account_id = db_isnull(st, 1) ? 0 : db_int(st, 1);
    s->org_id = db_int(st, 2);
    s->name = arena_strdup(&req->arena, db_text(st, 3));
    s->org_name = arena_strdup(&req->arena, db_text(st, 4));
    size_t n = 0;
    const unsigned char *blob = db_isnull(st, 5) ? NULL : db_blob(st, 5, &n);
    s->phone = blob && n ? pdata_open(&req->arena, "member.phone", blob, n) : NULL;
    s->activated = db_int(st, 6) != 0;
    s->disabled = db_int(st, 7) != 0;
}

/*
 * Issues a code for one member and writes its slip (via slip) or queues the
 * SMS (via sms) into j's open list. Returns 0, or an error status.
 */
static int slip_issue(struct req *req, struct jw *j, struct slip_member *s, const char *via,
                      int *sent)
{
    if (!s->account_id) {
        struct member_rec m;
        if (!member_load(req->db, &req->arena, s->member_id, &m, true))
            return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
        s->account_id = access_member_sync(req->db, &req->arena, &m, NULL);
        if (!s->account_id)
            return req_fail(req, ERR_DB, NULL);
    }
    const char *code;
    int64_t expires;
    if (!code_issue(req, s->account_id, via, &code, &expires))
        return req_fail(req, ERR_DB, NULL);
    if (!strcmp(via, "sms")) {
        /* The approved template: the code, its days, the page to type it on. */
        const char *page = activation_url(req, NULL);
        const char *why = NULL;
        struct sms_msg msg = {
            .kind = SMS_ACTIVATION,
            .phone = s->phone,
            .account_id = s->account_id,
            .member_id = s->member_id,
            .org_id = s->org_id,
            .vars = {code, arena_printf(&req->arena, "%d", cfg.activation_code_days), page},
            .dedupe = arena_printf(&req->arena, "activation:%" PRId64 ":%" PRId64, s->account_id,
                                   db_last_id(req->db)),
        };
        if (sms_enqueue(req->db, &msg, &why) < 0)
            return req_fail(req, ERR_ACTIVATION_SMS_REFUSED, "%s",
                            why ? why : "the SMS was refused");
        (*sent)++;
        return 0;
    }
    const char *url = activation_url(req, code);
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", s->member_id);
    jw_kv_str(j, "name", s->name);
    jw_kv_int(j, "orgId", s->org_id);
    jw_kv_str(j, "orgName", s->org_name);
    jw_kv_str(j, "code", code);
    jw_kv_time(j, "expiresAt", expires);
    jw_kv_str(j, "url", url);
    jw_kv_str(j, "qrSvg", totp_qr_svg(&req->arena, url));
    jw_obj_end(j);
    return 0;
}

static const char *const code_vias[] = {"slip", "sms", NULL};

static const struct param issue_body[] = {
    {"memberIds", P_IDS, 0, 1, 500},
    {"via", P_ENUM, 0, 0, 0, code_vias},
    {NULL},
};

/*
 * POST /api/v1/orgs/{id}/activation-codes {memberIds?, via?} ->
 * {items: [{memberId, name, orgId, orgName, code, expiresAt, url, qrSvg}],
 *  sent, skipped}
 * New activation codes for the members on the roster in the organisation's
 * subtree whose account is not activated yet (or for the chosen ones among
 * them; an activated one is skipped: re-issuing for a member who lost their
 * phone is POST /members/{id}/activation), revoking their old codes. via
 * slip (default): the codes come back to be printed, once (never stored in
 * clear); via sms: each goes to the phone on the record (members without one
 * are skipped) and none comes back. Audited. Errors: member.not_on_roster (a
 * chosen member missing, outside the subtree or off the roster: all alike),
 * activation.too_many
 * (more than 500: choose a branch), activation.sms_refused. roster.write.
 */
static int h_issue(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_id(req));
    const char *via = req_body_str(req, "via") ? req_body_str(req, "via") : "slip";
    const struct value *ids = req_body(req, "memberIds");
    bool chosen = ids && ids->present;
    struct db_list list;
    db_list_init(&list, &req->arena);
    for (size_t i = 0; chosen && i < ids->n; i++)
        db_list_int(&list, ids->ids[i]);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " SLIP_COLS " FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN accounts a "
        "ON a.member_id = m.id WHERE m.org_path >= ? AND m.org_path < ? AND m.deleted_at "
        "IS NULL AND m.status IN " ROSTER_STATUSES
        " AND (? = 0 OR m.id IN (SELECT value FROM {list})) "
        "ORDER BY "
        "m.org_path, m.id LIMIT 501",
        "ssil", path, org_path_end(&req->arena, path), (int64_t)chosen, &list);
    size_t n = 0, cap = 64;
    struct slip_member *v = arena_alloc(&req->arena, cap * sizeof(*v));
    while (db_next(st)) {
        if (n == cap) {
            struct slip_member *more = arena_alloc(&req->arena, 2 * cap * sizeof(*more));
            memcpy(more, v, n * sizeof(*v));
            v = more;
            cap *= 2;
        }
        slip_member_read(req, st, &v[n++]);
    }
    db_done(st);
    if (n > 500)
        return req_fail(req, ERR_ACTIVATION_TOO_MANY, NULL);
    if (chosen && n != ids->n)
        return req_fail(req, ERR_MEMBER_NOT_ON_ROSTER,
                        "a chosen member is not on this organisation's roster");
    int sent = 0, skipped = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        if (v[i].activated || v[i].disabled || (!strcmp(via, "sms") && !v[i].phone)) {
            skipped++;
            continue;
        }
        int rc = slip_issue(req, j, &v[i], via, &sent);
        if (rc)
            return rc;
    }
    jw_arr_end(j);
    jw_kv_int(j, "sent", sent);
    jw_kv_int(j, "skipped", skipped);
    jw_obj_end(j);
    req_audit(req, "access.codes_issue", req_id(req),
              arena_printf(&req->arena, "org:%" PRId64, req_id(req)), "ok",
              "%zu codes by %s, %d skipped", n - (size_t)skipped, via, skipped);
    return 200;
}

static const struct param reissue_body[] = {
    {"via", P_ENUM, 0, 0, 0, code_vias},
    {"lostPhone", P_BOOL}, /* an activated member: confirms that their sessions end */
    {NULL},
};

/*
 * POST /api/v1/members/{id}/activation {via?, lostPhone?} -> {items: [slip] | [],
 * sent}
 * A new activation code for one member on the roster, revoking the old one:
 * for a member who lost their phone or slip. When the account was activated
 * already, lostPhone must confirm it: its sessions end and its devices are
 * trusted no more (whoever has the lost phone is signed out); the password
 * stays until the member sets a new one with the code. Audited. Errors: member.not_found,
 * member.not_on_roster, activation.active (activated, without lostPhone),
 * activation.no_phone (via sms without a phone on the
 * record), activation.sms_refused, auth.forbidden (the account holds a
 * role beyond member). roster.write on the member's branch.
 */
static int h_reissue(struct req *req)
{
    const char *via = req_body_str(req, "via") ? req_body_str(req, "via") : "slip";
    struct slip_member s = {0};
    bool on = false;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " SLIP_COLS ", m.status IN " ROSTER_STATUSES
                                  " FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN "
                                  "accounts a ON a.member_id = m.id WHERE m.id = ?",
                                  "i", req->obj.id);
    if (db_next(st)) {
        slip_member_read(req, st, &s);
        on = db_int(st, 8) != 0;
    }
    db_done(st);
    if (!s.member_id)
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    if (!on || s.disabled)
        return req_fail(req, ERR_MEMBER_NOT_ON_ROSTER, "the member's account is not in use");
    /* Roles beyond member are reset by whoever granted them, never by a slip. */
    int64_t other = 0;
    db_get_int(req->db, &other,
               "SELECT COUNT(*) FROM roles WHERE account_id = ? AND role <> 'member' AND "
               "deleted_at IS NULL",
               "i", s.account_id);
    if (other)
        return req_fail(req, ERR_FORBIDDEN,
                        "the account holds other roles: its administrators reset it");
    if (!strcmp(via, "sms") && !s.phone)
        return req_fail(req, ERR_ACTIVATION_NO_PHONE, NULL);
    if (s.activated && !req_body_int(req, "lostPhone", 0))
        return req_fail(req, ERR_ACTIVATION_ACTIVE, NULL);
    if (s.activated) {
        session_revoke_all(req->db, s.account_id, 0);
        device_forget_all(req->db, s.account_id);
    }
    int sent = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    int rc = slip_issue(req, j, &s, via, &sent);
    if (rc)
        return rc;
    jw_arr_end(j);
    jw_kv_int(j, "sent", sent);
    jw_obj_end(j);
    req_audit(req, "access.code_reissue", s.org_id,
              arena_printf(&req->arena, "member:%" PRId64, s.member_id), "ok", "by %s%s", via,
              s.activated ? "; the account's sessions ended" : "");
    return 200;
}

/*
 * GET /api/v1/orgs/{id}/activation?after=&limit= -> {items: [{memberId,
 * name, orgId, orgName, hasPhone, codeExpiresAt}], next}
 * The members on the roster in the subtree whose account is not activated
 * yet, in member id order, with the expiry of their open code (null: none):
 * whom to hand slips to. No phone numbers, nothing about activated members.
 * roster.write.
 */
static int h_pending(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *path = org_path(req->db, &req->arena, req_id(req));
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.id, m.name, m.org_id, o.name, m.phone_hash IS NOT NULL, (SELECT "
        "MAX(c.expires_at) "
        "FROM activation_codes c WHERE c.account_id = a.id AND c.used_at IS NULL AND c.revoked_at "
        "IS NULL AND c.expires_at > ?) FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN "
        "accounts a ON a.member_id = m.id WHERE m.org_path >= ? AND m.org_path < ? AND "
        "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES " AND (a.id IS NULL OR "
        "(a.activated_at IS NULL AND a.disabled_at IS NULL)) AND m.id > ? ORDER BY m.id LIMIT ?",
        "issii", now_sec(), path, org_path_end(&req->arena, path), after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct jw *j = pg.j;
        jw_obj_begin(j);
        jw_kv_int(j, "memberId", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_int(j, "orgId", db_int(st, 2));
        jw_kv_str(j, "orgName", db_text(st, 3));
        jw_kv_bool(j, "hasPhone", db_int(st, 4) != 0);
        jw_kv_time(j, "codeExpiresAt", db_isnull(st, 5) ? 0 : db_int(st, 5));
        jw_obj_end(j);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/* ---- the figures: who has an account, activated it, acts ---- */

struct access_counts {
    int64_t members, accounts, activated, active30, active90, never;
};

/* The last real action of account a (0: none), its own doing, as the action
 * tables hold it: a notice read or acknowledged, a post seen, a message
 * written, a meeting checked in to (attendance a secretary marked is not the
 * member using the account). */
#define LAST_ACTION_SQL                                                                            \
    "{greatest}(COALESCE((SELECT MAX(COALESCE(k.ack_at, k.read_at)) FROM notice_marks k WHERE "    \
    "k.account_id = a.id), 0), COALESCE((SELECT MAX(ps.seen_at) FROM post_seen ps WHERE "          \
    "ps.account_id = a.id), 0), COALESCE((SELECT MAX(tm.created_at) FROM thread_messages tm "      \
    "WHERE tm.author_id = a.id), 0), COALESCE((SELECT MAX(ma.at) FROM meeting_attendance ma "      \
    "WHERE ma.member_id = a.member_id AND ma.source IN ('checkin', 'remote')), 0))"

void access_acted(struct db *db, int64_t account, int64_t t)
{
    int64_t last = 0;
    if (!db_get_int(db, &last, "SELECT COALESCE(last_action_at, 0) FROM accounts WHERE id = ?", "i",
                    account) ||
        last >= t)
        return;
    /* Within the same Beijing day the figures stay: only the instant moves. */
    bool moves = !last || beijing_day(last) != beijing_day(t);
    if (moves)
        org_counts_account(db, account, -1);
    db_exec(db, "UPDATE accounts SET last_action_at = ? WHERE id = ?", "ii", t, account);
    if (moves)
        org_counts_account(db, account, +1);
}

void access_member_acted(struct db *db, int64_t member, int64_t t)
{
    int64_t account = 0;
    if (db_get_int(db, &account, "SELECT id FROM accounts WHERE member_id = ?", "i", member))
        access_acted(db, account, t);
}

int access_last_actions_recount(struct db *db)
{
    db_exec(db,
            "UPDATE accounts AS a SET last_action_at = " LAST_ACTION_SQL
            " WHERE a.member_id IS NOT NULL AND " LAST_ACTION_SQL
            " > COALESCE(a.last_action_at, 0)",
            "");
    return db_failed(db) ? -1 : db_changes(db);
}

static void counts_write(struct jw *j, const struct access_counts *c)
{
    jw_kv_int(j, "members", c->members);
    jw_kv_int(j, "accounts", c->accounts);
    jw_kv_int(j, "activated", c->activated);
    jw_kv_int(j, "active30", c->active30);
    jw_kv_int(j, "active90", c->active90);
    jw_kv_int(j, "neverUsed", c->never);
}

/* The figures of one organisation's subtree from its counters (org_counts,
 * kept by every member, account and action write): the members on the
 * roster ('total'), accounts, activated and acted ('access'), and the
 * activated accounts by the Beijing day of their last action ('acted_day'),
 * of which only the days from from90 on are read. */
static void counts_read(struct db *db, int64_t org, const char *from30, const char *from90,
                        struct access_counts *c)
{
    int64_t acted = 0;
    *c = (struct access_counts){0};
    /* Two ranges of the primary key (an OR of both would read every row of
     * the organisation: thousands of birth days on a province). */
    struct db_stmt *st = db_query(db,
                                  "SELECT dim, key, n FROM org_counts WHERE org_id = ? AND dim IN "
                                  "('total', 'access') UNION ALL SELECT dim, key, n FROM "
                                  "org_counts WHERE org_id = ? AND dim = 'acted_day' AND key >= ?",
                                  "iis", org, org, from90);
    while (db_next(st)) {
        const char *dim = db_text(st, 0), *key = db_text(st, 1);
        int64_t n = db_int(st, 2);
        if (!strcmp(dim, "total"))
            c->members += n;
        else if (!strcmp(dim, "acted_day")) {
            c->active90 += n;
            if (strcmp(key, from30) >= 0)
                c->active30 += n;
        } else if (!strcmp(key, "accounts"))
            c->accounts = n;
        else if (!strcmp(key, "activated"))
            c->activated = n;
        else if (!strcmp(key, "acted"))
            acted = n;
    }
    db_done(st);
    c->never = c->activated - acted;
}

/*
 * GET /api/v1/orgs/{id}/access -> {members, accounts, activated, active30,
 * active90, neverUsed, children: [{id, name, level, ...the same}]}
 * Of the members on the roster in the subtree: how many have an account,
 * activated it, did something real (read or acknowledged a notice, saw a
 * post, wrote a message, attended a meeting) in the last 30 and 90 Beijing
 * days, today included (activated accounts only), and activated but never
 * did anything; the same for each child organisation (not party groups:
 * members belong to the branch). Counts only: no ranking, no names. Read
 * from the counters, a few rows per organisation whatever its size.
 * org.read.
 */
static int h_access(struct req *req)
{
    char from30[11], from90[11];
    int64_t today = day_today();
    date_from_days(today - 29, from30);
    date_from_days(today - 89, from90);
    struct access_counts total;
    counts_read(req->db, req_id(req), from30, from90, &total);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    counts_write(j, &total);
    jw_key(j, "children");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, name, level FROM orgs WHERE parent_id = ? AND "
                                  "level <> 'group' AND deleted_at IS NULL ORDER BY path",
                                  "i", req_id(req));
    while (db_next(st)) {
        struct access_counts c;
        counts_read(req->db, db_int(st, 0), from30, from90, &c);
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_str(j, "level", db_text(st, 2));
        counts_write(j, &c);
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- jobs ---- */

/* How far the job has looked, by member id: members below it have accounts
 * (later ones get theirs from access_member_sync), so a run reads only what
 * it has not seen. Per process; it starts from the beginning at start-up. */
static int64_t accounts_scanned;

int access_accounts_job(struct db *db)
{
    enum { SCAN = 50000, MAKE = 2000 }; /* rows looked at, accounts made, per run */
    struct arena a;
    arena_init(&a);
    int64_t *ids = arena_alloc(&a, MAKE * sizeof(*ids));
    int n = 0;
    int64_t last = accounts_scanned;
    struct db_stmt *st = db_query(db,
                                  "SELECT m.id, EXISTS (SELECT 1 FROM accounts a WHERE a.member_id "
                                  "= m.id) FROM members m WHERE m.id > ? AND m.deleted_at IS NULL "
                                  "AND m.status IN " ROSTER_STATUSES " ORDER BY m.id LIMIT ?",
                                  "ii", accounts_scanned, (int64_t)SCAN);
    while (n < MAKE && db_next(st)) {
        last = db_int(st, 0);
        if (!db_int(st, 1))
            ids[n++] = last;
    }
    db_done(st);
    int done = 0;
    for (int i = 0; i < n; i++) {
        struct member_rec m;
        if (member_load(db, &a, ids[i], &m, true) && access_member_sync(db, &a, &m, NULL))
            done++;
    }
    arena_release(&a);
    if (db_failed(db))
        return -1;
    accounts_scanned = last; /* the runner commits what this run made */
    return done;
}

int access_prune_job(struct db *db)
{
    int64_t now = now_sec();
    db_exec(db, "DELETE FROM sms_code_requests WHERE at < ?", "i", now - 86400);
    int n = db_changes(db);
    db_exec(db, "DELETE FROM sms_codes WHERE expires_at < ?", "i", now - 86400);
    n += db_changes(db);
    db_exec(db,
            "DELETE FROM activation_codes WHERE (used_at IS NOT NULL OR revoked_at IS NOT NULL OR "
            "expires_at < ?) AND created_at < ?",
            "ii", now, now - 365 * 86400);
    n += db_changes(db);
    return db_failed(db) ? -1 : n;
}

const struct route access_routes[] = {
    {"POST", "/api/v1/orgs/{id}/activation-codes", h_issue, SCOPE_PATH_ORG, PERM_ROSTER_WRITE, NULL,
     NULL, issue_body, ROUTE_NO_IDEM},
    {"GET", "/api/v1/orgs/{id}/activation", h_pending, SCOPE_PATH_ORG, PERM_ROSTER_WRITE, NULL,
     page_query, NULL, 0},
    {"POST", "/api/v1/members/{id}/activation", h_reissue, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL,
     NULL, reissue_body, ROUTE_NO_IDEM, &member_kind},
    {"GET", "/api/v1/orgs/{id}/access", h_access, SCOPE_PATH_ORG, PERM_ORG_READ, NULL, NULL, NULL,
     0},
    {NULL},
};
