/*
 * sms.h - text messages to and from members' phones.
 *
 * Every message is built from a template (one per kind below): the operator
 * registers the template's text with the provider under the approved
 * signature 【...】 and maps each kind to the provider's template id in
 * zhibu.conf (sms_template.KIND = id). Free text only ever travels as a
 * template variable of bounded length. sms_enqueue() renders and checks the
 * message inside the caller's write transaction and stores it in the outbox
 * (table sms_outbox, migration 0019); a sender thread (sms_start) hands it to
 * the configured gateway later, so no request ever waits on a gateway.
 * docs/OPERATIONS.md "SMS" describes the configuration and the states.
 */
#ifndef ZHIBU_SMS_H
#define ZHIBU_SMS_H

enum sms_kind {
    SMS_LOGIN_CODE,
    SMS_ACTIVATION,
    SMS_NOTICE,
    SMS_NOTICE_REMINDER,
    SMS_ANSWER,
    SMS_MEETING,
    SMS_LEAVE_DECISION,
    SMS_DUES,
    SMS_TRANSFER,
    SMS_CORRECTION,
    SMS_DIGEST,
    SMS__COUNT
};

struct sms_msg {
    enum sms_kind kind;
    const char *phone;                     /* plain 11-digit mobile number (callers unseal it) */
    int64_t account_id, member_id, org_id; /* 0 when not known */
    const char *vars[4];                   /* template variables, in the template's order */
    const char *dedupe; /* "notice:12:m:40": a second enqueue with it is a no-op */
    /* The member's sms_prefs row as the caller read it (a batch reads them with
     * its members): prefs_read set, prefs_found when there is one. Unset: read
     * here. */
    bool prefs_read, prefs_found, digest;
    int quiet_from, quiet_to;
};

/*
 * Queue one message inside the caller's (the dispatcher's) write transaction: the
 * template is rendered and its length checked now; sending happens later in a job.
 * 0 queued, 1 already queued (dedupe), <0 refused (unknown/oversize/over the daily cap),
 * reason in *why when not NULL. Codes (LOGIN_CODE, ACTIVATION) ignore quiet hours.
 * The quiet hours are the member's (sms_prefs) or the configured sms_quiet_hours;
 * the daily cap is the organisation's (sms_quota, nearest on its path) or
 * sms_daily_cap, counted per Beijing day; codes are not counted against it.
 */
int sms_enqueue(struct db *db, const struct sms_msg *m, const char **why);

/*
 * Withdraws what is still waiting of the messages whose dedupe key starts with
 * prefix (a retracted notice's, "notice:ID:m:"): queued outbox rows not yet
 * claimed by the sender, and items folded for a digest not yet sent, are
 * deleted in the caller's write transaction, and what the queued ones took of
 * their organisations' daily caps is given back; what went out stays. Returns the
 * rows withdrawn, -1 on failure.
 */
int sms_withdraw(struct db *db, const char *prefix);

/* The kind's name as stored and configured: "login_code", "notice", ... */
const char *sms_kind_name(enum sms_kind kind);
/* The kind named name, or -1. */
int sms_kind_from_name(const char *name);
/* Codes are sent whatever the hour and are not counted against the daily cap. */
bool sms_kind_is_code(enum sms_kind kind);
/* Whether a message of kind may wait for the daily digest: not codes, not
 * meeting reminders (their hour matters), not the digest itself. */
bool sms_kind_can_wait(enum sms_kind kind);

/*
 * The daily digest (a housekeeping job): a message of a kind that can wait,
 * for a member who chose the digest (sms_prefs.digest) or once more than
 * sms_digest_after messages went to the phone that Beijing day, is folded
 * by sms_enqueue() into sms_digest_items (returning 0, or 1 when its dedupe
 * key was seen) instead of the outbox. Once sms_digest_time (Beijing) has
 * passed, this job queues one digest SMS per phone counting what was folded
 * before it (notices and their reminders; everything else as to-dos).
 * Returns the phones served, -1 on failure.
 */
int sms_digest_job(struct db *db);

/*
 * Outbox expiry (a housekeeping job): a message still queued after
 * sms_outbox_days (a sign-in code after login_code_minutes), because SMS is
 * off or the gateway would not take it, becomes 'expired' and is never sent;
 * the organisation's SMS status counts them. Returns the rows expired, -1 on
 * failure.
 */
