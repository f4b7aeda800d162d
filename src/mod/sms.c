/*
 * sms.c - SMS as members and organisations see it: a member's choice (app
 * only, app + SMS for what needs action, SMS only) and quiet hours, set by
 * the member or a secretary; the gateway's callbacks (delivery reports,
 * replies from phones); an organisation's daily quota and the SMS status;
 * the demo page of what phones received. The outbox, templates and sender
 * are core's (core/sms.h).
 *
 * A reply "1" (the code the SMS gave, "回复1确认") acknowledges the newest
 * notice that reached the member by SMS and still waits for it; any other
 * reply becomes a message to the branch leadership (mod/threads.h). A reply
 * acts only for a member whose phone is on the record and who has an
 * account; a number on no record is stored, nothing else. A gateway that
 * delivers the same reply again (a retry after a timeout) is answered and
 * the copy dropped (inbound_seen).
 */
#include "app.h"
#include "core/roster.h"
#include "mod/meetings.h"
#include "mod/members.h"
#include "mod/notices.h"
#include "mod/orgs.h"
#include "mod/sms.h"
#include "mod/threads.h"
#include "routes.h"

#include <sodium.h>

static const char *const modes[] = {"app", "app_sms", "sms", NULL};

/* ---- sending to a member ---- */

/* Opens a sealed phone (arena), NULL if none. domain: "member.phone" for a
 * member record's, "phone" for an account's and the outbox's. */
static char *phone_open(struct arena *a, struct db_stmt *st, int col, const char *domain)
{
    size_t len = 0;
    const void *blob = db_isnull(st, col) ? NULL : db_blob(st, col, &len);
    return blob ? pdata_open(a, domain, blob, len) : NULL;
}

int sms_to_member(struct db *db, int64_t member, enum sms_kind kind, bool needs_action,
                  const char *const vars[4], const char *dedupe)
{
    struct arena a;
    arena_init(&a);
    struct db_stmt *st = db_query(
        db,
        "SELECT m.org_id, m.phone_sealed, a.id, a.phone_sealed, p.mode FROM members m LEFT JOIN "
        "accounts a ON a.member_id = m.id LEFT JOIN sms_prefs p ON p.member_id = m.id WHERE m.id "
        "= ? AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES,
        "i", member);
    int rc = 2;
    if (db_next(st)) {
        int64_t org = db_int(st, 0), account = db_isnull(st, 2) ? 0 : db_int(st, 2);
        const char *mode = db_text(st, 4);
        if (!mode)
            mode = account ? "app_sms" : "sms";
        const char *phone = phone_open(&a, st, 1, "member.phone");
        if (!phone)
            phone = phone_open(&a, st, 3, "phone");
        bool wanted = !strcmp(mode, "sms") || (!strcmp(mode, "app_sms") && needs_action);
        if (wanted && phone) {
            struct sms_msg m = {.kind = kind,
                                .phone = phone,
                                .account_id = account,
                                .member_id = member,
                                .org_id = org,
                                .dedupe = dedupe};
            memcpy(m.vars, vars, sizeof(m.vars));
            db_done(st);
            st = NULL;
            const char *why = NULL;
            rc = sms_enqueue(db, &m, &why);
            if (rc < 0)
                log_warn("sms: %s to member %" PRId64 " not queued: %s", sms_kind_name(kind),
                         member, why);
        }
    }
    db_done(st);
    arena_release(&a);
    return rc;
}

/* ---- meetings: 24 hours and 1 hour before ---- */

/* Queues stage ("24h" or "1h") for the members expected at meeting id (not on
 * leave): the time, the place, and for members working away the online link
 * when it fits. Returns the messages queued. */
