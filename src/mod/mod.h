/*
 * mod.h - what the domain modules share with each other and with routes.c:
 * their route tables and the few helpers another module calls.
 */
#ifndef ZHIBU_MOD_H
#define ZHIBU_MOD_H

extern const struct route account_routes[];
extern const struct route orgs_routes[];
extern const struct route roles_routes[];
extern const struct route members_routes[];
extern const struct route audit_routes[];
extern const struct route corrections_routes[];
extern const struct route stats_routes[];
extern const struct route import_routes[];
extern const struct route export_routes[];
extern const struct route transfers_routes[];
extern const struct route dues_routes[];
extern const struct route development_routes[];
extern const struct route totp_routes[];
extern const struct route activities_routes[];
extern const struct route polls_routes[];
extern const struct route meetings_routes[];
extern const struct route meetings_calendar_routes[];
extern const struct route sync_routes[];
extern const struct route threads_routes[];
extern const struct route posts_routes[];
extern const struct route search_routes[];
extern const struct route notices_routes[];
extern const struct route live_routes[]; /* core/live.c: GET /api/v1/events */

/* Organisation levels, NULL-terminated (for P_ENUM). */
extern const char *const org_levels[];
/* Whether an organisation of level child may sit under one of level parent
 * (parent NULL: as a root). */
bool org_level_fits(const char *parent, const char *child);
/* Inserts an organisation under parent (0 and ppath "/" for a root) and
 * returns its id, 0 on failure; *path_out gets its path (arena). */
int64_t org_insert(struct db *db, struct arena *a, int64_t parent, const char *ppath,
                   const char *name, const char *level, const char **path_out);
/* Writes [{id,name,level},...] for the ids on a materialised path. */
void org_write_path(struct db *db, struct jw *j, const char *path);
/* Upper bound of the subtree range for a path: "/1/12/" -> "/1/120". */
char *org_path_end(struct arena *a, const char *path);

/* ---- member records (members_rec.c) ---- */

/* Vocabularies, NULL-terminated (for P_ENUM and validation). */
extern const char *const member_genders[];
extern const char *const member_categories[];
extern const char *const member_statuses[];
extern const char *const member_added_hows[];
extern const char *const member_educations[];
extern const char *const member_occupations[];
extern const char *const member_ethnicities[];
extern const char *const member_dues_bases[];
bool member_enum_ok(const char *const *choices, const char *v);
/* Whether a member with this status is in the party and on a roster
 * (normal, retired, temporarily_out) and so counted in statistics. */
bool member_status_counted(const char *status);
/* The same rule in SQL: "status IN " ROSTER_STATUSES (tests/unit/test_members_rec.c
 * checks that both agree for every status). */
#define ROSTER_STATUSES "('normal', 'retired', 'temporarily_out')"
/* Month index i as "YYYY-MM" (arena). */
char *month_str(struct arena *a, int i);
/* The month k months before "YYYY-MM" (arena). */
char *month_minus(struct arena *a, const char *month, int k);

/* Dues arrears (DOMAIN.md: six months unpaid counts as leaving the party, so
 * warn well before): months unpaid up to last month (the current month is
 * not yet due) from paid_through ("YYYY-MM"; NULL or "": from the month of
 * joining). */
#define DUES_WARN_MONTHS 3
#define DUES_ALERT_MONTHS 4
#define DUES_LAPSE_MONTHS 6
void dues_last_month(char out[8]);
int dues_months_unpaid(const char *paid_through, const char *joined_at);
/* The arrears level of months unpaid: ok, warning, alert or lapsed. */
const char *dues_level(int64_t months);

/* The monthly dues standard in fen for a basis and monthly after-tax income
 * (DOMAIN.md bands); -1 for farmers (20..100 fen, the branch decides). */
int64_t dues_standard_fen(const char *basis, int64_t income_fen);

/*
 * A member record in memory. Strings are arena-owned (or point into the
 * caller's data). id_number, phone and address hold plain values only when
 * loaded with personal = true or set by a writer; they are sealed on store.
 */
