/*
 * sms_send.c - the sender: hands queued messages of the outbox to the
 * configured gateway (Kannel's smsbox or Tencent Cloud SMS) from a thread of
 * its own, and records what the gateway reports back (see sms.h).
 *
 * A pass claims due rows in one short write transaction (state 'sending',
 * a fresh secret for the delivery-report URL, attempts + 1), calls the
 * gateway with no transaction open, then records each outcome in a second
 * transaction: 'sent' (or straight to a later state if a report came first),
 * 'queued' again with a doubled backoff, or 'failed'. A row left in
 * 'sending' by a crash is resolved by the gateway's report when one arrives
 * (smsbox retries report URLs until zhibu answers) and is queued again only
 * once sms_sending_grace_s passed without one: the call never reached the
 * gateway. docs/OPERATIONS.md "SMS" explains the choice.
 */
#include "app.h"
#include "core/sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>

enum send_result { SEND_OK, SEND_RETRY, SEND_FAIL };

/* One claimed message, its strings in the pass's arena. */
struct sms_out {
    int64_t id;
    int attempts;
    const char *phone, *body, *template_id, *vars;
    bool ucs2;
    char secret[32]; /* the report URL's secret; only its hash is stored */
    enum send_result result;
    const char *ref;   /* the provider's message id */
    const char *error; /* why not sent */
};

/* ---- HTTP ---- */

struct reply {
    struct buf body;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    if (r->body.len + size * n > 64 * 1024)
        return 0; /* a gateway's answer is short: stop reading */
    buf_add(&r->body, p, size * n);
    return size * n;
}

/* Performs the prepared request; the status (0: no answer) and the body in r. */
static long http_do(CURL *c, struct reply *r, char *err, size_t errlen)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
    buf_addch(&r->body, '\0');
    r->body.len--;
    return status;
}

/* ---- Kannel smsbox: GET cgi-bin/sendsms ---- */

static void add_param(CURL *c, struct buf *url, const char *name, const char *value)
{
    char *v = curl_easy_escape(c, value, 0);
    buf_printf(url, "%c%s=%s", strchr(url->data, '?') ? '&' : '?', name, v);
    curl_free(v);
}

static enum send_result kannel_send(CURL *c, struct arena *a, struct sms_out *m)
{
    struct buf url;
    buf_init_arena(&url, a);
    buf_addstr(&url, sms_cfg.kannel_url);
    add_param(c, &url, "username", sms_cfg.kannel_user);
    add_param(c, &url, "password", sms_cfg.kannel_password);
    add_param(c, &url, "to", m->phone);
    add_param(c, &url, "text", m->body);
    add_param(c, &url, "charset", "UTF-8");
    add_param(c, &url, "coding", m->ucs2 ? "2" : "0");
    if (sms_cfg.kannel_from[0])
        add_param(c, &url, "from", sms_cfg.kannel_from);
    if (sms_cfg.kannel_smsc[0])
        add_param(c, &url, "smsc", sms_cfg.kannel_smsc);
    /* Reports: delivered 1, failed 2, accepted by the centre 8, refused by it 16. */
    add_param(c, &url, "dlr-mask", "27");
    add_param(c, &url, "dlr-url",
              arena_printf(a, "%s/api/v1/sms/dlr?id=%" PRId64 "&k=%s&type=%%d", sms_cfg.public_url,
                           m->id, m->secret));
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    struct reply r;
    buf_init_arena(&r.body, a);
    char err[256] = "";
    long status = http_do(c, &r, err, sizeof(err));
    /* 202 "0: Accepted for delivery" or "3: Queued for later delivery". */
    if (status == 202 || status == 200) {
        m->ref = NULL;
        return SEND_OK;
    }
    m->error = arena_printf(a, "kannel: %s%.*s", status ? "" : err, status ? 120 : 0,
                            r.body.data ? r.body.data : "");
    /* A bad request stays bad; anything else (down, overloaded, refused
     * credentials being fixed) is tried again. */
    return status == 400 ? SEND_FAIL : SEND_RETRY;
}

