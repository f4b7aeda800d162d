/*
 * sms.c - SMS templates, their measure on the air, the outbox and the SMS
 * settings (see sms.h). The sender and its gateways are in sms_send.c.
 */
#include "app.h"
#include "core/sms.h"

#include <ctype.h>

struct sms_config sms_cfg;

/* ---- templates ---- */

/* A variable: at most max characters. A text variable (free text, names,
 * titles) is cut to fit; an exact one (a code, a number, a date, a link) is
 * refused when longer, since a cut one would be wrong. */
struct sms_var {
    int max;
    bool exact;
};

struct sms_template {
    const char *name;
    bool code;
    int nvars;
    struct sms_var var[4];
    const char *text; /* {1}..{4}: the variables, as the provider's templates write them */
};

static const struct sms_template templates[SMS__COUNT] = {
    [SMS_LOGIN_CODE] = {"login_code",
                        true,
                        2,
                        {{8, true}, {3, true}},
                        "验证码{1}，{2}分钟内有效。如非本人操作，请忽略本短信。"},
    [SMS_ACTIVATION] = {"activation",
                        true,
                        3,
                        {{16, true}, {3, true}, {60, true}},
                        "您的支部账号激活码{1}，{2}天内有效，请在{3}输入激活码。"},
    [SMS_NOTICE] = {"notice",
                    false,
                    4,
                    {{16, false}, {20, false}, {12, true}, {4, true}},
                    "{1}发布通知《{2}》，请阅读并确认，截止{3}。回复{4}确认。"},
    [SMS_NOTICE_REMINDER] = {"notice_reminder",
                             false,
                             3,
                             {{20, false}, {12, true}, {4, true}},
                             "提醒：通知《{1}》将于{2}截止，您尚未确认。回复{3}确认。"},
    [SMS_ANSWER] = {"answer",
                    false,
                    2,
                    {{16, false}, {30, false}},
                    "{1}回复了您的留言：{2}。详情请登录查看。"},
    [SMS_MEETING] = {"meeting",
                     false,
                     4,
                     {{16, false}, {20, true}, {20, false}, {40, false}},
                     "{1}将于{2}召开{3}，请准时参加。{4}"},
    [SMS_LEAVE_DECISION] =
        {"leave_decision", false, 2, {{20, false}, {8, true}}, "您对{1}的请假申请{2}。"},
    [SMS_DUES] =
        {"dues", false, 2, {{3, true}, {16, false}}, "您的党费已{1}个月未交，请联系{2}缴纳。"},
    [SMS_TRANSFER] =
        {"transfer", false, 1, {{20, false}}, "您的组织关系转接有一步待您办理：{1}。请登录查看。"},
    [SMS_CORRECTION] =
        {"correction", false, 1, {{20, false}}, "您看过的《{1}》已更正，请登录查看。"},
    [SMS_DIGEST] = {"digest",
                    false,
                    2,
                    {{5, true}, {5, true}},
                    "您有{1}条新通知、{2}件待办事项，请登录查看。"},
};

const char *sms_kind_name(enum sms_kind kind)
{
    assert(kind >= 0 && kind < SMS__COUNT);
    return templates[kind].name;
}

int sms_kind_from_name(const char *name)
{
    for (int k = 0; k < SMS__COUNT; k++)
        if (!strcmp(templates[k].name, name))
            return k;
    return -1;
}

bool sms_kind_is_code(enum sms_kind kind)
{
    assert(kind >= 0 && kind < SMS__COUNT);
    return templates[kind].code;
}

/* ---- measure ---- */

/* Decodes one UTF-8 character at *s (valid UTF-8 assumed), advancing *s. */
static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    if (n)
        c &= 0x3f >> n;
    for (int i = 1; i <= n && p[i]; i++)
        c = (c << 6) | (p[i] & 0x3f);
    int i = 1;
    while (i <= n && p[i])
        i++;
    *s += i;
    return c;
}