static int meeting_sms(struct db *db, struct arena *a, int64_t id, const char *stage)
{
    struct meeting m;
    if (!meeting_load(db, a, id, &m))
        return 0;
    char when[32];
    time_t t = (time_t)(m.starts_at + BEIJING_OFFSET);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(when, sizeof(when), "%d月%d日%02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min);
    const char *place = m.place && *m.place ? arena_printf(a, "地点：%s", m.place) : "";
    const char *link = m.online_link && strlen(m.online_link) <= 34
                           ? arena_printf(a, "线上参加：%s", m.online_link)
                       : m.online_link ? "线上参加见应用"
                                       : place;
    struct db_stmt *st = db_query(db,
                                  "SELECT x.member_id, mb.migrant FROM meeting_attendance x JOIN "
                                  "members mb ON mb.id = x.member_id WHERE x.meeting_id = ? AND "
                                  "x.status = 'expected' AND (x.leave_state IS NULL OR "
                                  "x.leave_state = 'refused')",
                                  "i", id);
    struct buf rows;
    buf_init_arena(&rows, a);
    while (db_next(st)) {
        int64_t r[2] = {db_int(st, 0), db_int(st, 1)};
        buf_add(&rows, r, sizeof(r));
    }
    db_done(st);
    int queued = 0;
    const int64_t(*r)[2] = (const void *)rows.data; /* a buf is allocated aligned */
    for (size_t i = 0; i < rows.len / sizeof(*r); i++) {
        const char *vars[4] = {m.org_name, when, m.title, r[i][1] ? link : place};
        if (sms_to_member(
                db, r[i][0], SMS_MEETING, true, vars,
                arena_printf(a, "meeting:%" PRId64 ":%s:m:%" PRId64, id, stage, r[i][0])) == 0)
            queued++;
    }
    return queued;
}

int sms_meeting_reminders(struct db *db)
{
    static const struct {
        const char *stage, *column;
        int64_t before;
    } stages[] = {{"24h", "sms_24h_at", 24 * 3600}, {"1h", "sms_1h_at", 3600}};
    int64_t now = now_sec();
    int total = 0;
    struct arena a;
    arena_init(&a);
    for (size_t k = 0; k < ARRAY_SIZE(stages); k++) {
        int64_t ids[20];
        int n = 0;
        /* The 24-hour message is skipped for a meeting already within the hour. */
        struct db_stmt *st = db_query(
            db,
            k == 0 ? "SELECT id FROM meetings WHERE state = 'scheduled' AND deleted_at IS NULL AND "
                     "starts_at > ? AND starts_at <= ? AND sms_24h_at IS NULL LIMIT 20"
                   : "SELECT id FROM meetings WHERE state = 'scheduled' AND deleted_at IS NULL AND "
                     "starts_at > ? AND starts_at <= ? AND sms_1h_at IS NULL LIMIT 20",
            "ii", now, now + stages[k].before);
        while (db_next(st))
            ids[n++] = db_int(st, 0);
        db_done(st);
        for (int i = 0; i < n; i++) {
            int64_t starts = 0;
            db_get_int(db, &starts, "SELECT starts_at FROM meetings WHERE id = ?", "i", ids[i]);
            if (k == 1 || starts - now > 3600)
                total += meeting_sms(db, &a, ids[i], stages[k].stage);
            db_exec(db,
                    k == 0 ? "UPDATE meetings SET sms_24h_at = ? WHERE id = ?"
                           : "UPDATE meetings SET sms_1h_at = ? WHERE id = ?",
                    "ii", now, ids[i]);
        }
    }
    arena_release(&a);
    return db_failed(db) ? -1 : total;
}

/* ---- the gateway's callbacks ---- */

static const struct param dlr_query[] = {
    {"id", P_ID, P_REQUIRED},
    {"k", P_STR, P_REQUIRED, 1, 64},
    {"type", P_INT, P_REQUIRED, 0, 255},
    {NULL},
};

static int report_write(struct req *req, void *arg)
{
    (void)arg;
    if (sms_report(req->db, req_query_int(req, "id", 0), req_query_str(req, "k"),
                   (int)req_query_int(req, "type", 0)) < 0)
        return req_fail(req, ERR_NOT_FOUND, NULL);
    return 200;
}

/*
 * GET /api/v1/sms/dlr?id=&k=&type= -> {received: true}: a delivery report
 * (Kannel's dlr-url; type as Kannel's: 1 delivered, 2 failed, 4 buffered,
 * 8 accepted by the message centre, 16 refused by it) for outbox row id,
 * whose URL carried the per-message secret k. Public: the secret is the
 * proof. Errors: request.not_found (no such row and secret, or SMS off).
 */
static int h_dlr(struct req *req)
{
    if (!sms_enabled())
        return req_fail(req, ERR_NOT_FOUND, NULL);
    req_after_commit(req, report_write, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "received", true);
    jw_obj_end(j);
    return 200;
}

/* "+8613800138000", "008613800138000", "8613800138000" -> "13800138000" (arena). */
static const char *phone_normal(struct arena *a, const char *from)
{
    const char *p = from;
    if (*p == '+')
        p++;
    else if (!strncmp(p, "00", 2))
        p += 2;
    if (!strncmp(p, "86", 2) && strlen(p) == 13)
        p += 2;
    return arena_strdup(a, p);
}

/* The text without spaces at both ends (ASCII and U+3000), full-width digits
 * made ASCII: what a reply code is compared as (arena). */
static const char *reply_code(struct arena *a, const char *text)
{
    struct buf b;
    buf_init_arena(&b, a);
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        } else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
            p += 3;
        } else if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 && p[2] <= 0x99) { /* ０-９ */
            buf_addch(&b, (char)('0' + p[2] - 0x90));
            p += 3;
        } else {
            buf_addch(&b, (char)*p++);
        }
    }
    buf_addch(&b, '\0');
    return b.data;
}

