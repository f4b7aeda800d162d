#include "app.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>

const char *const role_names[ROLE__COUNT + 1] = {
    [ROLE_MEMBER] = "member",
    [ROLE_BRANCH_SECRETARY] = "branch_secretary",
    [ROLE_BRANCH_COMMITTEE] = "branch_committee",
    [ROLE_ORG_ADMIN] = "org_admin",
    [ROLE_AUDITOR] = "auditor",
    [ROLE_SAFETY_OFFICER] = "safety_officer",
    [ROLE_SYSTEM_ADMIN] = "system_admin",
    [ROLE__COUNT] = NULL,
};

#define R(x) (1u << (x))
#define ALL_ROLES ((1u << ROLE__COUNT) - 1)

/* Which roles grant which permission: the whole policy on one screen. */
static const struct {
    const char *name;
    unsigned roles;
} perm_table[PERM__COUNT] = {
    [PERM_NONE] = {"none", ALL_ROLES},
    [PERM_ORG_READ] = {"org.read", ALL_ROLES},
    [PERM_ROSTER_READ] = {"roster.read", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                             R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_ORG_ADMIN] = {"org.admin", R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_ROLE_ADMIN] = {"role.admin", R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_AUDIT_READ] = {"audit.read",
                         R(ROLE_AUDITOR) | R(ROLE_SAFETY_OFFICER) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_ROSTER_WRITE] = {"roster.write", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                               R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_PDATA_REVEAL] = {"pdata.reveal", R(ROLE_BRANCH_SECRETARY) | R(ROLE_ORG_ADMIN)},
    [PERM_TRANSFER_APPROVE] = {"transfer.approve", R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_ACTIVITY_ADMIN] = {"activity.admin", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                                   R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_POLL_ADMIN] = {"poll.admin", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                           R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_MEETING_RUN] = {"meeting.run", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                             R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_CHANNEL_ANSWER] = {"channel.answer", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                                   R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_CHANNEL_STATS] = {"channel.stats", R(ROLE_BRANCH_SECRETARY) | R(ROLE_BRANCH_COMMITTEE) |
                                                 R(ROLE_ORG_ADMIN) | R(ROLE_AUDITOR) |
                                                 R(ROLE_SYSTEM_ADMIN)},
    [PERM_POST_REVIEW] = {"post.review", R(ROLE_BRANCH_SECRETARY) | R(ROLE_ORG_ADMIN) |
                                             R(ROLE_SAFETY_OFFICER) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_WORDLIST_ADMIN] = {"wordlist.admin", R(ROLE_SAFETY_OFFICER) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_NOTICE_PUBLISH] = {"notice.publish",
                             R(ROLE_BRANCH_SECRETARY) | R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
    [PERM_LEARNING_PUBLISH] = {"learning.publish",
                               R(ROLE_BRANCH_SECRETARY) | R(ROLE_ORG_ADMIN) | R(ROLE_SYSTEM_ADMIN)},
};

enum role role_parse(const char *name)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (name && !strcmp(name, role_names[i]))
            return (enum role)i;
    return ROLE__COUNT;
}

unsigned perm_roles(enum perm perm)
{
    return perm_table[perm].roles;
}

const char *perm_name(enum perm perm)
{
    return perm_table[perm].name;
}

/* Whether org_path lies in the subtree rooted at root_path (itself included). */
static bool path_within(const char *org_path, const char *root_path)
{
    return strncmp(org_path, root_path, strlen(root_path)) == 0;
}

bool principal_holds(const struct principal *p, unsigned role_mask, const char *org_path)
{
    if (!p || !org_path)
        return false;
    for (size_t i = 0; i < p->nroles; i++)
        if ((role_mask & R(p->roles[i].role)) && path_within(org_path, p->roles[i].org_path))
            return true;
    return false;
}

bool principal_can(const struct principal *p, enum perm perm, const char *org_path)
{
    return principal_holds(p, perm_roles(perm), org_path);
}

bool principal_has(const struct principal *p, enum perm perm)
{
    unsigned mask = perm_roles(perm);
    for (size_t i = 0; p && i < p->nroles; i++)
        if (mask & R(p->roles[i].role))
            return true;
    return false;
}

