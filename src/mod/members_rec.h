/*
 * members_rec.h - the member record as stored (members_rec.c): its
 * vocabularies, validation, loading, and the writes every module that
 * changes a member goes through (with the counters, org_counts.h, and the
 * history in the same transaction).
 */
#ifndef ZHIBU_MOD_MEMBERS_REC_H
#define ZHIBU_MOD_MEMBERS_REC_H

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
/* The roster filter of lists and exports: active (on the roster,
 * core/roster.h), all, or one status. */
extern const char *const member_status_filters[];

/* The monthly dues standard in fen for a basis and monthly after-tax income
 * (DOMAIN.md bands); -1 for farmers (20..100 fen, the branch decides). The
 * record is validated against it. */
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
/* Inserts a validated record (m->org_path set) with counters, history
 * kind how ("created", "imported", "developed") and the member's account
 * (access_member_sync); returns the id, 0 on error.
 * member_insert_ex without counters is for bulk loads that recount after
 * (their accounts come from the member_accounts job). */
int64_t member_insert(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                      const char *how);
int64_t member_insert_ex(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                         const char *how, bool counters);
/* Stores m over old (same id) with counters, a history row of kind with
 * the changed field names and the reason (sealed), and the account kept in
 * step (access_member_sync). 0 or -1 on store error. */
int member_update(struct db *db, struct arena *a, const struct member_rec *old,
                  struct member_rec *m, int64_t actor, const char *kind, const char *reason);
/* Comma-separated camelCase names of the fields that differ, NULL if none. */
const char *member_changed_fields(struct arena *a, const struct member_rec *o,
                                  const struct member_rec *m);
/* A history row; detail_json an object the jw_* writer made (or NULL); note
 * (a reason) is sealed. */
void member_history_add(struct db *db, struct arena *a, int64_t member_id, int64_t actor,
                        const char *kind, int64_t org_id, const char *detail_json,
                        const char *note);

/* The member with this ID number other than except (0: none), with the
 * holder's branch path in *path (arena). */
int64_t member_id_holder(struct db *db, struct arena *a, const char *id_number, int64_t except,
                         const char **path);
/*
 * Whether who may learn that holder (a member on the branch at path; 0: an
 * applicant there) has an ID number: pdata.reveal there, or holder is who's
 * own record; NULL (the command line) reaches everything. Beyond it, nothing
 * may tell whether a number is registered (docs/SECURITY.md, the membership
 * oracle).
 */
bool member_id_in_reach(const struct principal *who, int64_t holder, const char *path);
/* A start-up job (cmd_serve, as idem_seal_legacy): seals the sub-record
 * titles and issuers rows written before migration 0013 keep in plain text.
 * Returns the rows sealed, -1 on failure. */
int member_records_seal_legacy(struct db *db);

#endif
