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

/*
 * Member counts kept on the tree (orgs.members_total): member_counts_apply()
 * calls org_members_adjust() in the same transaction as every member write
 * (delta +1/-1 on the branch's path and, when set, the party group). org_members_recount()
 * recomputes every total from the members table (bulk loads, repairs).
 */
void org_members_adjust(struct db *db, const char *path, int64_t group_id, int64_t delta);
int org_members_recount(struct db *db);

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
/* "YYYY-MM" strictly. */
bool month_parse(const char *s, int *y, int *m);
/* "YYYY-MM" (or a date "YYYY-MM-DD": its month) as months since year 0; -1 if malformed. */
int month_index(const char *s);
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
 * Statistics counters (org_counts): member_counts_apply adds delta for every
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

/* ---- the registry (members.c) ---- */

/* Loads a member and checks perm on its branch, or that it is the caller's
 * own record when self_ok; 0 or the error status (member.not_found, the same
 * for a member outside the caller's subtree). */
int member_for(struct req *req, int64_t id, enum perm perm, bool self_ok, struct member_rec *m,
               bool personal);
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
/* Answers with a spreadsheet ("xlsx" by default, or "csv") named base.ext
 * that fill writes. */
extern const char *const sheet_formats[];
int sheet_respond(struct req *req, const char *format, const char *base,
                  void (*fill)(struct sheet_writer *, void *), void *ctx);

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

/* Writes the "me" object of an account (GET /me, login). */
void account_write_me(struct req *req, struct jw *j, const struct principal *p);

/* ---- announcements (notices.c) ---- */

/* Reminds, once, those who have not acknowledged an announcement whose deadline
 * has passed (a reminder entry in their feeds); its own write transactions.
 * The live thread calls it every second. */
void notice_sweep(struct db *db);

#endif