#define SECOND_FACTOR_ROLES                                                                        \
    (R(ROLE_ORG_ADMIN) | R(ROLE_AUDITOR) | R(ROLE_SAFETY_OFFICER) | R(ROLE_SYSTEM_ADMIN))

bool principal_second_factor_role(const struct principal *p)
{
    for (size_t i = 0; p && i < p->nroles; i++)
        if (SECOND_FACTOR_ROLES & R(p->roles[i].role))
            return true;
    return false;
}

int64_t principal_enrol_by(const struct principal *p)
{
    int64_t first = INT64_MAX;
    for (size_t i = 0; p && i < p->nroles; i++)
        if ((SECOND_FACTOR_ROLES & R(p->roles[i].role)) && p->roles[i].granted_at < first)
            first = p->roles[i].granted_at;
    return first == INT64_MAX ? 0 : first + (int64_t)cfg.second_factor_grace_days * 86400;
}

bool principal_owes_second_factor(const struct principal *p)
{
    if (!cfg.second_factor_required || !p || p->totp_on)
        return false;
    return principal_second_factor_role(p) && now_sec() >= principal_enrol_by(p);
}

bool principal_above(const struct principal *p, unsigned role_mask, const char *org_path)
{
    for (size_t i = 0; p && org_path && i < p->nroles; i++) {
        const char *rp = p->roles[i].org_path;
        if ((role_mask & R(p->roles[i].role)) && path_within(org_path, rp) && strcmp(org_path, rp))
            return true;
    }
    return false;
}

const char *org_path(struct db *db, struct arena *a, int64_t id)
{
    const char *path = NULL;
    struct db_stmt *st =
        db_query(db, "SELECT path FROM orgs WHERE id = ? AND deleted_at IS NULL", "i", id);
    if (db_next(st))
        path = arena_strdup(a, db_text(st, 0));
    db_done(st);
    return path;
}

/*
 * Organisation paths as last loaded by req_allowed, with the authorisation
 * sequence of that transaction: a path changes only when an organisation
 * moves or closes, and both bump the sequence (auth_changed).
 */
#define OPATH_SLOTS 4096
#define OPATH_MAX 120

static struct {
    pthread_mutex_t lock;
    struct {
        int64_t id, auth_seq;
        char path[OPATH_MAX];
    } slot[OPATH_SLOTS];
} opath = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void opath_remember(int64_t id, int64_t auth_seq, const char *path)
{
    size_t n = strlen(path);
    if (auth_seq < 0 || n >= OPATH_MAX)
        return;
    pthread_mutex_lock(&opath.lock);
    size_t i = (size_t)id % OPATH_SLOTS;
    opath.slot[i].id = id;
    opath.slot[i].auth_seq = auth_seq;
    memcpy(opath.slot[i].path, path, n + 1);
    pthread_mutex_unlock(&opath.lock);
}

bool req_allowed_cached(struct req *req, enum perm perm, int64_t org_id, int64_t auth_seq)
{
    char path[OPATH_MAX];
    bool known = false;
    pthread_mutex_lock(&opath.lock);
    size_t i = (size_t)org_id % OPATH_SLOTS;
    if (org_id > 0 && opath.slot[i].id == org_id && opath.slot[i].auth_seq == auth_seq) {
        memcpy(path, opath.slot[i].path, sizeof(path));
        known = true;
    }
    pthread_mutex_unlock(&opath.lock);
    return known && principal_can(req->who, perm, path);
}

bool req_allowed(struct req *req, enum perm perm, int64_t org_id)
{
    const char *path = org_path(req->db, &req->arena, org_id);
    if (path)
        opath_remember(org_id, req->auth_seq, path);
    if (path && principal_can(req->who, perm, path))
        return true;
    if (path)
        req_audit(req, "access.denied", org_id, arena_printf(&req->arena, "org:%" PRId64, org_id),
                  "denied", "%s %s needs %s", req->method, req->path, perm_name(perm));
    return false;
}