/* The newest notice that reached member by SMS in the last 30 days and that
 * account has not acknowledged yet: 0 if none. */
static int64_t notice_waiting(struct db *db, int64_t member, int64_t account)
{
    int64_t id = 0;
    struct db_stmt *st =
        db_query(db,
                 "SELECT o.dedupe FROM sms_outbox o WHERE o.member_id = ? AND o.kind IN ('notice', "
                 "'notice_reminder') AND o.created_at > ? ORDER BY o.id DESC LIMIT 20",
                 "ii", member, now_sec() - 30 * 86400);
    while (!id && db_next(st)) {
        /* dedupe: "notice:ID:m:MEMBER" or "notice_reminder:ID:m:MEMBER" */
        const char *d = db_text(st, 0), *colon = d ? strchr(d, ':') : NULL;
        int64_t n = colon ? strtoll(colon + 1, NULL, 10) : 0;
        if (n > 0 && notice_ack_pending(db, account, n))
            id = n;
    }
    db_done(st);
    return id;
}

struct inbound {
    const char *phone, *text;
    const char *gateway_id; /* the gateway's id of the message (Kannel's %I); NULL: none */
    int64_t gateway_at;     /* the gateway's time of the message (unix); 0: none */
};

/* How long a reply's key is remembered. Gateways retry within minutes
 * (smsbox's http-request-retry, Tencent's callback retries); a key without
 * the gateway's id or time, (phone, text) alone, only briefly: a member who
 * sends the same words again later is heard again. */
#define INBOUND_WINDOW (7 * 86400)
#define INBOUND_WINDOW_BARE 120

/* The key of a reply (sms_inbox.dedupe): the gateway's message id when it
 * gives one, else the phone, the gateway's time and the text. */
static void inbound_key(struct arena *a, const struct inbound *in,
                        unsigned char out[PDATA_HASH_BYTES])
{
    if (in->gateway_id)
        pdata_hash("sms.reply.id", in->gateway_id, out);
    else
        pdata_hash("sms.reply",
                   arena_printf(a, "%s\n%" PRId64 "\n%s", in->phone, in->gateway_at, in->text),
                   out);
}

/* Whether a reply with this key was received within its window: a copy the
 * gateway sent again. In the write transaction that stores replies, so two
 * copies arriving together are told apart too. */
static bool inbound_seen(struct db *db, const struct inbound *in,
                         const unsigned char key[PDATA_HASH_BYTES])
{
    int64_t window = in->gateway_id || in->gateway_at ? INBOUND_WINDOW : INBOUND_WINDOW_BARE;
    int64_t n = 0;
    db_get_int(db, &n, "SELECT COUNT(*) FROM sms_inbox WHERE dedupe = ? AND received_at > ?", "bi",
               key, (size_t)PDATA_HASH_BYTES, now_sec() - window);
    return n > 0;
}