/* ---- Tencent Cloud SMS: SendSms, API 2021-01-11, signed TC3-HMAC-SHA256 ---- */

static void hex(const unsigned char *in, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, in, n);
}

static void sha256_hex(const char *s, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, n);
    hex(h, sizeof(h), out);
}

static void hmac(const unsigned char *key, size_t keylen, const char *msg,
                 unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, out);
}

int sms_tc3_authorization(const char *secret_id, const char *secret_key, const char *service,
                          const char *host, const char *content_type, int64_t timestamp,
                          const char *payload, char *out, size_t outlen)
{
    char date[11], payload_hash[65], request_hash[65], sig_hex[65];
    time_t t = (time_t)timestamp;
    struct tm tm;
    gmtime_r(&t, &tm); /* the credential's date is the UTC date of the timestamp */
    strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    sha256_hex(payload, strlen(payload), payload_hash);
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s", content_type,
               host, payload_hash);
    sha256_hex(b.data, b.len, request_hash);
    buf_reset(&b);
    buf_printf(&b, "TC3-HMAC-SHA256\n%" PRId64 "\n%s/%s/tc3_request\n%s", timestamp, date, service,
               request_hash);
    unsigned char k[crypto_auth_hmacsha256_BYTES], sig[crypto_auth_hmacsha256_BYTES];
    char *first = NULL;
    if (asprintf(&first, "TC3%s", secret_key) < 0)
        BUG("out of memory");
    hmac((const unsigned char *)first, strlen(first), date, k);
    sodium_memzero(first, strlen(first));
    free(first);
    hmac(k, sizeof(k), service, k);
    hmac(k, sizeof(k), "tc3_request", k);
    hmac(k, sizeof(k), b.data, sig);
    sodium_memzero(k, sizeof(k));
    buf_release(&b);
    hex(sig, sizeof(sig), sig_hex);
    int n = snprintf(out, outlen,
                     "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, "
                     "SignedHeaders=content-type;host, Signature=%s",
                     secret_id, date, service, sig_hex);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* The host (and port) of an http(s) URL into out. */
static void url_host(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t len = strcspn(p, "/?#");
    snprintf(out, n, "%.*s", (int)len, p);
}

/* Tencent's error codes worth a second try: limits and its own faults. */
static bool tencent_transient(const char *code)
{
    return code && (!strncmp(code, "LimitExceeded", 13) || !strncmp(code, "InternalError", 13) ||
                    !strncmp(code, "RequestLimitExceeded", 20));
}

static enum send_result tencent_send(CURL *c, struct arena *a, struct sms_out *m)
{
    static const char ct[] = "application/json; charset=utf-8";
    /* SignName is the signature without its brackets. */
    size_t sl = strlen(sms_cfg.signature);
    const char *sign = arena_strndup(a, sms_cfg.signature + 3, sl > 6 ? sl - 6 : 0);
    struct buf payload;
    buf_init_arena(&payload, a);
    struct jw j;
    jw_init(&j, &payload);
    jw_obj_begin(&j);
    jw_key(&j, "PhoneNumberSet");
    jw_arr_begin(&j);
    jw_str(&j, arena_printf(a, "+86%s", m->phone));
    jw_arr_end(&j);
    jw_kv_str(&j, "SmsSdkAppId", sms_cfg.tencent_app_id);
    jw_kv_str(&j, "SignName", sign);
    jw_kv_str(&j, "TemplateId", m->template_id);
    jw_key(&j, "TemplateParamSet");
    jw_raw(&j, m->vars, strlen(m->vars)); /* the outbox's array, written by jw */
    jw_kv_str(&j, "SessionContext", arena_printf(a, "%" PRId64, m->id));
    jw_obj_end(&j);
    buf_addch(&payload, '\0');