/* ---- passwords ---- */

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

static sem_t hash_slots;
static char dummy_hash[crypto_pwhash_STRBYTES];

void auth_init(int slots)
{
    sem_init(&hash_slots, 0, (unsigned)(slots > 0 ? slots : 1));
    char pw[32];
    random_token(16, pw, sizeof(pw));
    if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT) != 0)
        BUG("cannot compute the dummy password hash");
}

bool password_hash(const char *password, char out[128])
{
    static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    sem_wait(&hash_slots);
    int rc = crypto_pwhash_str(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT);
    sem_post(&hash_slots);
    return rc == 0;
}

bool password_verify(const char *hash, const char *password)
{
    sem_wait(&hash_slots);
    bool ok = crypto_pwhash_str_verify(hash ? hash : dummy_hash, password, strlen(password)) == 0;
    sem_post(&hash_slots);
    return hash && ok;
}

/* ---- sessions ---- */

static void token_digest(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* The idle timeout and absolute lifetime of a session, in seconds: short for
 * any role but member, long for a member's own phone while it is used. */
static void session_lifetime(bool admin, int64_t *idle, int64_t *life)
{
    if (admin) {
        *life = (int64_t)cfg.admin_session_hours * 3600;
        *idle = *life;
    } else {
        *idle = (int64_t)cfg.member_session_days * 86400;
        *life = 5 * 365 * 86400LL; /* a member's own phone stays logged in while used */
    }
}

static bool principal_admin(const struct principal *p)
{
    for (size_t i = 0; i < p->nroles; i++)
        if (p->roles[i].role != ROLE_MEMBER)
            return true;
    return false;
}

int session_create(struct db *db, int64_t account_id, bool admin, struct session_new *out)
{
    unsigned char digest[32];
    random_token(32, out->token, sizeof(out->token));
    random_token(16, out->csrf, sizeof(out->csrf));
    token_digest(out->token, digest);
    int64_t now = now_sec();
    int64_t idle, life;
    session_lifetime(admin, &idle, &life);
    out->max_age = admin ? life : idle;
    return db_exec(db,
                   "INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen, "
                   "idle_timeout, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "bisiiii", digest, (size_t)32, account_id, out->csrf, now, now, idle,
                   now + life);
}

void principal_load_roles(struct db *db, struct arena *a, struct principal *p)
{
    size_t cap = 4;
    p->roles = arena_alloc(a, cap * sizeof(*p->roles));
    p->nroles = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT r.id, r.role, r.org_id, o.path, o.name, o.level, "
                                  "r.created_at "
                                  "FROM roles r JOIN orgs o ON o.id = r.org_id "
                                  "WHERE r.account_id = ? AND r.deleted_at IS NULL "
                                  "AND o.deleted_at IS NULL AND o.closed_at IS NULL",
                                  "i", p->account_id);
    while (db_next(st)) {
        enum role role = role_parse(db_text(st, 1));
        if (role == ROLE__COUNT)
            continue;
        if (p->nroles == cap) {
            struct role_grant *more = arena_alloc(a, 2 * cap * sizeof(*more));
            memcpy(more, p->roles, cap * sizeof(*more));
            p->roles = more;
            cap *= 2;
        }
        /* In grant order (sorted here: an ORDER BY costs a temporary b-tree). */
        size_t at = p->nroles++;
        while (at > 0 && p->roles[at - 1].id > db_int(st, 0)) {
            p->roles[at] = p->roles[at - 1];
            at--;
        }
        p->roles[at] = (struct role_grant){
            .id = db_int(st, 0),
            .role = role,
            .org_id = db_int(st, 2),
            .org_path = arena_strdup(a, db_text(st, 3)),
            .org_name = arena_strdup(a, db_text(st, 4)),
            .org_level = arena_strdup(a, db_text(st, 5)),
            .granted_at = db_int(st, 6),
        };
    }
    db_done(st);
}

/*
 * The principal cache: a caller's session and roles as last loaded, keyed by
 * the token's digest, valid while the authorisation sequence (seqs 'auth')
 * is what it was then. Anything that changes what a caller may do bumps it
 * (auth_changed), so a revoked role, an ended session or a disabled account
 * takes effect on the next request on every server; the session's own
 * expiry is checked in memory. One statement per request instead of two.
 */
