/*
 * auth.h - accounts, passwords, sessions, roles and the one permission
 * check every route and handler uses.
 *
 * A role is granted on an organisation and reaches its whole subtree,
 * nothing beside or above it. Permissions are what roles allow; the table
 * perm_roles in auth.c says which role grants which permission.
 */
#ifndef ZHIBU_AUTH_H
#define ZHIBU_AUTH_H

enum role {
    ROLE_MEMBER,
    ROLE_BRANCH_SECRETARY,
    ROLE_BRANCH_COMMITTEE,
    ROLE_ORG_ADMIN,
    ROLE_AUDITOR,
    ROLE_SAFETY_OFFICER,
    ROLE_SYSTEM_ADMIN,
    ROLE__COUNT
};
/* A role's number is stored: bit (1 << role) of notices.role_mask and of the
 * live events' role masks, and spelled in the notices' audience SQL (a CASE
 * from role name to bit). Append new roles; never reorder these. */
static_assert(ROLE_MEMBER == 0 && ROLE_BRANCH_SECRETARY == 1 && ROLE_BRANCH_COMMITTEE == 2 &&
                  ROLE_ORG_ADMIN == 3 && ROLE_AUDITOR == 4 && ROLE_SAFETY_OFFICER == 5 &&
                  ROLE_SYSTEM_ADMIN == 6,
              "role numbers are stored in the database: append, never reorder");

enum perm {
    PERM_NONE,
    PERM_ORG_READ,         /* see an organisation, its children and subtree */
    PERM_ROSTER_READ,      /* list and read member records */
    PERM_ORG_ADMIN,        /* create, rename, move, close organisations */
    PERM_ROLE_ADMIN,       /* list, grant and revoke roles */
    PERM_AUDIT_READ,       /* read the audit log */
    PERM_ROSTER_WRITE,     /* create and edit member records, record dues, run the pipeline,
                              start transfers out of the branch, decide corrections */
    PERM_PDATA_REVEAL,     /* see a full ID number / phone / address (each reveal audited) */
    PERM_TRANSFER_APPROVE, /* approve transfers out of the subtree as the out-side authority;
                              accept transfers across counties as the in side */
    PERM_ACTIVITY_ADMIN,   /* offer, edit and cancel a branch's activities, record who took
                              part, see who signed up */
    PERM_POLL_ADMIN,       /* create and close polls of a branch or party group, export results */
    PERM_MEETING_RUN,      /* schedule, run, record and close the meetings of a branch */
    PERM_CHANNEL_ANSWER,   /* read the organisation's inbox, answer members, write to members */
    PERM_CHANNEL_STATS,    /* response-time statistics of the channel */
    PERM_POST_REVIEW,      /* the review queue: approve, reject, clarify, mark false */
    PERM_WORDLIST_ADMIN,   /* edit the deployment's word list */
    PERM_NOTICE_PUBLISH,   /* publish, edit, retract announcements to the subtree; see who has
                              read and acknowledged them, remind those who have not */
    PERM_LEARNING_PUBLISH, /* publish lessons, courses, question banks and quizzes (exams) to
                              the subtree, recommend courses, enter paper answers, see the
                              learning figures per branch (never a person's score) */
    PERM__COUNT
};

extern const char *const role_names[ROLE__COUNT + 1]; /* NULL-terminated, for P_ENUM */
/* ROLE__COUNT if name is not a role. */
enum role role_parse(const char *name);
/* Bit mask of the roles that grant perm. */
unsigned perm_roles(enum perm perm);
const char *perm_name(enum perm perm);

struct role_grant {
    int64_t id;
    enum role role;
    int64_t org_id;
    const char *org_path; /* "/1/12/" */
    const char *org_name;
    const char *org_level;
    int64_t granted_at;
};

/* The logged-in caller, loaded fresh on every request (so a revoked role
 * or a disabled account takes effect on the next request). */