/* Septets of c in the GSM 03.38 default alphabet (1, or 2 for the extension
 * table), 0 when it has none. */
static int gsm7_septets(uint32_t c)
{
    static const char basic[] = "@$\n\r_ !\"#%&'()*+,-./0123456789:;<=>?"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static const uint32_t basic_wide[] = {
        0xa3,  0xa5,  0xe8,  0xe9,  0xf9,  0xec,  0xf2,  0xc7,  0xd8,  0xf8, 0xc5, 0xe5, 0x394,
        0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, 0xc6, 0xe6, 0xdf, 0xc9,
        0xa4,  0xa1,  0xc4,  0xd6,  0xd1,  0xdc,  0xa7,  0xbf,  0xe4,  0xf6, 0xf1, 0xfc, 0xe0};
    static const char ext[] = "^{}\\[~]|\f";
    if (c && c < 0x80 && strchr(basic, (int)c))
        return 1;
    if (c && c < 0x80 && strchr(ext, (int)c))
        return 2;
    if (c == 0x20ac) /* € */
        return 2;
    for (size_t i = 0; i < ARRAY_SIZE(basic_wide); i++)
        if (basic_wide[i] == c)
            return 1;
    return 0;
}

void sms_measure(const char *s, struct sms_size *out)
{
    int septets = 0, utf16 = 0;
    bool gsm = true;
    for (const char *p = s; *p;) {
        uint32_t c = utf8_next(&p);
        if (gsm) { /* one character outside the alphabet makes it UCS-2 */
            int n = gsm7_septets(c);
            gsm = n > 0;
            septets += n;
        }
        utf16 += c >= 0x10000 ? 2 : 1;
    }
    out->coding = gsm ? SMS_GSM7 : SMS_UCS2;
    out->units = gsm ? septets : utf16;
    int single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    out->parts = out->units <= single ? 1 : (out->units + multi - 1) / multi;
}

/* ---- render ---- */

/* The kind's text: configured (sms_text.KIND) or built in. */
static const char *template_text(enum sms_kind kind)
{
    return sms_cfg.text[kind][0] ? sms_cfg.text[kind] : templates[kind].text;
}

/* Appends variable v to b under its bound; false (reason in *why) if refused. */
static bool add_var(struct buf *b, const char *v, const struct sms_var *spec, const char **why)
{
    int chars = 0;
    for (const char *p = v; *p;) {
        const char *start = p;
        uint32_t c = utf8_next(&p);
        if (c < 0x20 || c == 0x7f) {
            if (spec->exact) {
                *why = "a template variable holds a control character";
                return false;
            }
            c = ' ';
        }
        if (chars == spec->max) {
            if (spec->exact) {
                *why = "a template variable is longer than its bound";
                return false;
            }
            /* The last character written gives way to the ellipsis. */
            const char *q = b->data + b->len;
            while (q > b->data && ((unsigned char)q[-1] & 0xc0) == 0x80)
                q--;
            b->len = (size_t)(q - 1 - b->data);
            buf_addstr(b, "…");
            return true;
        }
        chars++;
        if (c == ' ' || c == 0x3010 || c == 0x3011) /* 【】 belong to the signature alone */
            buf_addstr(b, c == 0x3010 ? "[" : c == 0x3011 ? "]" : " ");
        else
            buf_add(b, start, (size_t)(p - start));
    }
    if (!chars && spec->exact) {
        *why = "a template variable is empty";
        return false;
    }
    return true;
}