struct member_rec {
    int64_t id, org_id, group_id, host_org_id;
    const char *org_path;
    const char *name, *gender, *ethnicity, *birth_date, *native_place, *education, *occupation;
    const char *joined_at, *full_at, *category, *status, *status_since, *added_how;
    const char *id_number, *phone, *address;
    const char *id_mask, *phone_mask;
    bool migrant, lost_contact;
    const char *migrant_place, *migrant_since, *lost_contact_since;
    const char *dues_basis, *dues_paid_through;
    int64_t dues_fen;
    int64_t seq, updated_at;
    char id_norm[IDNUM_LEN + 1];
};

/*
 * Checks a whole record (ID number checksum and its birth date and gender,
 * phone, dates in order, vocabularies, flags, dues standard). Returns NULL
 * when valid, else a message and the camelCase field name in *field.
 * Normalises the ID number (x -> X) in place.
 */
const char *member_validate(struct member_rec *m, const char **field);
/* Loads a live member; personal: also open the sealed fields. */
bool member_load(struct db *db, struct arena *a, int64_t id, struct member_rec *m, bool personal);
/* The member with this ID number other than except, or 0. */
int64_t member_find_by_id_number(struct db *db, const char *id_number, int64_t except);
/* Inserts a validated record (m->org_path set) with counters and history
 * kind how ("created", "imported", "developed"); returns the id, 0 on error.
 * member_insert_ex without counters is for bulk loads that recount after. */
int64_t member_insert(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                      const char *how);
int64_t member_insert_ex(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                         const char *how, bool counters);
/* Stores m over old (same id) with counters and a history row of kind with
 * the changed field names and the reason (sealed). 0 or -1 on store error. */
int member_update(struct db *db, struct arena *a, const struct member_rec *old,
                  struct member_rec *m, int64_t actor, const char *kind, const char *reason);
/* Comma-separated camelCase names of the fields that differ, NULL if none. */
const char *member_changed_fields(struct arena *a, const struct member_rec *o,
                                  const struct member_rec *m);
/* A history row; note (a reason) is sealed. */
void member_history_add(struct db *db, struct arena *a, int64_t member_id, int64_t actor,
                        const char *kind, int64_t org_id, const char *detail_json,
                        const char *note);

/*
 * Statistics counters (org_counts.c): member_counts_apply adds delta for every
 * dimension of m on its branch and all ancestors (and members_total);
 * org_counts_add one dimension value along a path; org_counts_event counts
 * an event in the month of t; org_counts_move carries an organisation's
 * counts from one parent path to another; member_counts_recount rebuilds
 * everything but the transfer events.
 */
void member_counts_apply(struct db *db, const struct member_rec *m, int64_t delta);
void org_counts_add(struct db *db, const char *path, const char *dim, const char *key,
                    int64_t delta);
void org_counts_event(struct db *db, const char *path, const char *dim, int64_t t);
void org_counts_move(struct db *db, int64_t org_id, const char *old_parent_path,
                     const char *new_parent_path);
int member_counts_recount(struct db *db);
/*
 * Member counts kept on the tree (orgs.members_total): member_counts_apply()
 * calls org_members_adjust() in the same transaction as every member write
 * (delta +1/-1 on the branch's path and, when set, the party group). org_members_recount()
 * recomputes every total from the members table (bulk loads, repairs).
 */
void org_members_adjust(struct db *db, const char *path, int64_t group_id, int64_t delta);
int org_members_recount(struct db *db);
/* Adds delta to members_total of every organisation on path (moving a subtree). */
void org_total_add(struct db *db, const char *path, int64_t delta);

/* ---- the registry (members.c) ---- */

/* The member record as an object kind: on its branch (org) and the host
 * organisation of a migrant member (org2); the member themself is PARTY_SELF. */
extern const struct object_kind member_kind;
/* The member of an object route, authorised by the dispatcher: loads its
 * fields (with the personal data opened when personal); 0 or the error. */
int member_get(struct req *req, struct member_rec *m, bool personal);
/* Applies the record fields present in vals onto m (a JSON null clears). */
void member_fields_apply(struct member_rec *m, const struct value *vals, size_t n);
/* member_validate plus the references: party group of the branch, host
 * organisation, ID number unique. 0 or the error status. */
int member_record_check(struct req *req, struct member_rec *m);
/* The member object of GET /members/{id} (personal data masked). */
void member_full_write(struct req *req, struct jw *j, const struct member_rec *m);
/* The fields a member may propose to correct on their own record (+ note). */
extern const struct param member_correction_fields[];

/* ---- import and export (import.c, export.c) ---- */