struct cached_principal {
    unsigned char digest[32];
    int64_t auth_seq, expires_at, idle_timeout;
    struct principal p; /* strings and roles malloc'd */
    bool used;
};

#define PCACHE_SLOTS 4096

static struct {
    pthread_mutex_t lock;
    struct cached_principal slot[PCACHE_SLOTS];
} pcache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t pcache_index(const unsigned char digest[32])
{
    size_t i;
    memcpy(&i, digest, sizeof(i));
    return i % PCACHE_SLOTS;
}

static void cached_release(struct cached_principal *c)
{
    if (!c->used)
        return;
    free((char *)c->p.csrf);
    free((char *)c->p.name);
    for (size_t i = 0; i < c->p.nroles; i++) {
        free((char *)c->p.roles[i].org_path);
        free((char *)c->p.roles[i].org_name);
        free((char *)c->p.roles[i].org_level);
    }
    free(c->p.roles);
    c->used = false;
}

/* Copies p into the arena (from the cache) or into malloc'd memory (into it). */
static void principal_copy(struct principal *dst, const struct principal *src, struct arena *a)
{
#define DUP(s) (a ? arena_strdup(a, s) : xstrdup(s))
    *dst = *src;
    dst->csrf = DUP(src->csrf);
    dst->name = DUP(src->name);
    size_t n = src->nroles ? src->nroles : 1;
    dst->roles = a ? arena_alloc(a, n * sizeof(*dst->roles)) : xmalloc(n * sizeof(*dst->roles));
    for (size_t i = 0; i < src->nroles; i++) {
        dst->roles[i] = src->roles[i];
        dst->roles[i].org_path = DUP(src->roles[i].org_path);
        dst->roles[i].org_name = DUP(src->roles[i].org_name);
        dst->roles[i].org_level = DUP(src->roles[i].org_level);
    }
#undef DUP
}

void auth_changed(struct db *db)
{
    db_exec(db, "UPDATE seqs SET value = value + 1 WHERE name = 'auth'", "");
}

static struct principal *pcache_find(struct arena *a, const unsigned char digest[32],
                                     int64_t auth_seq)
{
    int64_t now = now_sec();
    struct principal *p = NULL;
    pthread_mutex_lock(&pcache.lock);
    struct cached_principal *c = &pcache.slot[pcache_index(digest)];
    if (c->used && c->auth_seq == auth_seq && !memcmp(c->digest, digest, 32) &&
        now < c->expires_at && now < c->p.last_seen + c->idle_timeout) {
        p = arena_alloc(a, sizeof(*p));
        principal_copy(p, &c->p, a);
    }
    pthread_mutex_unlock(&pcache.lock);
    return p;
}

struct principal *session_cached(struct arena *a, const char *token, int64_t auth_seq)
{
    size_t n = strlen(token);
    if (n < 40 || n > 64 || auth_seq < 0)
        return NULL;
    unsigned char digest[32];
    token_digest(token, digest);
    return pcache_find(a, digest, auth_seq);
}