    char host[256], auth[512];
    url_host(sms_cfg.tencent_url, host, sizeof(host));
    int64_t ts = now_sec();
    sms_tc3_authorization(sms_cfg.tencent_secret_id, sms_cfg.tencent_secret_key, "sms", host, ct,
                          ts, payload.data, auth, sizeof(auth));
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, arena_printf(a, "Authorization: %s", auth));
    h = curl_slist_append(h, arena_printf(a, "Content-Type: %s", ct));
    h = curl_slist_append(h, "X-TC-Action: SendSms");
    h = curl_slist_append(h, "X-TC-Version: 2021-01-11");
    h = curl_slist_append(h, arena_printf(a, "X-TC-Timestamp: %" PRId64, ts));
    h = curl_slist_append(h, arena_printf(a, "X-TC-Region: %s", sms_cfg.tencent_region));
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, sms_cfg.tencent_url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data);
    struct reply r;
    buf_init_arena(&r.body, a);
    char err[256] = "";
    long status = http_do(c, &r, err, sizeof(err));
    curl_slist_free_all(h);
    if (status != 200) {
        m->error = arena_printf(a, "tencent: %s", status ? "HTTP error" : err);
        return SEND_RETRY;
    }
    json_t *root = json_loadb(r.body.data, r.body.len, 0, NULL);
    json_t *resp = json_object_get(root, "Response");
    json_t *e = json_object_get(resp, "Error");
    json_t *s = json_array_get(json_object_get(resp, "SendStatusSet"), 0);
    const char *code = json_string_value(json_object_get(e ? e : s, "Code"));
    const char *msg = json_string_value(json_object_get(e ? e : s, "Message"));
    enum send_result res;
    if (!e && code && !strcmp(code, "Ok")) {
        const char *serial = json_string_value(json_object_get(s, "SerialNo"));
        m->ref = serial ? arena_strdup(a, serial) : NULL;
        res = SEND_OK;
    } else {
        m->error = arena_printf(a, "tencent: %s %.100s", code ? code : "no answer", msg ? msg : "");
        res = tencent_transient(code) || !code ? SEND_RETRY : SEND_FAIL;
    }
    json_decref(root);
    return res;
}

/* ---- the pass ---- */

static const char *backend_name(void)
{
    return sms_cfg.backend == SMS_KANNEL ? "kannel" : "tencent";
}

/* Claims up to max due rows (state 'sending'); fills out[] and returns how
 * many, -1 on a store failure. */