#define IMPORT_MAX_ERRORS 200      /* rows reported; all are counted */
#define IMPORT_BULK_MIN_ROWS 20000 /* fewer rows are always counted row by row */

struct import_error {
    long row;           /* as Excel numbers it */
    const char *column; /* the header as in the template, NULL for the whole file */
    const char *field;  /* the record field (camelCase), NULL if none */
    const char *message;
    struct import_error *next;
};

/*
 * An import into org_id (a branch, or a higher organisation whose file names
 * each row's branch). Set db/a with import_job_init, then dry_run, actor,
 * bulk (no per-row counters: member_counts_recount at the end) and progress.
 */
struct import_job {
    struct db *db;
    struct arena *a;   /* the report lives here */
    struct arena *row; /* scratch for one row */
    int64_t org_id, branch_id, actor;
    const char *org_path, *branch_name;
    bool is_group, dry_run, bulk;
    struct branch_ref *branches, **by_rel, **by_name;
    size_t nbranches;
    long rows, imported;
    size_t nerrors;
    int ignored_columns;
    struct import_error *errors, **errors_tail;
    void (*progress)(void *ctx, double done, long rows, size_t errors);
    void *progress_ctx;
};

struct sheet_reader;
struct sheet_writer;
/* -1 when the organisation can be imported into, else an error code
 * (ERR_ORG_NOT_FOUND, ERR_ORG_CLOSED). */
int import_job_init(struct import_job *job, struct db *db, struct arena *a, int64_t org_id);
/* Sets job->bulk: one recount at the end instead of counters row by row, when
 * the file is big compared with what is stored already (an initial load). */
void import_choose_bulk(struct import_job *job, int64_t file_bytes);
/* Reads every row; 0 when all were stored (or all valid in a dry run), -1
 * otherwise (the caller rolls back). */
int import_members(struct import_job *job, struct sheet_reader *r);
/* {rows, imported, dryRun, ignoredColumns, errorCount, errors: [{row, column, field, message}]} */
void import_report_write(const struct import_job *job, struct jw *j);

/* Roster export (export.c): rows of the subtree of org_path in roster order
 * with the template's columns (so a file can be imported again); ID number,
 * phone and address masked unless full. status: as the roster's filter. */
struct export_members {
    struct db *db;
    const char *org_path;
    const char *status;
    bool full;
    long rows; /* out */
};
void export_members_fill(struct sheet_writer *w, void *ctx);
/* The header of import column i (the template's order), NULL past the last. */
const char *import_column_name(int i);

/* ---- organisational life: activities and polls (activities.c) ---- */

/* Whether the caller's own member record is on the roster of org_id (or,
 * with hosted, is a migrant member hosted there). */
bool life_member_of(struct req *req, int64_t org_id, bool hosted);
/* Whether the caller sees org_id's activities or polls: org.read on it, or
 * life_member_of. A denial is audited. */
bool life_can_see(struct req *req, int64_t org_id, bool hosted);
/* The title of an activity of branch org_id that is not cancelled (arena),
 * NULL if there is none: a poll's option. */
const char *activity_title_for_poll(struct req *req, int64_t id, int64_t org_id);

/* Writes the "me" object of an account (GET /me, login). */
void account_write_me(struct req *req, struct jw *j, const struct principal *p);

/* ---- the TOTP second factor (second_factor.c) ---- */

enum totp_login {
    TOTP_LOGIN_OFF,     /* the account has no active second factor */
    TOTP_LOGIN_OK,      /* the code was right and is now used up */
    TOTP_LOGIN_MISSING, /* a second factor is on and no code was sent */
    TOTP_LOGIN_BAD,     /* wrong, malformed or already used */
};
/*
 * The second-factor step of a login whose password was right, in the current
 * write transaction: a TOTP code (its step then never accepted again) or an
 * unused recovery code (then marked used; *via_recovery).
 */
enum totp_login totp_login_check(struct db *db, struct arena *a, int64_t account, const char *code,
                                 bool *via_recovery);
/* Writes the "secondFactor" object of /me: {enabled, pending, required,
 * enrolRequired, enrolBy, recoveryCodesLeft}. Returns the second from which
 * it would read otherwise (enrolRequired turns true at enrolBy), 0 if the
 * clock does not change it. */
int64_t totp_write_me(struct db *db, struct jw *j, const struct principal *p);