struct principal *session_load(struct db *db, struct arena *a, const char *token, int64_t auth_seq)
{
    size_t n = strlen(token);
    if (n < 40 || n > 64)
        return NULL;
    unsigned char digest[32];
    token_digest(token, digest);
    int64_t now = now_sec();
    size_t at = pcache_index(digest);
    struct cached_principal *c;
    struct principal *p = pcache_find(a, digest, auth_seq);
    if (p)
        return p;
    int64_t expires_at = 0, idle = 0, created_at = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT s.id, s.account_id, s.csrf, s.last_seen, a.name, "
                                  "a.member_id, s.expires_at, s.idle_timeout, s.created_at, "
                                  "EXISTS (SELECT 1 "
                                  "FROM totp_secrets t WHERE t.account_id = a.id AND t.active_at "
                                  "IS NOT NULL) FROM sessions s JOIN "
                                  "accounts a ON a.id = s.account_id WHERE s.token_hash = ? AND "
                                  "s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen + "
                                  "s.idle_timeout > ? AND a.disabled_at IS NULL",
                                  "bii", digest, (size_t)32, now, now);
    if (db_next(st)) {
        p = arena_calloc(a, 1, sizeof(*p));
        p->session_id = db_int(st, 0);
        p->account_id = db_int(st, 1);
        p->csrf = arena_strdup(a, db_text(st, 2));
        p->last_seen = db_int(st, 3);
        p->name = arena_strdup(a, db_text(st, 4));
        p->member_id = db_int(st, 5);
        expires_at = db_int(st, 6);
        idle = db_int(st, 7);
        created_at = db_int(st, 8);
        p->totp_on = db_int(st, 9) != 0;
    }
    db_done(st);
    if (!p)
        return NULL;
    principal_load_roles(db, a, p);
    /* The lifetime follows the roles the session has now, not those it was
     * created with: a member's session that gains an admin role keeps the
     * admin limits from then on (a grant bumps the authorisation sequence, so
     * the next request comes here). The shorter of the two always wins. */
    if (principal_admin(p)) {
        int64_t admin_idle, admin_life;
        session_lifetime(true, &admin_idle, &admin_life);
        if (created_at + admin_life < expires_at)
            expires_at = created_at + admin_life;
        if (admin_idle < idle)
            idle = admin_idle;
        if (now >= expires_at || now >= p->last_seen + idle)
            return NULL;
    }
    if (auth_seq >= 0 && !db_failed(db)) {
        pthread_mutex_lock(&pcache.lock);
        c = &pcache.slot[at];
        cached_release(c);
        memcpy(c->digest, digest, 32);
        c->auth_seq = auth_seq;
        c->expires_at = expires_at;
        c->idle_timeout = idle;
        principal_copy(&c->p, p, NULL);
        c->used = true;
        pthread_mutex_unlock(&pcache.lock);
    }
    return p;
}

void session_touch(struct db *db, int64_t session_id)
{
    if (db_begin(db, true) != DB_OK)
        return;
    int64_t now = now_sec();
    db_exec(db, "UPDATE sessions SET last_seen = ? WHERE id = ?", "ii", now, session_id);
    if (db_commit(db) != DB_OK)
        return;
    /* The cached copy slides with it. */
    pthread_mutex_lock(&pcache.lock);
    for (size_t i = 0; i < PCACHE_SLOTS; i++)
        if (pcache.slot[i].used && pcache.slot[i].p.session_id == session_id)
            pcache.slot[i].p.last_seen = now;
    pthread_mutex_unlock(&pcache.lock);
}

int session_revoke_all(struct db *db, int64_t account_id, int64_t except_session)
{
    auth_changed(db);
    return db_exec(db,
                   "UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND id <> ? AND "
                   "revoked_at IS NULL",
                   "iii", now_sec(), account_id, except_session);
}

/* ---- accounts and roles ---- */

int64_t account_home_org(struct db *db, int64_t account_id)
{
    int64_t org = 0;
    if (!db_get_int(db, &org,
                    "SELECT m.org_id FROM accounts a JOIN members m ON m.id = a.member_id "
                    "WHERE a.id = ?",
                    "i", account_id))
        db_get_int(db, &org,
                   "SELECT org_id FROM roles WHERE account_id = ? AND deleted_at IS NULL "
                   "ORDER BY id LIMIT 1",
                   "i", account_id);
    return org;
}

void login_failure_record(struct db *db, const unsigned char *phone_hash)
{
    int64_t now = now_sec();
    db_exec(db,
            "INSERT INTO login_failures (phone_hash, window_start, failures) VALUES (?, ?, 1) "
            "ON CONFLICT (phone_hash) DO UPDATE SET "
            "failures = CASE WHEN login_failures.window_start > ? THEN login_failures.failures + 1 "
            "ELSE 1 END, "
            "window_start = CASE WHEN login_failures.window_start > ? THEN "
            "login_failures.window_start ELSE excluded.window_start END",
            "biii", phone_hash, (size_t)PDATA_HASH_BYTES, now, now - 3600, now - 3600);
}