static int claim(struct db *db, struct arena *a, struct sms_out *out, int max)
{
    int64_t now = now_sec();
    if (db_begin(db, true) != DB_OK)
        return -1;
    /* Claims older than the grace never reached the gateway: queue them again. */
    db_exec(db,
            "UPDATE sms_outbox SET state = 'queued', claimed_at = NULL, not_before = ?, "
            "updated_at = ? WHERE state = 'sending' AND claimed_at <= ?",
            "iii", now, now, now - sms_cfg.sending_grace_s);
    if (db_changes(db) > 0)
        log_warn("sms: %d message(s) claimed more than %d s ago without a report: queued again",
                 db_changes(db), sms_cfg.sending_grace_s);
    /* smsbox answered 202 but no report at all followed (not even "accepted by
     * the centre", which bearerbox gives at once): smsbox or bearerbox died
     * with it in memory. Sent again rather than lost. */
    db_exec(db,
            "UPDATE sms_outbox SET state = 'queued', claimed_at = NULL, not_before = ?, error = "
            "'no report from the gateway', updated_at = ? WHERE state = 'sent' AND backend = "
            "'kannel' AND dlr_status IS NULL AND sent_at <= ?",
            "iii", now, now, now - sms_cfg.sending_grace_s);
    if (db_changes(db) > 0)
        log_warn("sms: %d message(s) accepted by Kannel more than %d s ago without a report: "
                 "queued again",
                 db_changes(db), sms_cfg.sending_grace_s);
    struct db_stmt *st =
        db_query(db,
                 "SELECT id, attempts, phone_sealed, body, template_id, vars, coding, quiet_from, "
                 "quiet_to FROM sms_outbox WHERE state = 'queued' AND not_before <= ? ORDER BY "
                 "not_before, id LIMIT ?",
                 "ii", now, (int64_t)max);
    int n = 0;
    while (db_next(st)) {
        struct sms_out *m = &out[n];
        memset(m, 0, sizeof(*m));
        m->id = db_int(st, 0);
        int64_t later = sms_after_quiet(now, (int)db_int(st, 7), (int)db_int(st, 8));
        if (later > now) { /* a retry that fell into quiet hours waits for their end */
            db_exec(db, "UPDATE sms_outbox SET not_before = ? WHERE id = ?", "ii", later, m->id);
            continue;
        }
        size_t len;
        const void *blob = db_blob(st, 2, &len);
        m->phone = pdata_open(a, "phone", blob, len);
        m->attempts = (int)db_int(st, 1) + 1;
        m->body = arena_strdup(a, db_text(st, 3));
        m->template_id = arena_strdup(a, db_text(st, 4));
        m->vars = arena_strdup(a, db_text(st, 5));
        m->ucs2 = !strcmp(db_text(st, 6), "ucs2");
        if (!m->phone) { /* sealed with another key: nobody can send it */
            db_exec(db,
                    "UPDATE sms_outbox SET state = 'failed', error = 'the phone cannot be "
                    "unsealed', done_at = ?, updated_at = ? WHERE id = ?",
                    "iii", now, now, m->id);
            continue;
        }
        n++;
    }
    db_done(st);
    for (int i = 0; i < n; i++) {
        unsigned char key[PDATA_HASH_BYTES];
        random_token(16, out[i].secret, sizeof(out[i].secret));
        pdata_hash("sms-dlr", out[i].secret, key);
        db_exec(db,
                "UPDATE sms_outbox SET state = 'sending', claimed_at = ?, attempts = ?, backend "
                "= ?, dlr_key = ?, updated_at = ? WHERE id = ?",
                "iisbii", now, (int64_t)out[i].attempts, backend_name(), key, sizeof(key), now,
                out[i].id);
    }
    if (db_failed(db) || db_commit(db) != DB_OK) {
        db_rollback(db);
        return -1;
    }
    return n;
}