/* ---- meetings (meetings.c) and offline capture (sync.c) ---- */

/* Meeting types, NULL-terminated (for P_ENUM). The compliance calendar
 * (meetings_calendar.c) tracks them and one item more: the party lecture
 * the branch secretary gives (DOMAIN.md: at least one a year). */
#define MTG_NTYPES 7
#define MTG_NITEMS 8
extern const char *const meeting_types[MTG_NTYPES + 1];
/* The rules in force at an organisation's path: the DOMAIN.md defaults, then
 * every organisation on the path from the root down (the nearest wins). */
struct meeting_rules {
    int period[MTG_NITEMS]; /* months; 0: not required */
    int leave_cutoff_min, checkin_window_min;
    int64_t set_at[MTG_NITEMS + 2]; /* the organisation that set each value, 0: default */
};
void meeting_rules_for(struct db *db, const char *path, struct meeting_rules *r);
/* The compliance colour (green, amber, red) of a type whose latest meeting
 * was held in month index `last` (-1: never), for a period of p months (0:
 * not required), in month index `now` (Beijing: month_today()). */
const char *compliance_status(int last, int p, int now);
/* The level (and *name) of a live organisation, NULL if none (arena). */
const char *meeting_org_level(struct req *req, int64_t id, const char **name);
/* Whether an organisation of this level holds meetings (a branch). */
bool meeting_level_holds(const char *level);

/* Attendance marks a secretary records, NULL-terminated (for P_ENUM). */
extern const char *const meeting_marks[];
extern const char *const meeting_file_kinds[];

/* A meeting as loaded (strings arena-owned). */
struct meeting {
    int64_t id, org_id, group_id, starts_at, duration_min, created_at, closed_at;
    const char *org_path, *org_name, *type, *title, *place, *online_link, *agenda, *attendees;
    const char *state, *minutes, *resolutions;
    bool by_secretary; /* a party lecture the secretary gives */
    unsigned char secret[32];
};
bool meeting_load(struct db *db, struct arena *a, int64_t id, struct meeting *m);

/*
 * The writes of a meeting's record, shared by the online handlers and the
 * offline upload. captured_at is when the change was made on the client (0:
 * online, now). Each returns -1 when done, else an error code (enum
 * err_code) with a message in *why; nothing is written then.
 */
int meeting_mark(struct req *req, const struct meeting *m, int64_t member_id, const char *status,
                 bool paper, int64_t captured_at, const char **why);
int meeting_set_minutes(struct req *req, const struct meeting *m, const char *minutes,
                        const char *resolutions, int64_t captured_at, const char **why);
int meeting_add_file(struct req *req, const struct meeting *m, const char *kind, const char *ref,
                     const char *name, int64_t captured_at, const char **why);
int meeting_add_note(struct req *req, const struct meeting *m, const char *text,
                     int64_t captured_at, const char **why);
int meeting_close(struct req *req, struct meeting *m, int64_t captured_at, const char **why);

/* The offline batch (sync.c): decoded from the body of POST /sync. */
#define SYNC_MAX_CHANGES 200
enum sync_kind { SYNC_ATTENDANCE, SYNC_MINUTES, SYNC_FILE, SYNC_NOTE, SYNC_CLOSE };
struct sync_change {
    const char *key;   /* the change's Idempotency-Key (NULL when missing) */
    const char *canon; /* the item as canonical JSON: its fingerprint */
    enum sync_kind kind;
    int64_t captured_at, meeting_id, member_id;
    const char *status, *minutes, *resolutions, *file_kind, *ref, *name, *text;
    bool paper;
    const char *error, *field; /* a malformed item: refused, with the field */
};
struct sync_batch {
    struct sync_change *items;
    size_t n;
};
/* Decodes a batch {"changes": [...]} into out (arena-owned). NULL when the
 * batch is well formed (items may still carry their own error), else why not. */
const char *sync_decode(struct arena *a, const char *data, size_t len, struct sync_batch *out);

/* ---- audiences and search (search.c) ---- */

/*
 * Who sees what is addressed to a subtree. An item with audience path A
 * (an organisation's path) is seen by a caller who is inside A (their
 * member record's branch or one of their roles lies in A's subtree) or
 * above it (a role on an ancestor of A). audience_of() writes the caller's
 * paths as JSON arrays for the SQL test AUDIENCE_SQL(col): bind "ss" with
 * inside_json, above_json.
 */
