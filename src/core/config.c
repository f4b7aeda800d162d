#include "app.h"
#include "core/sms.h"

#include <ctype.h>
#include <stddef.h>

struct config cfg;

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->data_dir, sizeof(c->data_dir), "./data");
    c->threads = 0;
    c->max_body = 1024 * 1024;
    c->max_upload = 64 * 1024 * 1024;
    c->cache_mb = 32;
    c->max_header = 16 * 1024;
    c->body_memory_mb = 256;
    c->upload_spool_mb = 1024;
    c->file_max_mb = 2048;
    c->file_quota_mb = 10240;
    c->conn_timeout = 30;
    c->header_timeout = 20;
    c->max_connections = 4096;
    c->max_connections_per_ip = -1;
    c->live_max_streams = -1;
    c->live_streams_per_account = 5;
    c->live_heartbeat_s = 15;
    c->housekeeping_interval_s = 300;
    c->login_max_failures = 20;
    c->slow_threads = 0;
    c->slow_queue = 64;
    c->slow_per_source = 8;
    c->room_poll_s = 10;
    c->room_reconcile_s = 60;
    c->room_presence_percent = 50;
    c->activation_code_days = 30;
    c->activation_code_tries = 5;
    c->login_code_minutes = 5;
    c->login_code_tries = 5;
    c->login_code_gap_s = 60;
    c->login_codes_per_phone_hour = 5;
    c->login_codes_per_source_hour = 30;
    c->member_session_days = 180;
    c->admin_session_hours = 12;
    c->second_factor_required = true;
    c->second_factor_grace_days = 7;
    c->exact_search_per_hour = 30;
    c->imports_per_hour = 30;
    c->proposals_per_hour = 10;
    c->sync_max_offline_days = 30;
    c->log_level = LOG_INFO;
    snprintf(c->store, sizeof(c->store), "local");
    snprintf(c->s3.region, sizeof(c->s3.region), "us-east-1");
    c->s3.timeout_s = 30;
    c->s3.part_mb = 16;
    sms_config_defaults(&sms_cfg);
}

bool config_set_listen(struct config *c, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(c->listen_host))
        return false;
    int64_t port;
    if (!parse_i64(colon + 1, strlen(colon + 1), &port) || port < 1 || port > 65535)
        return false;
    memcpy(c->listen_host, addr, (size_t)(colon - addr));
    c->listen_host[colon - addr] = '\0';
    c->listen_port = (int)port;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    return parse_i64(v, strlen(v), out) && *out >= min && *out <= max;
}