int sms_render(enum sms_kind kind, const char *const vars[4], struct sms_rendered *out,
               const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if ((int)kind < 0 || kind >= SMS__COUNT) {
        *why = "unknown kind of message";
        return -1;
    }
    const struct sms_template *t = &templates[kind];
    for (int i = 0; i < t->nvars; i++)
        if (!vars[i]) {
            *why = "a template variable is missing";
            return -1;
        }
    /* Each variable rendered once, then the text with them in place. */
    struct buf b;
    buf_init(&b);
    size_t at[4], used = 0;
    int rc = 0;
    out->nvars = t->nvars;
    for (int i = 0; i < t->nvars && !rc; i++) {
        buf_reset(&b);
        if (!add_var(&b, vars[i], &t->var[i], why))
            rc = -1;
        else if (used + b.len + 1 > sizeof(out->varbuf))
            rc = -1, *why = "the message is longer than SMS_MAX_PARTS parts";
        else {
            at[i] = used;
            memcpy(out->varbuf + used, b.data ? b.data : "", b.len);
            used += b.len;
            out->varbuf[used++] = '\0';
        }
    }
    if (!rc) {
        for (int i = 0; i < t->nvars; i++)
            out->vars[i] = out->varbuf + at[i];
        buf_reset(&b);
        buf_addstr(&b, sms_cfg.signature);
        for (const char *p = template_text(kind); *p; p++) {
            if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
                assert(p[1] - '1' < t->nvars); /* sms_config_apply checks configured texts */
                buf_addstr(&b, out->vars[p[1] - '1']);
                p += 2;
            } else {
                buf_addch(&b, *p);
            }
        }
        sms_measure(b.data, &out->size);
        if (b.len >= SMS_BODY_MAX || out->size.parts > SMS_MAX_PARTS) {
            *why = "the message is longer than SMS_MAX_PARTS parts";
            rc = -1;
        } else {
            memcpy(out->body, b.data, b.len + 1);
        }
    }
    buf_release(&b);
    return rc;
}

/* ---- the outbox ---- */

/* Minute of the Beijing day at instant t. */
static int beijing_minute(int64_t t)
{
    return (int)(((t + BEIJING_OFFSET) % 86400) / 60);
}

int64_t sms_after_quiet(int64_t now, int from, int to)
{
    if (from == to)
        return now;
    int m = beijing_minute(now);
    bool quiet = from < to ? m >= from && m < to : m >= from || m < to;
    if (!quiet)
        return now;
    int64_t end = beijing_day_start(beijing_day(now)) + to * 60LL;
    return end > now ? end : end + 86400;
}