int sms_expire_job(struct db *db);

/* ---- rendering (pure functions, unit-tested) ---- */

enum sms_coding { SMS_GSM7, SMS_UCS2 };

/* What a text costs on the air. */
struct sms_size {
    enum sms_coding coding;
    int units; /* GSM 7-bit septets (an extension character counts 2) or UTF-16 units */
    int parts; /* 1 up to 160 septets / 70 units; else ceil(units / 153) / ceil(units / 67) */
};

/* Measures UTF-8 text s (valid UTF-8 assumed: callers pass validated input). */
void sms_measure(const char *s, struct sms_size *out);

#define SMS_BODY_MAX 1024 /* bytes of a rendered body (SMS_MAX_PARTS parts fit well within) */
#define SMS_MAX_PARTS 4   /* a longer message is refused: nobody reads a fifth part */

/* A rendered message: the body as it goes on the air, and each variable as
 * it went into it (cut, cleaned) for providers that fill templates themselves. */
struct sms_rendered {
    char body[SMS_BODY_MAX];
    struct sms_size size;
    int nvars;
    const char *vars[4]; /* into varbuf */
    char varbuf[SMS_BODY_MAX];
};

/*
 * Renders the kind's template with vars (signature first): text variables
 * longer than their bound are cut and end with "…", exact variables (codes,
 * numbers, dates, links) are refused when too long. 0 on success; -1 with a
 * reason in *why (when why is not NULL).
 */
int sms_render(enum sms_kind kind, const char *const vars[4], struct sms_rendered *out,
               const char **why);

/* The first instant at or after now outside the quiet hours [from, to)
 * (Beijing minutes of the day; from > to spans midnight; from == to: none). */
int64_t sms_after_quiet(int64_t now, int from, int to);

/* Parses quiet hours "HH:MM-HH:MM" into Beijing minutes of the day. */
bool sms_parse_quiet(const char *s, int *from, int *to);

/* ---- configuration (zhibu.conf keys sms_*, read by config.c) ---- */

enum sms_backend { SMS_OFF, SMS_KANNEL, SMS_TENCENT };

struct sms_config {
    enum sms_backend backend; /* sms_backend = off | kannel | tencent */
    char signature[64];       /* sms_signature: the approved 【...】 */
    char template_id[SMS__COUNT][48];
    char text[SMS__COUNT][400]; /* sms_text.KIND: the registered text, "" = built-in */
    int daily_cap;              /* sms_daily_cap: messages per organisation and Beijing day */
    int rate_per_s;             /* sms_rate: messages handed to the gateway per second */
    int quiet_from, quiet_to;   /* sms_quiet_hours = 21:00-08:00 (Beijing minutes) */
    int retry_max;              /* sms_retry_max: attempts before 'failed' */
    int retry_base_s;           /* sms_retry_base_s: first backoff, doubled each time */
    int sending_grace_s;        /* sms_sending_grace_s: a claim older than this with no
                                   report is taken back (see OPERATIONS.md) */
    int poll_ms;                /* sms_poll_ms: how often the sender looks for due rows */
    int digest_after;           /* sms_digest_after: messages to a phone per Beijing day
                                   before the rest wait for the digest (0: never) */
    int outbox_days;            /* sms_outbox_days = 3: a message still queued this long is
                                   expired, never sent (a sign-in code after its own life) */
    int fanout_batch;           /* sms_fanout_batch = 2000: members a notice's SMS are queued
                                   for per read of notice_sms_job */
    int digest_minute;          /* sms_digest_time = 18:00: when the digest goes (Beijing) */
    char public_url[256];       /* sms_public_url: how the gateway reaches zhibu */
    char inbound_secret[96];    /* sms_inbound_secret: Kannel's get-url for replies */
    bool demo_page;             /* sms_demo_page = on: GET /api/v1/sms/demo (scripts/demo) */
    /* Kannel smsbox sendsms */
    char kannel_url[256]; /* sms_kannel_url = http://127.0.0.1:13013/cgi-bin/sendsms */
    char kannel_user[64], kannel_password[96];
    char kannel_smsc[64]; /* sms_kannel_smsc: smsc-id to route by, "" = any */
    char kannel_from[32]; /* sms_kannel_from: the sender number (106...) */
    /* Tencent Cloud SMS (API 2021-01-11, TC3-HMAC-SHA256) */
    char tencent_url[256]; /* sms_tencent_url = https://sms.tencentcloudapi.com/ */
    char tencent_secret_id[96], tencent_secret_key[96];
    char tencent_app_id[32], tencent_region[32];
    char tencent_callback_key[96];   /* sms_tencent_callback_key: the secret path segment of
                                        the receipt and reply callback URLs */
    char tencent_callback_from[256]; /* sms_tencent_callback_from: addresses the callbacks
                                        may come from, space-separated ("" = any) */
};

