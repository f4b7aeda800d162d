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
    int live_max_streams;         /* open Server-Sent Events streams (GET /api/v1/events);
                                     -1 until config_check derives it from max_connections */
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
    int exact_search_per_hour;    /* roster searches by a whole ID or phone number per account */
    int imports_per_hour;         /* roster imports (dry runs too) per account */
    int proposals_per_hour;       /* corrections a member proposes to their own record */
    int sync_max_offline_days;    /* oldest capture time an offline upload may carry */
    enum log_level log_level;

    /* Against slow and hostile clients (conn.h, http.c, live.c). */
    int header_timeout;           /* seconds for a request line and headers to arrive */
    int max_connections_per_ip;   /* open connections from one address (0: no limit); -1
                                     until config_check: 256, at most config_room() */
    int live_streams_per_account; /* open streams of one account */
    size_t body_memory_mb;        /* request bodies held in memory at once, all connections */
    size_t upload_spool_mb;       /* uploads being received into temporary files at once */
    char metrics_token[128];      /* GET /metrics needs "Authorization: Bearer" it; "": only
                                     connections from this machine */

    /* The audio rooms of meetings (core/janus.h, mod/rooms.c): "" janus_url: no rooms. */
    char janus_url[256];           /* Janus's HTTP API as zhibu reaches it */
    char janus_admin_url[256];     /* its Admin API (adds and removes members' tokens) */
    char janus_public_url[256];    /* the HTTP API as members' browsers reach it ("": janus_url) */
    char janus_api_secret[128];    /* apisecret of zhibu's own requests */
    char janus_admin_secret[128];  /* admin_secret of the Admin API */
    char janus_events_secret[128]; /* the password Janus's event handler posts joins and
                                      leaves with ("": no events, the rooms are polled) */
    int room_poll_s;               /* seconds between two looks at who is in a room */
    int room_reconcile_s;          /* the same with events on: a look mends a lost event */
    int room_presence_percent;     /* share of a meeting in its room that counts as attending */
    char public_url[256]; /* public_url: how members' phones reach zhibu, for links in SMS and
                             on slips ("": http://listen address; never the Host header) */
    /* Codes that let members in (mod/access.c, mod/account.c; docs/SECURITY.md row 18) */
    int activation_code_days;  /* activation_code_days = 30: a slip's code is valid this long */
    int activation_code_tries; /* activation_code_tries = 5: failed uses before it is revoked */
    int login_code_minutes;    /* login_code_minutes = 5: a sign-in or new-password code lives */
    int login_code_tries;      /* login_code_tries = 5: wrong tries of one code before it dies */
    int login_code_gap_s;      /* login_code_gap_s = 60: between two codes for one phone */
    int login_codes_per_phone_hour;  /* login_codes_per_phone_hour = 5 */
    int login_codes_per_source_hour; /* login_codes_per_source_hour = 30: from one address */

    /* Files and media (src/mod/files.c, docs/OPERATIONS.md). */
    int64_t file_max_mb;   /* the largest file one upload may announce */
    int64_t file_quota_mb; /* an organisation's files without a row in file_quotas */

    /* Where file contents live (core/store.h): "local" (DATA/files) or "s3", an
     * S3-compatible object store reached by path-style URLs (store_s3.c). */
    char store[8];
    struct s3_conf {
        char endpoint[256];   /* http(s)://host[:port] of the service, no bucket in it */
        char region[64];      /* the signing region (MinIO: us-east-1) */
        char bucket[64];      /* shared by every instance on the same database */
        char access_key[128]; /* the access key id */
        char secret_key[128]; /* its secret: signs requests, never logged */
        int timeout_s;        /* a small request's limit; a transfer's: no byte for it */
        int part_mb;          /* blobs larger than this go up in parts of this size */
    } s3;
};

extern struct config cfg;

void config_defaults(struct config *c);
/* Reads DATA/zhibu.conf if it exists; -1 with a reason on a bad line. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/*
 * Checks the settings against each other once all are read, and derives the
 * ones left to it: live_max_streams (unset: three quarters of max_connections)
 * must leave a quarter of the connections, at least 16, to ordinary requests;
 * max_connections_per_ip (unset: 256, at most that quarter) at most
 * max_connections. -1 with a reason when they do not fit.
 */
int config_check(struct config *c, char *err, size_t errlen);
/* The connections max_connections keeps for requests other than live streams. */
int config_room(const struct config *c);
/* "127.0.0.1:8080" -> host, port; false if malformed. */
bool config_set_listen(struct config *c, const char *addr);

#endif