static bool is_mobile(const char *p)
{
    if (!p || strlen(p) != 11 || p[0] != '1' || p[1] < '3')
        return false;
    for (int i = 0; i < 11; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    return true;
}

/* The daily cap for the branches under org_id: the nearest sms_quota row on
 * its path, else sms_daily_cap. */
static int64_t cap_for(struct db *db, int64_t org_id)
{
    int64_t cap = sms_cfg.daily_cap;
    if (!db_get_int(db, &(int64_t){0}, "SELECT 1 FROM sms_quota LIMIT 1", ""))
        return cap; /* no organisation set one: the usual case, one probe */
    struct arena a;
    arena_init(&a);
    const char *path = NULL;
    struct db_stmt *st = db_query(db, "SELECT path FROM orgs WHERE id = ?", "i", org_id);
    if (db_next(st))
        path = arena_strdup(&a, db_text(st, 0));
    db_done(st);
    if (path) {
        /* "/1/12/140/": the organisation and its ancestors. */
        struct db_list ids;
        db_list_init(&ids, &a);
        for (const char *p = path; p && p[0] == '/' && p[1]; p = strchr(p + 1, '/'))
            db_list_int(&ids, strtoll(p + 1, NULL, 10));
        int64_t depth = -1;
        st = db_query(db,
                      "SELECT q.daily_cap, o.depth FROM sms_quota q JOIN orgs o ON o.id = "
                      "q.org_id WHERE q.org_id IN (SELECT value FROM {list})",
                      "l", &ids);
        while (db_next(st))
            if (db_int(st, 1) > depth) {
                depth = db_int(st, 1);
                cap = db_int(st, 0);
            }
        db_done(st);
    }
    arena_release(&a);
    return cap;
}

/* Counts a message against the daily cap of its organisation: 0, or -1
 * (counted as refused instead) when the cap is reached. */
static int cap_take(struct db *db, int64_t org_id, int64_t day)
{
    int64_t queued = 0;
    struct db_stmt *st = db_query(
        db,
        "INSERT INTO sms_org_day (org_id, day, queued) VALUES (?, ?, 1) ON CONFLICT (org_id, "
        "day) DO UPDATE SET queued = sms_org_day.queued + 1 RETURNING queued",
        "ii", org_id, day);
    if (db_next(st))
        queued = db_int(st, 0);
    db_done(st);
    if (queued <= cap_for(db, org_id))
        return 0;
    db_exec(db,
            "UPDATE sms_org_day SET queued = queued - 1, refused = refused + 1 WHERE org_id = ? "
            "AND day = ?",
            "ii", org_id, day);
    return -1;
}

bool sms_kind_can_wait(enum sms_kind kind)
{
    assert(kind >= 0 && kind < SMS__COUNT);
    return !templates[kind].code && kind != SMS_MEETING && kind != SMS_DIGEST;
}

/* Whether m waits for the digest instead of going out now: the member chose
 * it, or more than sms_digest_after messages went to the phone (hash) today.
 * Returns the reason ("chosen", "many") or NULL. */
static const char *digest_reason(struct db *db, const struct sms_msg *m, bool chosen,
                                 const unsigned char *hash, int64_t now)
{
    if (!m->member_id || !sms_kind_can_wait(m->kind))
        return NULL;
    if (chosen)
        return "chosen";
    if (!sms_cfg.digest_after)
        return NULL;
    int64_t today = 0;
    db_get_int(db, &today,
               "SELECT count(*) FROM sms_outbox WHERE phone_hash = ? AND created_at >= ? AND "
               "kind NOT IN ('login_code', 'activation')",
               "bi", hash, (size_t)PDATA_HASH_BYTES, beijing_day_start(beijing_day(now)));
    return today >= sms_cfg.digest_after ? "many" : NULL;
}

/* Folds m into the phone's next digest: 0, or 1 when its dedupe key was
 * queued or folded already. */
static int digest_fold(struct db *db, const struct sms_msg *m, const char *reason,
                       const unsigned char *hash, int64_t now, const char **why)
{
    if (m->dedupe &&
        db_get_int(db, &(int64_t){0}, "SELECT 1 FROM sms_outbox WHERE dedupe = ?", "s", m->dedupe))
        return 1;
    struct arena a;
    arena_init(&a);
    size_t sealed_len;
    unsigned char *sealed = pdata_seal(&a, "phone", m->phone, &sealed_len);
    db_exec(db,
            "INSERT INTO sms_digest_items (kind, reason, phone_hash, phone_sealed, account_id, "
            "member_id, org_id, dedupe, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
            "CONFLICT (dedupe) DO NOTHING",
            "ssbbIIIsi", templates[m->kind].name, reason, hash, (size_t)PDATA_HASH_BYTES, sealed,
            sealed_len, m->account_id, m->member_id, m->org_id, m->dedupe, now);
    arena_release(&a);
    if (db_failed(db)) {
        *why = "the digest could not be written";
        return -3;
    }
    return db_changes(db) > 0 ? 0 : 1;
}

int sms_withdraw(struct db *db, const char *prefix)
{
    /* The keys from prefix up to prefix with its last byte raised: an index range. */
    size_t len = strlen(prefix);
    char end[128];
    if (!len || len >= sizeof(end) || (unsigned char)prefix[len - 1] == 0xff)
        return -1;
    memcpy(end, prefix, len + 1);
    end[len - 1]++;
    /* What they took of their organisations' daily caps is given back. */
    db_exec(db,
            "UPDATE sms_org_day SET queued = queued - w.n FROM (SELECT org_id, (created_at + ?) / "
            "86400 AS day, COUNT(*) AS n FROM sms_outbox WHERE dedupe >= ? AND dedupe < ? AND "
            "state = 'queued' AND org_id IS NOT NULL GROUP BY 1, 2) w WHERE sms_org_day.org_id = "
            "w.org_id AND sms_org_day.day = w.day",
            "iss", (int64_t)BEIJING_OFFSET, prefix, end);
    db_exec(db, "DELETE FROM sms_outbox WHERE dedupe >= ? AND dedupe < ? AND state = 'queued'",
            "ss", prefix, end);
    int n = db_changes(db);
    db_exec(db,
            "DELETE FROM sms_digest_items WHERE dedupe >= ? AND dedupe < ? AND digested_at IS NULL",
            "ss", prefix, end);
    n += db_changes(db);
    return db_failed(db) ? -1 : n;
}

int sms_enqueue(struct db *db, const struct sms_msg *m, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!is_mobile(m->phone)) {
        *why = "not a mainland mobile number";
        return -1;
    }
    struct sms_rendered r;
    if (sms_render(m->kind, m->vars, &r, why) < 0)
        return -1;
    const struct sms_template *t = &templates[m->kind];
    int64_t now = now_sec();

    int quiet_from = sms_cfg.quiet_from, quiet_to = sms_cfg.quiet_to;
    bool digest = false;
    if (m->prefs_read) {
        if (m->prefs_found)
            quiet_from = m->quiet_from, quiet_to = m->quiet_to, digest = m->digest;
    } else if (m->member_id) {
        struct db_stmt *st =
            db_query(db, "SELECT quiet_from, quiet_to, digest FROM sms_prefs WHERE member_id = ?",
                     "i", m->member_id);
        if (db_next(st)) {
            quiet_from = (int)db_int(st, 0);
            quiet_to = (int)db_int(st, 1);
            digest = db_int(st, 2) != 0;
        }
        db_done(st);
    }
    unsigned char hash[PDATA_HASH_BYTES];
    pdata_hash("phone", m->phone, hash);
    const char *reason = digest_reason(db, m, digest, hash, now);
    if (reason)
        return digest_fold(db, m, reason, hash, now, why);
    struct arena a;
    arena_init(&a);
    struct buf vars;
    buf_init_arena(&vars, &a);
    struct jw j;
    jw_init(&j, &vars);
    jw_arr_begin(&j);
    for (int i = 0; i < r.nvars; i++)
        jw_str(&j, r.vars[i]);
    jw_arr_end(&j);
    buf_addch(&vars, '\0');
    size_t sealed_len;
    unsigned char *sealed = pdata_seal(&a, "phone", m->phone, &sealed_len);
    bool quiet = !t->code && quiet_from != quiet_to;
    db_exec(db,
            "INSERT INTO sms_outbox (kind, template_id, vars, body, coding, units, parts, "
            "phone_hash, phone_sealed, phone_mask, account_id, member_id, org_id, dedupe, "
            "not_before, quiet_from, quiet_to, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (dedupe) DO NOTHING",
            "sssssiibbsIIIsiiiii", t->name, sms_cfg.template_id[m->kind], vars.data, r.body,
            r.size.coding == SMS_GSM7 ? "gsm7" : "ucs2", (int64_t)r.size.units,
            (int64_t)r.size.parts, hash, sizeof(hash), sealed, sealed_len,
            pdata_mask_phone(&a, m->phone), m->account_id, m->member_id, m->org_id, m->dedupe,
            quiet ? sms_after_quiet(now, quiet_from, quiet_to) : now,
            (int64_t)(quiet ? quiet_from : 0), (int64_t)(quiet ? quiet_to : 0), now, now);
    bool inserted = db_changes(db) > 0;
    int64_t id = db_last_id(db);
    arena_release(&a);
    if (db_failed(db)) {
        *why = "the outbox could not be written";
        return -3;
    }
    if (!inserted)
        return 1; /* its dedupe key is queued already */
    if (!t->code && m->org_id && cap_take(db, m->org_id, beijing_day(now)) < 0) {
        db_exec(db, "DELETE FROM sms_outbox WHERE id = ?", "i", id);
        *why = "the organisation's daily SMS cap is reached";
        return -2;
    }
    return 0;
}