static int inbound_write(struct req *req, void *arg)
{
    struct inbound *in = arg;
    struct db *db = req->db;
    unsigned char key[PDATA_HASH_BYTES];
    inbound_key(&req->arena, in, key);
    if (inbound_seen(db, in, key)) {
        req_audit(req, "sms.reply", 0, NULL, "ok", "a copy of a reply received already: dropped");
        return db_failed(db) ? req_fail(req, ERR_DB, NULL) : 200;
    }
    unsigned char hash[PDATA_HASH_BYTES], mhash[PDATA_HASH_BYTES];
    pdata_hash("phone", in->phone, hash);
    pdata_hash("member.phone", in->phone, mhash);
    int64_t member = 0, account = 0;
    struct db_stmt *st = db_query(
        db,
        "SELECT m.id, a.id FROM members m LEFT JOIN accounts a ON a.member_id = m.id WHERE "
        "m.phone_hash = ? AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES
        " UNION ALL SELECT a.member_id, a.id FROM accounts a JOIN members m ON m.id = "
        "a.member_id WHERE a.phone_hash = ? AND a.disabled_at IS NULL AND m.deleted_at IS NULL "
        "LIMIT 1",
        "bb", mhash, sizeof(mhash), hash, sizeof(hash));
    if (db_next(st)) {
        member = db_int(st, 0);
        account = db_isnull(st, 1) ? 0 : db_int(st, 1);
    }
    db_done(st);

    const char *outcome = "unknown";
    int64_t ref = 0;
    const char *code = reply_code(&req->arena, in->text);
    if (!member) {
        outcome = "unknown"; /* recorded, nothing else */
    } else if (!*code || !account) {
        outcome = "ignored"; /* nothing said, or nobody to act as */
    } else if (!strcmp(code, SMS_ACK_REPLY)) {
        ref = notice_waiting(db, member, account);
        if (ref && notice_ack_from_sms(db, account, member, ref) == 0)
            outcome = "ack";
        else
            outcome = "ignored", ref = 0; /* "1" with nothing waiting: not a message */
    } else {
        ref = thread_from_sms(db, &req->arena, account, member, in->text);
        outcome = ref ? "thread" : "ignored";
    }
    size_t sealed_len;
    unsigned char *sealed = pdata_seal(&req->arena, "phone", in->phone, &sealed_len);
    db_exec(db,
            "INSERT INTO sms_inbox (phone_hash, phone_sealed, phone_mask, member_id, body, "
            "outcome, ref_id, received_at, dedupe, gateway_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)",
            "bbsIssIibs", hash, sizeof(hash), sealed, sealed_len,
            pdata_mask_phone(&req->arena, in->phone), member, in->text, outcome, ref, now_sec(),
            key, sizeof(key), in->gateway_id);
    req_audit(req, "sms.reply", 0,
              member ? arena_printf(&req->arena, "member:%" PRId64, member) : NULL, "ok", "%s",
              outcome);
    return db_failed(db) ? req_fail(req, ERR_DB, NULL) : 200;
}

static const struct param incoming_query[] = {
    {"k", P_STR, P_REQUIRED, 1, 96},
    {"from", P_STR, P_REQUIRED, 1, 32},
    {"text", P_STR, P_MULTILINE, 0, 1600},
    {"id", P_STR, 0, 1, 64},
    {"at", P_INT, 0, 1, 4102444800}, /* before 2100 */
    {NULL},
};

/*
 * GET /api/v1/sms/incoming?k=&from=&text=&id=&at= -> {received: true}: a
 * message from a phone (Kannel's sms-service get-url with %p, %a, %I and %T;
 * smsbox's mo-recode turns UCS-2 into UTF-8). k is sms_inbound_secret. id
 * (Kannel's message id, the same when smsbox or bearerbox delivers the
 * message again) and at (the gateway's time of it) are optional; a copy of a
 * reply received already (the same id, else the same phone, text and at) is
 * answered and dropped. The outcome (ack, thread, unknown, ignored) is
 * stored in sms_inbox and audited. Public: the secret is the proof. Errors:
 * request.not_found (wrong secret or SMS off), request.invalid (text not
 * UTF-8, id or at malformed).
 */
static int h_incoming(struct req *req)
{
    const char *k = req_query_str(req, "k");
    size_t n = strlen(sms_cfg.inbound_secret);
    if (!sms_enabled() || !n || strlen(k) != n || sodium_memcmp(k, sms_cfg.inbound_secret, n))
        return req_fail(req, ERR_NOT_FOUND, NULL);
    struct inbound *in = arena_calloc(&req->arena, 1, sizeof(*in));
    in->phone = phone_normal(&req->arena, req_query_str(req, "from"));
    in->text = req_query_str(req, "text");
    if (!in->text)
        in->text = "";
    in->gateway_id = req_query_str(req, "id");
    in->gateway_at = req_query_int(req, "at", 0);
    req_after_commit(req, inbound_write, in);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "received", true);
    jw_obj_end(j);
    return 200;
}

/* ---- Tencent Cloud's callbacks ---- */

/* Whether ip is one of the addresses in list (separated by spaces or commas). */
static bool addr_listed(const char *list, const char *ip)
{
    size_t n = ip ? strlen(ip) : 0;
    for (const char *p = list; n && *p;) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, " ,");
        if (len == n && !strncmp(p, ip, n))
            return true;
        p += len;
    }
    return false;
}

/* Whether a callback from Tencent Cloud is taken: the backend is tencent, the
 * path's {key} is sms_tencent_callback_key, and the caller's address is one
 * of sms_tencent_callback_from when that is set. Tencent signs no callback;
 * docs/SECURITY.md says what else guards them. */