/* Applies one "key = value" setting; false if the key or value is bad. */
static bool config_apply(struct config *c, const char *key, const char *v)
{
    int64_t n;

    if (!strcmp(key, "listen"))
        return config_set_listen(c, v);
    if (!strncmp(key, "sms_", 4)) /* the SMS settings (sms.h) */
        return sms_config_apply(&sms_cfg, key, v);
    if (!strcmp(key, "web_root"))
        return snprintf(c->web_root, sizeof(c->web_root), "%s", v) < (int)sizeof(c->web_root);
#define INT_KEY(name, field, min, max)                                                             \
    if (!strcmp(key, name)) {                                                                      \
        if (!parse_int(v, min, max, &n))                                                           \
            return false;                                                                          \
        c->field = n;                                                                              \
        return true;                                                                               \
    }
    INT_KEY("threads", threads, 0, 256)
    INT_KEY("max_body", max_body, 1024, 1024 * 1024 * 1024)
    INT_KEY("max_upload", max_upload, 1024, 1024 * 1024 * 1024)
    INT_KEY("cache_mb", cache_mb, 0, 65536)
    INT_KEY("max_header", max_header, 4096, 1024 * 1024)
    INT_KEY("body_memory_mb", body_memory_mb, 1, 1024 * 1024)
    INT_KEY("upload_spool_mb", upload_spool_mb, 1, 1024 * 1024 * 1024)
    INT_KEY("file_max_mb", file_max_mb, 1, 1024 * 1024)
    INT_KEY("file_quota_mb", file_quota_mb, 0, 1024 * 1024 * 1024)
    INT_KEY("conn_timeout", conn_timeout, 1, 3600)
    INT_KEY("header_timeout", header_timeout, 1, 3600)
    INT_KEY("max_connections", max_connections, 16, 1000000)
    INT_KEY("max_connections_per_ip", max_connections_per_ip, 0, 1000000)
    INT_KEY("live_max_streams", live_max_streams, 0, 1000000)
    INT_KEY("live_streams_per_account", live_streams_per_account, 1, 1000000)
    INT_KEY("live_heartbeat_s", live_heartbeat_s, 1, 300)
    INT_KEY("housekeeping_interval_s", housekeeping_interval_s, 1, 86400)
    INT_KEY("login_max_failures", login_max_failures, 1, 100)
    INT_KEY("slow_threads", slow_threads, 0, 16)
    INT_KEY("slow_queue", slow_queue, 1, 100000)
    INT_KEY("slow_per_source", slow_per_source, 1, 100000)
    INT_KEY("member_session_days", member_session_days, 1, 3650)
    INT_KEY("admin_session_hours", admin_session_hours, 1, 24 * 30)
    INT_KEY("admin_second_factor_grace_days", second_factor_grace_days, 0, 90)
    INT_KEY("exact_search_per_hour", exact_search_per_hour, 1, 10000)
    INT_KEY("imports_per_hour", imports_per_hour, 1, 10000)
    INT_KEY("proposals_per_hour", proposals_per_hour, 1, 10000)
    INT_KEY("sync_max_offline_days", sync_max_offline_days, 1, 365)
    INT_KEY("room_poll_s", room_poll_s, 1, 600)
    INT_KEY("room_reconcile_s", room_reconcile_s, 1, 3600)
    INT_KEY("room_presence_percent", room_presence_percent, 1, 100)
    INT_KEY("s3_timeout_s", s3.timeout_s, 1, 3600)
    INT_KEY("s3_part_mb", s3.part_mb, 5, 5120) /* S3: parts of 5 MiB to 5 GiB */
    /* Bounds that keep a code guessable by nobody and usable by a member: a
     * longer life or more tries weaken it, the SMS template has room for
     * three digits of days and minutes. */
    INT_KEY("activation_code_days", activation_code_days, 1, 90)
    INT_KEY("activation_code_tries", activation_code_tries, 1, 10)
    INT_KEY("login_code_minutes", login_code_minutes, 1, 30)
    INT_KEY("login_code_tries", login_code_tries, 1, 10)
    INT_KEY("login_code_gap_s", login_code_gap_s, 10, 3600)
    INT_KEY("login_codes_per_phone_hour", login_codes_per_phone_hour, 1, 60)
    INT_KEY("login_codes_per_source_hour", login_codes_per_source_hour, 1, 100000)
#undef INT_KEY
    if (!strcmp(key, "store")) {
        if (strcmp(v, "local") && strcmp(v, "s3"))
            return false;
        snprintf(c->store, sizeof(c->store), "%s", v);
        return true;
    }
    if (!strcmp(key, "s3_bucket")) /* S3's bucket names: lower case, digits, '.', '-' */
        return strlen(v) >= 3 && strlen(v) < sizeof(c->s3.bucket) &&
               strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(v) &&
               snprintf(c->s3.bucket, sizeof(c->s3.bucket), "%s", v) > 0;
    if (!strcmp(key, "s3_region"))
        return *v && strlen(v) < sizeof(c->s3.region) &&
               strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(v) &&
               snprintf(c->s3.region, sizeof(c->s3.region), "%s", v) > 0;
    static const struct {
        const char *key;
        size_t off, size;
        bool url;
    } strings[] = {
        {"janus_url", offsetof(struct config, janus_url), sizeof(c->janus_url), true},
        {"janus_admin_url", offsetof(struct config, janus_admin_url), sizeof(c->janus_admin_url),
         true},
        {"janus_public_url", offsetof(struct config, janus_public_url), sizeof(c->janus_public_url),
         true},
        {"janus_api_secret", offsetof(struct config, janus_api_secret), sizeof(c->janus_api_secret),
         false},
        {"public_url", offsetof(struct config, public_url), sizeof(c->public_url), true},
        {"janus_admin_secret", offsetof(struct config, janus_admin_secret),
         sizeof(c->janus_admin_secret), false},
        {"janus_events_secret", offsetof(struct config, janus_events_secret),
         sizeof(c->janus_events_secret), false},
        {"s3_endpoint", offsetof(struct config, s3.endpoint), sizeof(c->s3.endpoint), true},
        {"s3_access_key", offsetof(struct config, s3.access_key), sizeof(c->s3.access_key), false},
        {"s3_secret_key", offsetof(struct config, s3.secret_key), sizeof(c->s3.secret_key), false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        if (strcmp(key, strings[i].key))
            continue;
        /* Addresses and secrets: printable ASCII without spaces, quotes, ';' or ','
         * (the address goes into the app's Content-Security-Policy). */
        size_t len = strlen(v);
        if (len >= strings[i].size || strcspn(v, " \t\"';,\\") != len)
            return false;
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)v[k] < 0x21 || (unsigned char)v[k] > 0x7e)
                return false;
        if (strings[i].url && len && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            return false;
        /* The S3 endpoint is signed as its host alone: no path, no trailing '/'. */
        if (!strcmp(key, "s3_endpoint") && len && strchr(strstr(v, "://") + 3, '/'))
            return false;
        if (!strcmp(key, "janus_events_secret") && len && len < 16)
            return false; /* a password worth the name: it alone admits events */
        memcpy((char *)c + strings[i].off, v, len + 1);
        return true;
    }
    if (!strcmp(key, "metrics_token")) {
        /* A secret worth the name, in characters a header carries as they are. */
        size_t len = strlen(v);
        if (len < 16 || len >= sizeof(c->metrics_token) ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") !=
                len)
            return false;
        memcpy(c->metrics_token, v, len + 1);
        return true;
    }
    if (!strcmp(key, "cookie_secure"))
        return parse_bool(v, &c->cookie_secure);
    if (!strcmp(key, "trust_proxy"))
        return parse_bool(v, &c->trust_proxy);
    if (!strcmp(key, "admin_second_factor")) {
        if (strcmp(v, "required") && strcmp(v, "optional"))
            return false;
        c->second_factor_required = !strcmp(v, "required");
        return true;
    }
    if (!strcmp(key, "log_level")) {
        static const char *const names[] = {"debug", "info", "warn", "error"};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
            if (!strcmp(v, names[i])) {
                c->log_level = (enum log_level)i;
                return true;
            }
        return false;
    }
    return false;
}