/* ---- expiry ---- */

int sms_expire_job(struct db *db)
{
    int64_t now = now_sec();
    /* A sign-in code is worth nothing after its own life; the rest after sms_outbox_days. */
    db_exec(db,
            "UPDATE sms_outbox SET state = 'expired', done_at = ?, updated_at = ?, error = "
            "'expired: not sent in time' WHERE state = 'queued' AND (created_at < ? OR (kind = "
            "'login_code' AND created_at < ?))",
            "iiii", now, now, now - sms_cfg.outbox_days * 86400LL,
            now - cfg.login_code_minutes * 60LL);
    int64_t n = db_changes(db);
    if (n > 0)
        log_info("sms: %" PRId64 " message(s) expired unsent%s", n,
                 sms_enabled() ? "" : " (SMS is off)");
    return db_failed(db) ? -1 : (int)n;
}

/* ---- the daily digest ---- */

/* Phones one run of the digest job serves; the rest wait for the next run. */
#define DIGEST_BATCH 200

int sms_digest_job(struct db *db)
{
    int64_t now = now_sec();
    /* The last digest time that passed: what was folded before it goes out now. */
    int64_t at = beijing_day_start(beijing_day(now)) + sms_cfg.digest_minute * 60LL;
    if (at > now)
        at -= 86400;
    struct digest {
        int64_t last_id, notices, others;
    } *d = xmalloc(DIGEST_BATCH * sizeof(*d));
    int n = 0;
    struct db_stmt *st =
        db_query(db,
                 "SELECT max(id), sum(CASE WHEN kind IN ('notice', 'notice_reminder') THEN 1 "
                 "ELSE 0 END), count(*) FROM sms_digest_items WHERE digested_at IS NULL AND "
                 "created_at < ? GROUP BY phone_hash ORDER BY min(id) LIMIT ?",
                 "ii", at, (int64_t)DIGEST_BATCH);
    while (db_next(st) && n < DIGEST_BATCH) {
        d[n].last_id = db_int(st, 0);
        d[n].notices = db_int(st, 1);
        d[n].others = db_int(st, 2) - d[n].notices;
        n++;
    }
    db_done(st);
    struct arena a;
    arena_init(&a);
    for (int i = 0; i < n; i++) {
        /* The newest item says who the phone is now (member, account, branch). */
        st = db_query(db,
                      "SELECT phone_hash, phone_sealed, account_id, member_id, org_id FROM "
                      "sms_digest_items WHERE id = ?",
                      "i", d[i].last_id);
        if (!db_next(st)) {
            db_done(st);
            continue;
        }
        size_t hlen = 0, slen = 0;
        const void *h = db_blob(st, 0, &hlen), *sealed = db_blob(st, 1, &slen);
        unsigned char *hash = arena_alloc(&a, hlen ? hlen : 1);
        memcpy(hash, h, hlen);
        const char *phone = sealed ? pdata_open(&a, "phone", sealed, slen) : NULL;
        struct sms_msg m = {
            .kind = SMS_DIGEST,
            .phone = phone,
            .account_id = db_isnull(st, 2) ? 0 : db_int(st, 2),
            .member_id = db_isnull(st, 3) ? 0 : db_int(st, 3),
            .org_id = db_isnull(st, 4) ? 0 : db_int(st, 4),
            .vars = {arena_printf(&a, "%" PRId64, d[i].notices),
                     arena_printf(&a, "%" PRId64, d[i].others)},
            .dedupe = arena_printf(&a, "digest:%" PRId64, d[i].last_id),
        };
        db_done(st);
        const char *why = NULL;
        if (phone && sms_enqueue(db, &m, &why) < 0)
            log_warn("sms: digest for member %" PRId64 " not queued: %s", m.member_id, why);
        db_exec(db,
                "UPDATE sms_digest_items SET digested_at = ? WHERE phone_hash = ? AND "
                "digested_at IS NULL AND id <= ?",
                "ibi", now, hash, hlen, d[i].last_id);
    }
    arena_release(&a);
    free(d);
    return db_failed(db) ? -1 : n;
}