static bool tencent_callback_ok(struct req *req)
{
    char key[ROUTE_KEY_MAX + 1];
    size_t n = strlen(sms_cfg.tencent_callback_key);
    if (sms_cfg.backend != SMS_TENCENT || !n ||
        !router_key(req->route->path, req->path, key, sizeof(key)) || strlen(key) != n ||
        sodium_memcmp(key, sms_cfg.tencent_callback_key, n))
        return false;
    return !sms_cfg.tencent_callback_from[0] || addr_listed(sms_cfg.tencent_callback_from, req->ip);
}

/* Tencent's answer to a callback it may stop sending: {result: 0, errmsg: "OK"}. */
static int tencent_ok(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "result", 0);
    jw_kv_str(j, "errmsg", "OK");
    jw_obj_end(j);
    return 200;
}

#define TENCENT_REPORTS_MAX 100 /* receipts in one callback: Tencent sends up to 100 */

/*
 * POST /api/v1/sms/tencent/{key}/status [{mobile, nationcode, report_status,
 * sid, ...}] -> {result: 0, errmsg: "OK"} (Tencent's shape, no envelope):
 * Tencent Cloud's delivery receipts (状态报告). Each moves the outbox row
 * Tencent took with that sid for that phone forward (SUCCESS delivered, FAIL
 * failed); one for no such row is ignored. Public: {key} is
 * sms_tencent_callback_key. Errors: request.not_found (wrong key or address,
 * backend not tencent), request.bad_json (not an array).
 */
static int h_tencent_status(struct req *req)
{
    if (!tencent_callback_ok(req))
        return req_fail(req, ERR_NOT_FOUND, NULL);
    struct sms_tencent_report *r = arena_alloc(&req->arena, TENCENT_REPORTS_MAX * sizeof(*r));
    int n = sms_tencent_parse_reports(req->body_raw.data ? req->body_raw.data : "",
                                      req->body_raw.len, r, TENCENT_REPORTS_MAX);
    if (n < 0)
        return req_fail(req, ERR_BAD_JSON, "expected an array of delivery receipts");
    int applied = 0;
    for (int i = 0; i < n; i++)
        applied += sms_tencent_report(req->db, &r[i]) == 0;
    if (applied < n)
        log_warn("sms: %d of %d tencent receipt(s) matched no message", n - applied, n);
    return db_failed(req->db) ? req_fail(req, ERR_DB, NULL) : tencent_ok(req);
}

/*
 * POST /api/v1/sms/tencent/{key}/reply {mobile, nationcode, sign, text, time,
 * extend} -> {result: 0, errmsg: "OK"} (no envelope): a reply from a phone
 * (短信回复), handled as GET /sms/incoming handles Kannel's; a callback Tencent
 * sends again (the same mobile, text and time) is answered and dropped. sign must be the
 * configured signature's name. Public: {key} is sms_tencent_callback_key.
 * Errors: request.not_found (wrong key, address or signature, backend not
 * tencent), request.bad_json (not a reply from a mainland mobile).
 */
static int h_tencent_reply(struct req *req)
{
    if (!tencent_callback_ok(req))
        return req_fail(req, ERR_NOT_FOUND, NULL);
    struct sms_tencent_reply *r = arena_alloc(&req->arena, sizeof(*r));
    if (sms_tencent_parse_reply(req->body_raw.data ? req->body_raw.data : "", req->body_raw.len,
                                r) < 0)
        return req_fail(req, ERR_BAD_JSON, "expected a reply from a mainland mobile");
    /* The signature's name is what 【】 hold. */
    const char *sig = sms_cfg.signature;
    size_t len = strlen(sig);
    if (len < 6 || strlen(r->sign) != len - 6 || strncmp(r->sign, sig + 3, len - 6))
        return req_fail(req, ERR_NOT_FOUND, NULL);
    struct inbound *in = arena_calloc(&req->arena, 1, sizeof(*in));
    in->phone = arena_strdup(&req->arena, r->mobile);
    in->text = arena_strdup(&req->arena, r->text);
    in->gateway_at = r->time; /* Tencent gives no id: phone, text and its time */
    req_after_commit(req, inbound_write, in);
    return tencent_ok(req);
}

/* ---- a member's choice ---- */

static void write_quiet(struct jw *j, int from, int to)
{
    char s[32];
    snprintf(s, sizeof(s), "%02d:%02d-%02d:%02d", from / 60 % 24, from % 60, to / 60 % 24, to % 60);
    jw_kv_str(j, "quietHours", s);
}