void login_throttled_record(struct db *db, const unsigned char *phone_hash)
{
    db_exec(db,
            "UPDATE login_failures SET throttled = throttled + 1 WHERE phone_hash = ? AND "
            "window_start > ?",
            "bi", phone_hash, (size_t)PDATA_HASH_BYTES, now_sec() - 3600);
}

/*
 * The attempt windows in memory, authoritative while an entry lives: an
 * attempt in flight counts from attempt_begin, and at attempt_end (after the
 * request's failure row committed) it becomes a failure or resets the
 * window, in one step under the lock, so that no attempt is counted twice or
 * not at all whatever the timing. An entry with nothing in flight may be
 * dropped: the store has its failures then, and attempt_begin reads them.
 */
#define ATTEMPT_SLOTS 1024

static struct {
    unsigned char hash[PDATA_HASH_BYTES];
    bool used;
    int n;                /* attempts in flight */
    int64_t failures;     /* in the window that began at window_start */
    int64_t window_start; /* 0: no failure yet */
} attempts[ATTEMPT_SLOTS];
static pthread_mutex_t attempts_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t window_failures(int i, int64_t now)
{
    return attempts[i].window_start > now - 3600 ? attempts[i].failures : 0;
}

bool attempt_begin(struct db *db, const unsigned char *phone_hash, int *slot)
{
    int64_t now = now_sec();
    int found = -1, spare = -1;
    pthread_mutex_lock(&attempts_lock);
    for (int i = 0; i < ATTEMPT_SLOTS && found < 0; i++) {
        if (attempts[i].used && !memcmp(attempts[i].hash, phone_hash, PDATA_HASH_BYTES))
            found = i;
        else if (spare < 0 && (!attempts[i].used || !attempts[i].n))
            spare = i;
    }
    int i = found;
    if (i < 0 && spare >= 0) {
        /* From the store: its rows are complete for a phone with nothing in flight. */
        i = spare;
        memcpy(attempts[i].hash, phone_hash, PDATA_HASH_BYTES);
        attempts[i].used = true;
        attempts[i].n = 0;
        attempts[i].failures = attempts[i].window_start = 0;
        struct db_stmt *st = db_query(db,
                                      "SELECT window_start, failures FROM login_failures WHERE "
                                      "phone_hash = ? AND window_start > ?",
                                      "bi", phone_hash, (size_t)PDATA_HASH_BYTES, now - 3600);
        if (db_next(st)) {
            attempts[i].window_start = db_int(st, 0);
            attempts[i].failures = db_int(st, 1);
        }
        db_done(st);
    }
    bool ok = i >= 0 && window_failures(i, now) + attempts[i].n < cfg.login_max_failures;
    if (ok) {
        attempts[i].n++;
        *slot = i;
    }
    pthread_mutex_unlock(&attempts_lock);
    return ok;
}

int64_t attempt_failures(int slot)
{
    if (slot < 0 || slot >= ATTEMPT_SLOTS)
        return 0;
    pthread_mutex_lock(&attempts_lock);
    int64_t n = window_failures(slot, now_sec());
    pthread_mutex_unlock(&attempts_lock);
    return n;
}

void attempt_end(int slot, enum attempt_outcome outcome)
{
    if (slot < 0 || slot >= ATTEMPT_SLOTS)
        return;
    int64_t now = now_sec();
    pthread_mutex_lock(&attempts_lock);
    if (attempts[slot].n > 0)
        attempts[slot].n--;
    if (outcome == ATTEMPT_FAILED) {
        if (attempts[slot].window_start > now - 3600) {
            attempts[slot].failures++;
        } else {
            attempts[slot].window_start = now;
            attempts[slot].failures = 1;
        }
    } else if (outcome == ATTEMPT_OK) {
        attempts[slot].failures = attempts[slot].window_start = 0;
    }
    pthread_mutex_unlock(&attempts_lock);
}