struct principal {
    int64_t account_id;
    int64_t session_id;
    int64_t member_id; /* 0 if the account has no member record */
    const char *name;
    const char *csrf;
    int64_t last_seen;
    bool totp_on; /* a confirmed TOTP second factor */
    struct role_grant *roles;
    size_t nroles;
};

/* Whether p holds a role in role_mask on org_path or an ancestor of it. */
bool principal_holds(const struct principal *p, unsigned role_mask, const char *org_path);
/* Permission check on an organisation, given its materialised path. */
bool principal_can(const struct principal *p, enum perm perm, const char *org_path);
/* Whether some role of p grants perm anywhere. */
bool principal_has(const struct principal *p, enum perm perm);
/* Whether p holds a role that should have a second factor (org_admin, auditor,
 * safety_officer, system_admin) anywhere. */
bool principal_second_factor_role(const struct principal *p);
/* Whether p must enrol TOTP before anything else: a second-factor role, no
 * TOTP, and admin_second_factor = required. */
bool principal_owes_second_factor(const struct principal *p);
/* When an admin role's grace for enrolling a second factor ends: the first
 * such grant still held plus admin_second_factor_grace_days; 0 without one. */
int64_t principal_enrol_by(const struct principal *p);
/* Whether p holds a role in mask on a strict ancestor of org_path. */
bool principal_above(const struct principal *p, unsigned role_mask, const char *org_path);

/* The materialised path of a live organisation ("/1/12/"), arena-owned;
 * NULL when there is none. It lives in the core because the subtree check
 * is made on paths (req_allowed, object kinds): the organisation tree is
 * the core's to read; mod/orgs.c writes it (insert, move, close). */
const char *org_path(struct db *db, struct arena *a, int64_t id);

/*
 * req_allowed - the central check: may the caller use perm on organisation
 * org_id? Loads the organisation's path; false when it does not exist or is
 * outside the caller's roles (callers answer 404 then, exactly as for a
 * missing object). A denial is audited.
 */
struct req;
bool req_allowed(struct req *req, enum perm perm, int64_t org_id);
/* The same from memory only, for answers checked without a transaction: true
 * when an organisation path loaded at authorisation sequence auth_seq is
 * remembered and the caller may use perm there; false otherwise (also when
 * it is simply not known: the caller then takes the ordinary way). */
bool req_allowed_cached(struct req *req, enum perm perm, int64_t org_id, int64_t auth_seq);

/* Passwords: argon2id (t=2, m=19 MiB), at most auth_hash_slots hashes at once. */
void auth_init(int hash_slots);
/* Writes the encoded hash into out (crypto_pwhash_STRBYTES); false if out of memory. */
bool password_hash(const char *password, char out[128]);
/* Verifies; with hash == NULL spends the same time and answers false. */
bool password_verify(const char *hash, const char *password);

/* Sessions. */
#define SESSION_COOKIE "zhibu_session"
#define CSRF_COOKIE "zhibu_csrf"
/* A device the account signed in on (sent to /api/v1/auth only; X-Device-Token
 * for clients without cookies): its wrong attempts count in a window of its
 * own, so failures by others on the phone number do not lock it out. */
#define DEVICE_COOKIE "zhibu_device"
#define DEVICE_TRUST_DAYS 180
struct session_new {
    char token[64];  /* base64url, 43 chars */
    char csrf[32];   /* base64url, 22 chars */
    int64_t max_age; /* seconds, for the cookie */
};
/* Creates a session for the account in the current write transaction. */
int session_create(struct db *db, int64_t account_id, bool admin, struct session_new *out);
/* Loads the principal for a token (in the current transaction); NULL if the
 * token is unknown, expired, revoked or the account disabled. Expiry follows
 * the roles the account has now (an admin role: admin_session_hours from the
 * login, whatever the session was created with). Arena-owned.
 * auth_seq is the authorisation sequence read in this transaction (-1 if
 * unknown: then nothing is cached); while it is unchanged the session and
 * roles come from memory. */
