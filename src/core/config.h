/*
 * config.h - settings. Precedence: command-line flags, then environment
 * (ZHIBU_LISTEN, ZHIBU_DATA, ZHIBU_WEB), then DATA/zhibu.conf ("key = value"
 * lines, '#' comments), then defaults.
 */
#ifndef ZHIBU_CONFIG_H
#define ZHIBU_CONFIG_H

struct config {
    char listen_host[64];
    int listen_port;
    char data_dir[512];
    char web_root[512]; /* "" -> look for web/dist */
    int threads;        /* 0 -> number of cores */
    size_t max_body;    /* bytes */
    size_t max_upload;  /* bytes, for file uploads (roster import) */
    size_t cache_mb;    /* the answer cache (rcache.h), 0: off */
    size_t max_header;  /* bytes of request line + headers per connection */
    int conn_timeout;   /* seconds of inactivity */
    int max_connections;
    int live_max_streams;         /* open Server-Sent Events streams (GET /api/v1/events) */
    int live_heartbeat_s;         /* seconds between heartbeat comments on a quiet stream */
    int housekeeping_interval_s;  /* seconds between runs of the pruning jobs (jobs.h) */
    bool cookie_secure;           /* add Secure to cookies (behind TLS) */
    bool trust_proxy;             /* use X-Forwarded-For / -Proto */
    int login_max_failures;       /* failed logins evaluated per phone per hour */
    int slow_threads;             /* password hashing threads (slow.h); 0: half the cores */
    int slow_queue;               /* hashing requests that may wait for a thread */
    int slow_per_source;          /* of those, queued or running from one address */
    int member_session_days;      /* sliding session for members */
    int admin_session_hours;      /* absolute lifetime for admin roles */
    bool second_factor_required;  /* admin_second_factor = required (the default) | optional:
                                     admin-role accounts without TOTP may only enrol, once
                                     second_factor_grace_days have passed since the grant */
    int second_factor_grace_days; /* admin_second_factor_grace_days (default 7) */
    enum log_level log_level;
};

extern struct config cfg;

void config_defaults(struct config *c);
/* Reads DATA/zhibu.conf if it exists; -1 with a reason on a bad line. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* "127.0.0.1:8080" -> host, port; false if malformed. */
bool config_set_listen(struct config *c, const char *addr);

#endif