/* ---- configuration ---- */

void sms_config_defaults(struct sms_config *c)
{
    memset(c, 0, sizeof(*c));
    c->backend = SMS_OFF;
    snprintf(c->signature, sizeof(c->signature), "【智慧支部】");
    c->daily_cap = 500;
    c->rate_per_s = 10;
    c->quiet_from = 21 * 60;
    c->quiet_to = 8 * 60;
    c->retry_max = 6;
    c->retry_base_s = 30;
    c->sending_grace_s = 600;
    c->poll_ms = 1000;
    c->digest_after = 5;
    c->outbox_days = 3;
    c->fanout_batch = 2000;
    c->digest_minute = 18 * 60;
    snprintf(c->kannel_url, sizeof(c->kannel_url), "http://127.0.0.1:13013/cgi-bin/sendsms");
    snprintf(c->tencent_url, sizeof(c->tencent_url), "https://sms.tencentcloudapi.com/");
    snprintf(c->tencent_region, sizeof(c->tencent_region), "ap-guangzhou");
}

static bool copy(char *dst, size_t n, const char *v)
{
    return snprintf(dst, n, "%s", v) < (int)n;
}

/* "HH:MM" as minutes of the day. */
static bool parse_hhmm(const char *s, int *out)
{
    if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return false;
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 23 || m > 59)
        return false;
    *out = h * 60 + m;
    return true;
}