struct audience {
    const char *inside_json; /* ["/1/5/9/", ...]: the member's branch and every role's org */
    const char *above_json;  /* the roles' orgs */
};
void audience_of(struct req *req, struct audience *a);
#define AUDIENCE_SQL(col)                                                                          \
    "(EXISTS (SELECT 1 FROM {list} v WHERE substr(v.value, 1, length(" col ")) = " col             \
    ") OR EXISTS (SELECT 1 FROM {list} r WHERE substr(" col ", 1, length(r.value)) = "             \
    "r.value))"
/* The same test in C for one item. */
bool audience_sees(struct req *req, const char *audience_path);
/* JSON array of the org paths of the caller's roles that grant perm (arena). */
const char *perm_paths_json(struct req *req, enum perm perm);

/*
 * The search index (GET /api/v1/search). A document is (kind, id): kind is
 * "thread", "news", "experience" here; other modules add their own (e.g.
 * "notice"). search_index_put() stores or replaces a document visible to the
 * audience of organisation org_id (inside or above it, as audience_sees());
 * search_index_drop() removes it (no-op if absent). Both run in the
 * caller's write transaction; title and text are UTF-8 and copied.
 */
void search_index_put(struct db *db, const char *kind, int64_t id, int64_t org_id,
                      const char *title, const char *text);
void search_index_drop(struct db *db, const char *kind, int64_t id);
/* The full form: audience path given, and member_id (non-zero: a private
 * thread, seen only by that member and by channel.answer on org_path). */
void search_index_put_doc(struct db *db, const char *kind, int64_t id, int64_t org_id,
                          const char *org_path, const char *audience_path, int64_t member_id,
                          const char *title, const char *text, int64_t created_at);
/*
 * The pre-split text for the index: CJK ideographs one by one (uni) and as
 * overlapping pairs (bi), other text as it is (malloc'd into the bufs).
 * search_query_build() turns a user's query into an FTS5 expression (uni
 * for a single ideograph, a bi phrase for a longer run, other words quoted;
 * all ANDed); false when nothing is left to search.
 */
void search_split(const char *text, struct buf *uni, struct buf *bi);
bool search_query_build(const char *q, struct buf *out);
/* Who searches: their member id (0: none) and paths as JSON arrays (audience_of,
 * perm_paths_json(PERM_CHANNEL_ANSWER)). */
struct search_scope {
    int64_t member_id;
    const char *answer_json, *inside_json, *above_json;
    const char *aud; /* the same as an FTS5 filter on the scope tokens */
};
/* Sets sc (arena-owned) from the caller's member id (0: none), the org paths
 * they are inside (their branch, their roles' orgs), above (their roles'
 * orgs) and where they hold channel.answer. */
void search_scope_set(struct search_scope *sc, struct arena *a, int64_t member_id,
                      const char *const *inside, size_t ninside, const char *const *above,
                      size_t nabove, const char *const *answer, size_t nanswer);
/* The matching documents the scope may see, newest first, with ids below
 * before_id (0: from the newest), at most limit: columns doc id, kind, ref
 * id, org id, org name, title, text, created_at. The caller db_done()s it. */
struct db_stmt *search_run(struct db *db, const char *fts_query, const struct search_scope *sc,
                           const char *kind, int64_t before_id, int limit);

/* ---- live events of the channel (threads.c, posts.c): each publishes
 * through live_publish (src/core/live.h) in the write transaction of the
 * change, after the change, so the event exists exactly when it commits:
 * event "thread" {threadId} to the other party, "post" {postId, decision |
 * correction} to the author / each account the correction reaches. ---- */
void threads_live_new(struct db *db, int64_t thread_id);
void threads_live_reply(struct db *db, int64_t thread_id, int64_t message_id);
void posts_live_decision(struct db *db, int64_t post_id, const char *decision);
void posts_live_correction(struct db *db, int64_t post_id, const char *kind);

/* ---- announcements (notices.c) ---- */

/* Reminds, once, those who have not acknowledged an announcement whose deadline
 * has passed (a reminder entry in their feeds), in the runner's transaction.
 * A housekeeping job (core/jobs.h, mod_jobs in routes.c) run every second.
 * Returns the announcements reminded of, -1 on failure. */
int notice_sweep(struct db *db);

#endif