/* Writes member's choice: {memberId, mode, chosen, quietHours, digest, phone (masked), smsOn}. */
static int choice_respond(struct req *req, int64_t member)
{
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.phone_mask, a.id, a.phone_tail, p.mode, p.quiet_from, p.quiet_to, p.digest "
        "FROM members "
        "m LEFT JOIN accounts a ON a.member_id = m.id LEFT JOIN sms_prefs p ON p.member_id = "
        "m.id WHERE m.id = ? AND m.deleted_at IS NULL",
        "i", member);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    }
    bool chosen = !db_isnull(st, 3);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", member);
    jw_kv_str(j, "mode", chosen ? db_text(st, 3) : db_isnull(st, 1) ? "sms" : "app_sms");
    jw_kv_bool(j, "chosen", chosen);
    if (chosen)
        write_quiet(j, (int)db_int(st, 4), (int)db_int(st, 5));
    else
        write_quiet(j, sms_cfg.quiet_from, sms_cfg.quiet_to);
    jw_kv_bool(j, "digest", chosen && db_int(st, 6));
    jw_kv_str(j, "phone",
              db_text(st, 0)   ? db_text(st, 0)
              : db_text(st, 2) ? arena_printf(&req->arena, "*******%s", db_text(st, 2))
                               : NULL);
    jw_kv_bool(j, "smsOn", sms_enabled());
    jw_obj_end(j);
    db_done(st);
    return 200;
}

static const struct param choice_body[] = {
    {"mode", P_ENUM, P_REQUIRED, 0, 0, modes},
    {"quietHours", P_STR, 0, 11, 11},
    {"digest", P_BOOL},
    {NULL},
};

/* Stores member's choice from the body; 0 or an error status. */
static int choice_store(struct req *req, int64_t member)
{
    int from = sms_cfg.quiet_from, to = sms_cfg.quiet_to;
    const char *quiet = req_body_str(req, "quietHours");
    if (quiet && !sms_parse_quiet(quiet, &from, &to))
        return req_fail_field(req, ERR_INVALID, "quietHours", "expected HH:MM-HH:MM");
    const char *mode = req_body_str(req, "mode");
    if (strcmp(mode, "app")) {
        int64_t phones = 0;
        db_get_int(req->db, &phones,
                   "SELECT count(*) FROM members m LEFT JOIN accounts a ON a.member_id = m.id "
                   "WHERE m.id = ? AND (m.phone_sealed IS NOT NULL OR a.id IS NOT NULL)",
                   "i", member);
        if (!phones)
            return req_fail_field(req, ERR_SMS_NO_PHONE, "mode", NULL);
    }
    int64_t now = now_sec();
    /* digest left out: as it was (off for a first choice). */
    const struct value *digest = req_body(req, "digest");
    db_exec(req->db,
            "INSERT INTO sms_prefs (member_id, mode, quiet_from, quiet_to, digest, updated_by, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET mode = "
            "excluded.mode, quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, "
            "digest = CASE WHEN ? = 1 THEN excluded.digest ELSE sms_prefs.digest END, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            "isiiiiii", member, mode, (int64_t)from, (int64_t)to, digest->present ? digest->i : 0,
            req->who->account_id, now, (int64_t)digest->present);
    db_next_seq(req->db); /* retires cached answers */
    return 0;
}

/*
 * GET /api/v1/me/sms -> {memberId, mode, chosen, quietHours, digest, phone,
 * smsOn}: how the caller is reached (mode app | app_sms | sms; not chosen:
 * the default; digest: what can wait comes in one SMS a day). An account with no member record:
 * memberId and mode null (there is nothing to choose). Any account.
 */
static int h_me_get(struct req *req)
{
    if (req->who->member_id)
        return choice_respond(req, req->who->member_id);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_null(j, "memberId");
    jw_kv_null(j, "mode");
    jw_kv_bool(j, "chosen", false);
    write_quiet(j, sms_cfg.quiet_from, sms_cfg.quiet_to);
    jw_kv_bool(j, "digest", false);
    jw_kv_null(j, "phone");
    jw_kv_bool(j, "smsOn", sms_enabled());
    jw_obj_end(j);
    return 200;
}

/*
 * PUT /api/v1/me/sms {mode, quietHours?, digest?} -> the choice. quietHours
 * "HH:MM-HH:MM" in Beijing time (default sms_quiet_hours); digest left out
 * stays as it was. Errors:
 * member.not_found, sms.no_phone (SMS chosen, no phone on record),
 * request.invalid. Any account with a member record.
 */
static int h_me_put(struct req *req)
{
    if (!req->who->member_id)
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    int rc = choice_store(req, req->who->member_id);
    return rc ? rc : choice_respond(req, req->who->member_id);
}