/* Records the outcomes of a pass. */
static int record(struct db *db, const struct sms_out *out, int n)
{
    int64_t now = now_sec();
    if (db_begin(db, true) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        const struct sms_out *m = &out[i];
        if (m->result == SEND_OK) {
            db_exec(db,
                    "UPDATE sms_outbox SET state = 'sent', sent_at = ?, provider_ref = ?, "
                    "error = NULL, updated_at = ? WHERE id = ? AND state = 'sending'",
                    "isii", now, m->ref, now, m->id);
            if (m->ref) /* a report may have come first: keep its state, add the id */
                db_exec(db, "UPDATE sms_outbox SET provider_ref = ? WHERE id = ?", "si", m->ref,
                        m->id);
        } else if (m->result == SEND_RETRY && m->attempts < sms_cfg.retry_max) {
            int64_t wait = (int64_t)sms_cfg.retry_base_s << (m->attempts - 1);
            if (wait > 6 * 3600)
                wait = 6 * 3600;
            db_exec(db,
                    "UPDATE sms_outbox SET state = 'queued', claimed_at = NULL, not_before = ?, "
                    "error = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
                    "isii", now + wait, m->error, now, m->id);
        } else {
            db_exec(db,
                    "UPDATE sms_outbox SET state = 'failed', error = ?, done_at = ?, updated_at "
                    "= ? WHERE id = ? AND state = 'sending'",
                    "siii", m->error, now, now, m->id);
        }
    }
    if (db_failed(db) || db_commit(db) != DB_OK) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

static _Thread_local CURL *curl;

int sms_send_due(struct db *db, int max)
{
    if (sms_cfg.backend == SMS_OFF || max <= 0)
        return 0;
    if (!curl && !(curl = curl_easy_init()))
        return -1;
    struct arena a;
    arena_init(&a);
    struct sms_out *out = arena_calloc(&a, (size_t)max, sizeof(*out));
    int n = claim(db, &a, out, max);
    for (int i = 0; i < n; i++) {
        struct sms_out *m = &out[i];
        m->result =
            sms_cfg.backend == SMS_KANNEL ? kannel_send(curl, &a, m) : tencent_send(curl, &a, m);
        if (m->result != SEND_OK)
            log_warn("sms: message %" PRId64 " attempt %d: %s", m->id, m->attempts,
                     m->error ? m->error : "not sent");
    }
    if (n > 0 && record(db, out, n) < 0) {
        /* The rows stay 'sending': the reports or the grace resolve them. */
        log_error("sms: could not record the outcome of %d message(s)", n);
        n = -1;
    }
    for (int i = 0; i < (n > 0 ? n : 0); i++)
        sodium_memzero(out[i].secret, sizeof(out[i].secret));
    arena_release(&a);
    return n;
}

/* ---- reports ---- */

/* Moves row id (now in state) forward by a report of Kannel's dlr type. */
static void report_apply(struct db *db, int64_t id, const char *state, int type)
{
    const char *to = type & 1          ? "delivered"
                     : type & (2 | 16) ? "failed"
                     : type & (4 | 8)  ? "sent"
                                       : NULL;
    /* Only forward: a late "accepted" never undoes "delivered". A queued row
     * with a matching key was taken back after a crash although the gateway
     * had it: the report says it went, so it is not sent twice. */
    bool forward = to && (!strcmp(state, "sending") || !strcmp(state, "queued") ||
                          (!strcmp(state, "sent") && strcmp(to, "sent")));
    int64_t now = now_sec();
    /* A report that moves nothing is still a report: a row 'sent' without
     * any is queued again after the grace (claim), this one is not. */
    db_exec(db,
            "UPDATE sms_outbox SET dlr_status = COALESCE(dlr_status, ?), updated_at = ? WHERE "
            "id = ?",
            "iii", (int64_t)type, now, id);
    if (forward)
        db_exec(db,
                "UPDATE sms_outbox SET state = ?, dlr_status = ?, sent_at = COALESCE(sent_at, ?), "
                "done_at = "
                "CASE WHEN ? = 'sent' THEN NULL ELSE ? END, claimed_at = NULL, error = CASE "
                "WHEN ? = 'failed' THEN 'the operator reported a failure' ELSE error END WHERE "
                "id = ?",
                "siisisi", to, (int64_t)type, now, to, now, to, id);
}

int sms_report(struct db *db, int64_t id, const char *secret, int type)
{
    struct db_stmt *st =
        db_query(db, "SELECT state, dlr_key FROM sms_outbox WHERE id = ?", "i", id);
    if (!db_next(st)) {
        db_done(st);
        return -1;
    }
    unsigned char key[PDATA_HASH_BYTES];
    pdata_hash("sms-dlr", secret, key);
    size_t len = 0;
    const void *stored = db_blob(st, 1, &len);
    bool ok = stored && len == sizeof(key) && sodium_memcmp(stored, key, sizeof(key)) == 0;
    char state[16];
    snprintf(state, sizeof(state), "%s", db_text(st, 0));
    db_done(st);
    if (!ok)
        return -1;
    report_apply(db, id, state, type);
    return 0;
}

/* ---- Tencent Cloud's callbacks ---- */

/* A mainland mobile from Tencent's nationcode and mobile fields into out[12]. */
static bool tencent_mobile(json_t *o, char out[12])
{
    const char *nation = json_string_value(json_object_get(o, "nationcode"));
    const char *mobile = json_string_value(json_object_get(o, "mobile"));
    if (!mobile || (nation && strcmp(nation, "86")))
        return false;
    if (!strncmp(mobile, "+86", 3))
        mobile += 3;
    if (strlen(mobile) != 11 || mobile[0] != '1' || strspn(mobile, "0123456789") != 11)
        return false;
    memcpy(out, mobile, 12);
    return true;
}

int sms_tencent_parse_reports(const char *body, size_t len, struct sms_tencent_report *out, int max)
{
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(root)) {
        json_decref(root);
        return -1;
    }
    int n = 0;
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o)
    {
        if (n == max)
            break;
        const char *sid = json_string_value(json_object_get(o, "sid"));
        const char *status = json_string_value(json_object_get(o, "report_status"));
        struct sms_tencent_report *r = &out[n];
        if (!sid || !*sid || strlen(sid) >= sizeof(r->sid) || !status ||
            (strcmp(status, "SUCCESS") && strcmp(status, "FAIL")) || !tencent_mobile(o, r->mobile))
            continue; /* not a report of ours: skipped, the others count */
        memcpy(r->sid, sid, strlen(sid) + 1);
        r->delivered = !strcmp(status, "SUCCESS");
        n++;
    }
    json_decref(root);
    return n;
}