bool sms_parse_quiet(const char *s, int *from, int *to)
{
    char a[6], b[6];
    if (strlen(s) != 11 || s[5] != '-')
        return false;
    memcpy(a, s, 5), a[5] = '\0';
    memcpy(b, s + 6, 5), b[5] = '\0';
    int f, t;
    if (!parse_hhmm(a, &f) || !parse_hhmm(b, &t))
        return false;
    *from = f, *to = t;
    return true;
}

/* A configured template text: UTF-8 without control characters, its {n}
 * variables within the kind's count. */
static bool text_ok(enum sms_kind kind, const char *v)
{
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20)
            return false;
        if (p[0] == '{' && (p[1] < '1' || p[1] - '0' > templates[kind].nvars || p[2] != '}'))
            return false;
    }
    return *v != '\0';
}

static bool secret_ok(const char *v)
{
    size_t len = strlen(v);
    return len >= 16 &&
           strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == len;
}

bool sms_config_apply(struct sms_config *c, const char *key, const char *v)
{
    int64_t n;
    if (strncmp(key, "sms_", 4))
        return false;
    if (!strncmp(key, "sms_template.", 13) || !strncmp(key, "sms_text.", 9)) {
        bool id = key[4] == 't' && key[5] == 'e' && key[6] == 'm';
        int kind = sms_kind_from_name(strchr(key, '.') + 1);
        if (kind < 0)
            return false;
        if (id)
            return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                       strlen(v) &&
                   copy(c->template_id[kind], sizeof(c->template_id[kind]), v);
        return text_ok((enum sms_kind)kind, v) && copy(c->text[kind], sizeof(c->text[kind]), v);
    }
    if (!strcmp(key, "sms_backend")) {
        if (!strcmp(v, "off"))
            c->backend = SMS_OFF;
        else if (!strcmp(v, "kannel"))
            c->backend = SMS_KANNEL;
        else if (!strcmp(v, "tencent"))
            c->backend = SMS_TENCENT;
        else
            return false;
        return true;
    }
    if (!strcmp(key, "sms_signature")) {
        /* 【name】: the brackets and 2..12 characters between them. */
        size_t len = strlen(v);
        return len >= 12 && !strncmp(v, "【", 3) && !strcmp(v + len - 3, "】") &&
               copy(c->signature, sizeof(c->signature), v);
    }
    if (!strcmp(key, "sms_quiet_hours"))
        return sms_parse_quiet(v, &c->quiet_from, &c->quiet_to);
    if (!strcmp(key, "sms_digest_time"))
        return parse_hhmm(v, &c->digest_minute);
    if (!strcmp(key, "sms_demo_page")) {
        if (strcmp(v, "on") && strcmp(v, "off"))
            return false;
        c->demo_page = !strcmp(v, "on");
        return true;
    }
#define INT_KEY(name, field, min, max)                                                             \
    if (!strcmp(key, name)) {                                                                      \
        if (!parse_i64(v, strlen(v), &n) || n < (min) || n > (max))                                \
            return false;                                                                          \
        c->field = (int)n;                                                                         \
        return true;                                                                               \
    }
    INT_KEY("sms_daily_cap", daily_cap, 0, 10000000)
    INT_KEY("sms_rate", rate_per_s, 1, 10000)
    INT_KEY("sms_retry_max", retry_max, 1, 50)
    INT_KEY("sms_retry_base_s", retry_base_s, 1, 86400)
    INT_KEY("sms_sending_grace_s", sending_grace_s, 1, 86400)
    INT_KEY("sms_poll_ms", poll_ms, 10, 60000)
    INT_KEY("sms_digest_after", digest_after, 0, 1000)
    INT_KEY("sms_outbox_days", outbox_days, 1, 60)
    INT_KEY("sms_fanout_batch", fanout_batch, 1, 10000)
#undef INT_KEY
#define STR_KEY(name, field)                                                                       \
    if (!strcmp(key, name))                                                                        \
        return copy(c->field, sizeof(c->field), v);
    STR_KEY("sms_public_url", public_url)
    STR_KEY("sms_kannel_url", kannel_url)
    STR_KEY("sms_kannel_user", kannel_user)
    STR_KEY("sms_kannel_password", kannel_password)
    STR_KEY("sms_kannel_smsc", kannel_smsc)
    STR_KEY("sms_kannel_from", kannel_from)
    STR_KEY("sms_tencent_url", tencent_url)
    STR_KEY("sms_tencent_secret_id", tencent_secret_id)
    STR_KEY("sms_tencent_secret_key", tencent_secret_key)
    STR_KEY("sms_tencent_app_id", tencent_app_id)
    STR_KEY("sms_tencent_region", tencent_region)
#undef STR_KEY
    if (!strcmp(key, "sms_tencent_callback_key"))
        return secret_ok(v) && copy(c->tencent_callback_key, sizeof(c->tencent_callback_key), v);
    if (!strcmp(key, "sms_tencent_callback_from"))
        return strspn(v, "0123456789abcdefABCDEF.:, ") == strlen(v) &&
               copy(c->tencent_callback_from, sizeof(c->tencent_callback_from), v);
    if (!strcmp(key, "sms_inbound_secret"))
        return secret_ok(v) && copy(c->inbound_secret, sizeof(c->inbound_secret), v);
    return false;
}

int sms_config_check(struct sms_config *c, char *err, size_t errlen)
{
    if (c->backend == SMS_OFF)
        return 0;
    if (!c->public_url[0]) {
        snprintf(err, errlen,
                 "sms_backend is on: set sms_public_url (how the gateway reaches "
                 "zhibu for delivery reports and replies)");
        return -1;
    }
    if (c->backend == SMS_TENCENT &&
        (!c->tencent_secret_id[0] || !c->tencent_secret_key[0] || !c->tencent_app_id[0])) {
        snprintf(err, errlen,
                 "sms_backend = tencent needs sms_tencent_secret_id, "
                 "sms_tencent_secret_key and sms_tencent_app_id");
        return -1;
    }
    if (c->backend == SMS_TENCENT)
        for (int k = 0; k < SMS__COUNT; k++)
            if (!c->template_id[k][0]) {
                snprintf(err, errlen,
                         "sms_backend = tencent sends templates by id: set "
                         "sms_template.%s",
                         templates[k].name);
                return -1;
            }
    return 0;
}