extern struct sms_config sms_cfg;

/* Defaults (SMS off). */
void sms_config_defaults(struct sms_config *c);
/* Applies one sms_* setting; false when the key is not an SMS key or the value is bad. */
bool sms_config_apply(struct sms_config *c, const char *key, const char *value);
/* Checks the SMS settings once all are read; -1 with a reason when they do not fit. */
int sms_config_check(struct sms_config *c, char *err, size_t errlen);

/* ---- the sender ---- */

/* Whether a gateway is configured (sms_backend is not off). */
bool sms_enabled(void);
/* Starts the sender thread when a gateway is configured, logs that SMS is off
 * otherwise (the outbox keeps what is queued until one is). */
void sms_start(void);
/* Stops the sender: a message being handed over finishes first. */
void sms_stop(void);
/*
 * One pass of the sender on db: takes back stale claims, then hands at most
 * max due messages to the gateway. Returns the number handed over, -1 on a
 * store failure. The thread calls it; tests and the bench may too.
 */
int sms_send_due(struct db *db, int max);

/*
 * A delivery report for outbox row id, whose report URL carried secret
 * (Kannel's dlr-url: type 1 delivered, 2 failed, 4 buffered, 8 accepted by
 * the message centre, 16 refused by it). Moves the row forward only (a late
 * report never undoes a later state). 0 done; -1 when no row has that id
 * and secret (the caller answers as for a missing one). In the caller's
 * write transaction.
 */
int sms_report(struct db *db, int64_t id, const char *secret, int type);

/*
 * Tencent Cloud SMS's callbacks (configured in its console; docs/OPERATIONS.md):
 * the delivery receipt (状态报告, a JSON array of {user_receive_time,
 * nationcode, mobile, report_status SUCCESS|FAIL, errmsg, description, sid})
 * and the reply (短信回复, {extend, mobile, nationcode, sign, text, time}).
 * Tencent signs neither: mod/sms.c guards them with a secret path segment, an
 * optional list of source addresses, and these checks of the content.
 */
struct sms_tencent_report {
    char sid[64];    /* the SerialNo SendSms returned */
    char mobile[12]; /* mainland mobile, 11 digits */
    bool delivered;  /* SUCCESS; FAIL: failed */
};
/* Parses a receipt body: up to max well-formed reports of mainland mobiles
 * into out (others skipped); -1 when the body is not a JSON array. */
int sms_tencent_parse_reports(const char *body, size_t len, struct sms_tencent_report *out,
                              int max);
struct sms_tencent_reply {
    char mobile[12];
    char sign[64];   /* the signature's name, without 【】 */
    char text[1600]; /* UTF-8 (jansson refuses anything else) */
    int64_t time;    /* when the phone sent it (unix, Tencent's clock); 0: not given */
};
/* Parses a reply body into out: 0, or -1 when it is not one from a mainland mobile. */
int sms_tencent_parse_reply(const char *body, size_t len, struct sms_tencent_reply *out);
/* Applies a receipt to the row Tencent took with that sid for that phone (forward
 * only, as sms_report): 0, or -1 when no row matches both. In the caller's write
 * transaction. */
int sms_tencent_report(struct db *db, const struct sms_tencent_report *r);

/*
 * Tencent Cloud API 3.0 request signing (TC3-HMAC-SHA256) of a POST to "/"
 * with no query, signing the content-type and host headers: writes the
 * Authorization header's value into out. 0, or -1 when out is too small.
 */
int sms_tc3_authorization(const char *secret_id, const char *secret_key, const char *service,
                          const char *host, const char *content_type, int64_t timestamp,
                          const char *payload, char *out, size_t outlen);

#endif