int config_room(const struct config *c)
{
    int room = c->max_connections / 4;
    return room < 16 ? 16 : room;
}

int config_check(struct config *c, char *err, size_t errlen)
{
    if (sms_config_check(&sms_cfg, err, errlen) < 0)
        return -1;
    if (!strcmp(c->store, "s3") &&
        (!c->s3.endpoint[0] || !c->s3.bucket[0] || !c->s3.access_key[0] || !c->s3.secret_key[0])) {
        snprintf(err, errlen,
                 "store = s3 needs s3_endpoint, s3_bucket, s3_access_key and "
                 "s3_secret_key");
        return -1;
    }
    int most = c->max_connections - config_room(c);
    if (c->live_max_streams < 0) {
        c->live_max_streams = most;
    } else if (c->live_max_streams > most) {
        snprintf(err, errlen,
                 "live_max_streams = %d leaves too few of max_connections = %d to other "
                 "requests: at most %d (a quarter of the connections, at least 16, stay free)",
                 c->live_max_streams, c->max_connections, most);
        return -1;
    }
    if (c->max_connections_per_ip < 0)
        c->max_connections_per_ip = config_room(c) < 256 ? config_room(c) : 256;
    if (c->max_connections_per_ip > c->max_connections) {
        snprintf(err, errlen, "max_connections_per_ip = %d is above max_connections = %d",
                 c->max_connections_per_ip, c->max_connections);
        return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        if (!config_apply(c, key, val)) {
            /* A secret's value is not repeated into a log. */
            snprintf(err, errlen, "%s:%d: bad setting %s = %s", path, lineno, key,
                     strstr(key, "secret") ? "(hidden)" : val);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}