struct principal *session_load(struct db *db, struct arena *a, const char *token, int64_t auth_seq);
/* The principal for a token from memory only, if it was loaded at auth_seq
 * and the session is still within its lifetimes; NULL otherwise. */
struct principal *session_cached(struct arena *a, const char *token, int64_t auth_seq);
/* Loads the roles of an account into p (arena-owned). */
void principal_load_roles(struct db *db, struct arena *a, struct principal *p);
/*
 * Records, in the current write transaction, that what some caller may do has
 * changed (roles, sessions, accounts, the organisations roles sit on): every
 * server reloads sessions and roles instead of using its in-memory copy.
 * role_grant, session_revoke_all and account_set_password call it themselves.
 */
void auth_changed(struct db *db);
/* Marks the session used now (sliding expiry); its own write transaction. */
void session_touch(struct db *db, int64_t session_id);
/* Revokes every session of an account (password change, disable). */
int session_revoke_all(struct db *db, int64_t account_id, int64_t except_session);

/* The organisation an account's events are filed under in the audit log:
 * its member's branch, else the organisation of its first live role; 0 if none. */
int64_t account_home_org(struct db *db, int64_t account_id);

/* Records a failed attempt for a phone hash (or a trusted device's key) in
 * the current write transaction: the one hourly window that throttles wrong
 * passwords and wrong second-factor codes alike (attempt_begin reads it). */
void login_failure_record(struct db *db, const unsigned char *phone_hash);
/* Counts an attempt refused as throttled in the window's row (for the audit
 * row housekeeping writes when the window ends). */
void login_throttled_record(struct db *db, const unsigned char *phone_hash);
/*
 * An attempt being checked counts against that window from the moment it is
 * admitted until its request ends, so concurrent guesses cannot all pass the
 * check before their failures are written: attempt_begin adds the failures
 * of the hour and the attempts in flight for the phone and, below
 * cfg.login_max_failures, takes one (*slot). attempt_end, once the request's
 * rows are written and before its answer goes out, counts it as a failure, resets the
 * window after a success, or just lets it go. False: throttled.
 */
enum attempt_outcome { ATTEMPT_UNDECIDED, ATTEMPT_FAILED, ATTEMPT_OK };
bool attempt_begin(struct db *db, const unsigned char *phone_hash, int *slot);
void attempt_end(int slot, enum attempt_outcome outcome);
/* The failures already counted in the window of an attempt in flight (not
 * counting the attempt itself): 0 for the first one of the hour. */
int64_t attempt_failures(int slot);

/* Trusted devices. device_account: the account token was given to (0: none,
 * or unused for DEVICE_TRUST_DAYS), and in key the token's own attempt
 * window. device_trust: a new token for account into out (64 hex digits),
 * stored hashed. device_touch: the device was used now. device_forget_all:
 * the account's devices are trusted no more (a password change). */
int64_t device_account(struct db *db, const char *token, unsigned char *key);
void device_trust(struct db *db, int64_t account_id, char out[65]);
void device_touch(struct db *db, const unsigned char *key);
void device_forget_all(struct db *db, int64_t account_id);
/* Accounts. Returns the id, 0 if not found. */
int64_t account_find_by_phone(struct db *db, const char *phone);
/* Creates an account (the phone sealed); password may be NULL (then it is not
 * activated). Returns id or 0 on error. */
int64_t account_create(struct db *db, const char *phone, const char *name, const char *password,
                       int64_t member_id);
int account_set_password(struct db *db, int64_t account_id, const char *password);
/* The same with a hash made by password_hash() (outside any transaction: slow).
 * Setting a password activates an account and ends SMS-only sign-in. */
int account_set_password_hash(struct db *db, int64_t account_id, const char *hash);
/* Grants a role; returns the role id, or 0 when it exists already or failed. */
int64_t role_grant(struct db *db, int64_t account_id, int64_t org_id, enum role role,
                   int64_t granted_by);

#endif