int64_t device_account(struct db *db, const char *token, unsigned char *key)
{
    int64_t account = 0;
    if (!token || strlen(token) != 64)
        return 0;
    pdata_hash("device", token, key);
    db_get_int(db, &account,
               "SELECT account_id FROM trusted_devices WHERE token_hash = ? AND last_used_at > ?",
               "bi", key, (size_t)PDATA_HASH_BYTES, now_sec() - DEVICE_TRUST_DAYS * 86400LL);
    return account;
}

void device_trust(struct db *db, int64_t account_id, char out[65])
{
    unsigned char raw[32], key[PDATA_HASH_BYTES];
    randombytes_buf(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), out);
    pdata_hash("device", out, key);
    int64_t now = now_sec();
    db_exec(db,
            "INSERT INTO trusted_devices (token_hash, account_id, created_at, last_used_at) "
            "VALUES (?, ?, ?, ?)",
            "biii", key, sizeof(key), account_id, now, now);
}

void device_touch(struct db *db, const unsigned char *key)
{
    db_exec(db, "UPDATE trusted_devices SET last_used_at = ? WHERE token_hash = ?", "ib", now_sec(),
            key, (size_t)PDATA_HASH_BYTES);
}

void device_forget_all(struct db *db, int64_t account_id)
{
    db_exec(db, "DELETE FROM trusted_devices WHERE account_id = ?", "i", account_id);
}

int64_t account_find_by_phone(struct db *db, const char *phone)
{
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("phone", phone, h);
    int64_t id = 0;
    db_get_int(db, &id, "SELECT id FROM accounts WHERE phone_hash = ?", "b", h, sizeof(h));
    return id;
}

int64_t account_create(struct db *db, const char *phone, const char *name, const char *password,
                       int64_t member_id)
{
    unsigned char h[PDATA_HASH_BYTES];
    char hash[128];
    struct arena a;
    arena_init(&a);
    size_t sealed_len;
    unsigned char *sealed = pdata_seal(&a, "phone", phone, &sealed_len);
    pdata_hash("phone", phone, h);
    if (password && !password_hash(password, hash)) {
        arena_release(&a);
        return 0;
    }
    int64_t now = now_sec();
    int rc = db_exec(db,
                     "INSERT INTO accounts (phone_hash, phone_sealed, phone_tail, name, "
                     "password_hash, member_id, password_changed_at, activated_at, created_at, "
                     "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "bbsssIIIiii", h, sizeof(h), sealed, sealed_len, phone + strlen(phone) - 4,
                     name, password ? hash : NULL, member_id, password ? now : 0,
                     password ? now : 0, now, now, db_next_seq(db));
    arena_release(&a);
    return rc == DB_OK ? db_last_id(db) : 0;
}

int account_set_password(struct db *db, int64_t account_id, const char *password)
{
    char hash[128];
    if (!password_hash(password, hash))
        return DB_ERROR;
    return account_set_password_hash(db, account_id, hash);
}

int account_set_password_hash(struct db *db, int64_t account_id, const char *hash)
{
    int64_t now = now_sec();
    auth_changed(db);
    return db_exec(
        db,
        "UPDATE accounts SET password_hash = ?, password_changed_at = ?, activated_at "
        "= COALESCE(activated_at, ?), sms_only = 0, updated_at = ?, seq = ? WHERE id = ?",
        "siiiii", hash, now, now, now, db_next_seq(db), account_id);
}

int64_t role_grant(struct db *db, int64_t account_id, int64_t org_id, enum role role,
                   int64_t granted_by)
{
    int64_t existing;
    if (db_get_int(db, &existing,
                   "SELECT id FROM roles WHERE account_id = ? AND org_id = ? AND role = ? AND "
                   "deleted_at IS NULL",
                   "iis", account_id, org_id, role_names[role]))
        return 0;
    int64_t now = now_sec();
    auth_changed(db);
    if (db_exec(db,
                "INSERT INTO roles (account_id, org_id, role, granted_by, created_at, updated_at, "
                "seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                "iisIiii", account_id, org_id, role_names[role], granted_by, now, now,
                db_next_seq(db)) != DB_OK)
        return 0;
    return db_last_id(db);
}