int sms_tencent_parse_reply(const char *body, size_t len, struct sms_tencent_reply *out)
{
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    const char *sign = json_string_value(json_object_get(root, "sign"));
    const char *text = json_string_value(json_object_get(root, "text"));
    int rc = -1;
    if (json_is_object(root) && sign && text && strlen(sign) < sizeof(out->sign) &&
        strlen(text) < sizeof(out->text) && tencent_mobile(root, out->mobile)) {
        memcpy(out->sign, sign, strlen(sign) + 1);
        memcpy(out->text, text, strlen(text) + 1);
        /* A number in the documented callback; a string of digits taken too. */
        json_t *t = json_object_get(root, "time");
        const char *ts = json_string_value(t);
        int64_t at = json_is_integer(t) ? json_integer_value(t) : ts ? strtoll(ts, NULL, 10) : 0;
        out->time = at > 0 ? at : 0;
        rc = 0;
    }
    json_decref(root);
    return rc;
}

int sms_tencent_report(struct db *db, const struct sms_tencent_report *r)
{
    unsigned char hash[PDATA_HASH_BYTES];
    pdata_hash("phone", r->mobile, hash);
    struct db_stmt *st = db_query(db,
                                  "SELECT id, state FROM sms_outbox WHERE provider_ref = ? AND "
                                  "backend = 'tencent' AND phone_hash = ?",
                                  "sb", r->sid, hash, sizeof(hash));
    int64_t id = 0;
    char state[16] = "";
    if (db_next(st)) {
        id = db_int(st, 0);
        snprintf(state, sizeof(state), "%s", db_text(st, 1));
    }
    db_done(st);
    if (!id)
        return -1;
    report_apply(db, id, state, r->delivered ? 1 : 2);
    return 0;
}

/* ---- the thread ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static bool running, stopping;

static void *sender_main(void *arg)
{
    (void)arg;
    struct db *db = db_thread();
    int per_pass = (int)((int64_t)sms_cfg.rate_per_s * sms_cfg.poll_ms / 1000);
    if (per_pass < 1)
        per_pass = 1;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        pthread_mutex_unlock(&mu);
        int64_t start = mono_us();
        if (db)
            sms_send_due(db, per_pass);
        pthread_mutex_lock(&mu);
        /* per_pass messages per poll interval: the configured rate. */
        int64_t wait = sms_cfg.poll_ms * 1000LL - (mono_us() - start);
        if (!stopping && wait > 0) {
            struct timespec ts;
            timespec_in(CLOCK_MONOTONIC, wait, &ts);
            pthread_cond_timedwait(&wake, &mu, &ts);
        }
    }
    pthread_mutex_unlock(&mu);
    if (curl) {
        curl_easy_cleanup(curl);
        curl = NULL;
    }
    return NULL;
}

bool sms_enabled(void)
{
    return sms_cfg.backend != SMS_OFF;
}

void sms_start(void)
{
    if (!sms_enabled()) {
        log_info("sms: off (no sms_backend configured): messages stay queued in the outbox");
        return;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_lock(&mu);
    stopping = false;
    running = true;
    pthread_mutex_unlock(&mu);
    if (pthread_create(&thread, NULL, sender_main, NULL) != 0)
        BUG("cannot start the SMS sender");
    log_info("sms: sending through %s at %d message(s)/s", backend_name(), sms_cfg.rate_per_s);
}

void sms_stop(void)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return;
    }
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&mu);
    running = false;
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&wake);
}