/*
 * GET /api/v1/members/{id}/sms -> the member's choice, as GET /me/sms.
 * roster.read on the member's branch, or the member. Errors: member.not_found.
 */
static int h_member_get(struct req *req)
{
    return choice_respond(req, req->obj.id);
}

/*
 * PUT /api/v1/members/{id}/sms {mode, quietHours?, digest?} -> the choice: a
 * secretary sets it for a member who cannot (audited). roster.write on the
 * member's branch. Errors: member.not_found, sms.no_phone, request.invalid.
 */
static int h_member_put(struct req *req)
{
    int rc = choice_store(req, req->obj.id);
    if (rc)
        return rc;
    req_audit(req, "sms.choice", req->obj.org_id,
              arena_printf(&req->arena, "member:%" PRId64, req->obj.id), "ok", "mode %s",
              req_body_str(req, "mode"));
    return choice_respond(req, req->obj.id);
}

/* ---- an organisation's quota and status ---- */

/*
 * GET /api/v1/orgs/{id}/sms -> {smsOn, backend, signature, quietHours,
 * dailyCap: {own, effective, fromOrgId}, today: {queued, refused},
 * outbox: {queued, sending, sent, delivered, failed, expired}}: the SMS status of
 * an organisation (today's counts of the organisation itself, the outbox
 * of its subtree over the last 7 days). org.admin on {id}.
 */
static int h_org_get(struct req *req)
{
    int64_t org = req_id(req);
    const char *path = org_path(req->db, &req->arena, org);
    int64_t own = -1, eff = sms_cfg.daily_cap, from = 0;
    struct db_stmt *st = db_query(
        req->db,
        "SELECT q.org_id, q.daily_cap FROM sms_quota q JOIN orgs a ON a.id = q.org_id WHERE "
        "substr(?, 1, length(a.path)) = a.path ORDER BY a.depth DESC",
        "s", path);
    while (db_next(st)) {
        if (!from) {
            from = db_int(st, 0);
            eff = db_int(st, 1);
        }
        if (db_int(st, 0) == org)
            own = db_int(st, 1);
    }
    db_done(st);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "smsOn", sms_enabled());
    jw_kv_str(j, "backend",
              sms_cfg.backend == SMS_KANNEL    ? "kannel"
              : sms_cfg.backend == SMS_TENCENT ? "tencent"
                                               : "off");
    jw_kv_str(j, "signature", sms_cfg.signature);
    write_quiet(j, sms_cfg.quiet_from, sms_cfg.quiet_to);
    jw_key(j, "dailyCap");
    jw_obj_begin(j);
    if (own >= 0)
        jw_kv_int(j, "own", own);
    else
        jw_kv_null(j, "own");
    jw_kv_int(j, "effective", eff);
    jw_kv_id(j, "fromOrgId", from);
    jw_obj_end(j);
    jw_key(j, "today");
    jw_obj_begin(j);
    st = db_query(req->db, "SELECT queued, refused FROM sms_org_day WHERE org_id = ? AND day = ?",
                  "ii", org, day_today());
    bool row = db_next(st);
    jw_kv_int(j, "queued", row ? db_int(st, 0) : 0);
    jw_kv_int(j, "refused", row ? db_int(st, 1) : 0);
    db_done(st);
    jw_obj_end(j);
    jw_key(j, "outbox");
    jw_obj_begin(j);
    static const char *const states[] = {"queued",    "sending", "sent",
                                         "delivered", "failed",  "expired"};
    int64_t counts[ARRAY_SIZE(states)] = {0};
    st = db_query(req->db,
                  "SELECT s.state, count(*) FROM sms_outbox s JOIN orgs o ON o.id = s.org_id "
                  "WHERE o.path >= ? AND o.path < ? AND s.created_at > ? GROUP BY s.state",
                  "ssi", path, org_path_end(&req->arena, path), now_sec() - 7 * 86400);
    while (db_next(st))
        for (size_t i = 0; i < ARRAY_SIZE(states); i++)
            if (!strcmp(db_text(st, 0), states[i]))
                counts[i] = db_int(st, 1);
    db_done(st);
    for (size_t i = 0; i < ARRAY_SIZE(states); i++)
        jw_kv_int(j, states[i], counts[i]);
    jw_obj_end(j);
    jw_obj_end(j);
    return 200;
}

static const struct param quota_body[] = {
    {"dailyCap", P_INT, 0, 0, 10000000},
    {NULL},
};

/*
 * PUT /api/v1/orgs/{id}/sms {dailyCap} -> the status as GET: the
 * organisation's own daily cap for each branch under it (null: inherit the
 * nearest above, else sms_daily_cap). Audited. org.admin on {id}.
 */
static int h_org_put(struct req *req)
{
    int64_t org = req_id(req);
    const struct value *cap = req_body(req, "dailyCap");
    if (cap->present) {
        db_exec(req->db,
                "INSERT INTO sms_quota (org_id, daily_cap, updated_by, updated_at) VALUES (?, ?, "
                "?, ?) ON CONFLICT (org_id) DO UPDATE SET daily_cap = excluded.daily_cap, "
                "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                "iiii", org, cap->i, req->who->account_id, now_sec());
    } else {
        db_exec(req->db, "DELETE FROM sms_quota WHERE org_id = ?", "i", org);
    }
    req_audit(req, "sms.quota", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok",
              cap->present ? "daily cap %" PRId64 : "daily cap inherited", cap->i);
    return h_org_get(req);
}

/* ---- the demo ---- */

static const struct param demo_query[] = {
    {"limit", P_INT, 0, 1, 200},
    {NULL},
};

/*
 * GET /api/v1/sms/demo?limit= -> {sent: [{id, phone, kind, body, state, at}],
 * received: [{id, phone, body, outcome, at}]}: what the demo's phones
 * received and sent, newest first, with the whole numbers (demo data).
 * Only with sms_demo_page = on (scripts/demo); request.not_found otherwise.
 * Public, like the demo accounts file.
 */
static int h_demo(struct req *req)
{
    if (!sms_cfg.demo_page)
        return req_fail(req, ERR_NOT_FOUND, NULL);
    int64_t limit = req_query_int(req, "limit", 50);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "sent");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, phone_sealed, kind, body, state, created_at FROM "
                                  "sms_outbox ORDER BY id DESC LIMIT ?",
                                  "i", limit);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "phone", phone_open(&req->arena, st, 1, "phone"));
        jw_kv_str(j, "kind", db_text(st, 2));
        jw_kv_str(j, "body", db_text(st, 3));
        jw_kv_str(j, "state", db_text(st, 4));
        jw_kv_time(j, "at", db_int(st, 5));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "received");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT id, phone_sealed, body, outcome, received_at FROM sms_inbox ORDER BY id "
                  "DESC LIMIT ?",
                  "i", limit);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "phone", phone_open(&req->arena, st, 1, "phone"));
        jw_kv_str(j, "body", db_text(st, 2));
        jw_kv_str(j, "outcome", db_text(st, 3));
        jw_kv_time(j, "at", db_int(st, 4));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

const struct route sms_routes[] = {
    {"GET", "/api/v1/sms/dlr", h_dlr, SCOPE_PUBLIC, PERM_NONE, NULL, dlr_query, NULL,
     ROUTE_NO_IDEM},
    {"GET", "/api/v1/sms/incoming", h_incoming, SCOPE_PUBLIC, PERM_NONE, NULL, incoming_query, NULL,
     ROUTE_NO_IDEM},
    {"POST", "/api/v1/sms/tencent/{key}/status", h_tencent_status, SCOPE_PUBLIC, PERM_NONE, NULL,
     NULL, NULL, ROUTE_NO_IDEM | ROUTE_BARE},
    {"POST", "/api/v1/sms/tencent/{key}/reply", h_tencent_reply, SCOPE_PUBLIC, PERM_NONE, NULL,
     NULL, NULL, ROUTE_NO_IDEM | ROUTE_BARE},
    {"GET", "/api/v1/sms/demo", h_demo, SCOPE_PUBLIC, PERM_NONE, NULL, demo_query, NULL, 0},
    {"GET", "/api/v1/me/sms", h_me_get, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {"PUT", "/api/v1/me/sms", h_me_put, SCOPE_LOGIN, PERM_NONE, NULL, NULL, choice_body, 0},
    {"GET", "/api/v1/members/{id}/sms", h_member_get, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL,
     NULL, 0, &member_kind, PARTY_SELF, SIDE_EITHER},
    {"PUT", "/api/v1/members/{id}/sms", h_member_put, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     choice_body, 0, &member_kind, 0, SIDE_ORG},
    {"GET", "/api/v1/orgs/{id}/sms", h_org_get, SCOPE_PATH_ORG, PERM_ORG_ADMIN, NULL, NULL, NULL,
     0},
    {"PUT", "/api/v1/orgs/{id}/sms", h_org_put, SCOPE_PATH_ORG, PERM_ORG_ADMIN, NULL, NULL,
     quota_body, 0},
    {NULL},
};
