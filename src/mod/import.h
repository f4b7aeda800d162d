/*
 * import.h - the roster import (import.c), for the API, the command line
 * (zhibu import) and the roster export, which writes the same columns.
 */
#ifndef ZHIBU_MOD_IMPORT_H
#define ZHIBU_MOD_IMPORT_H

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
 * bulk (no per-row counters: org_counts_recount at the end) and progress.
 */
struct import_job {
    struct db *db;
    struct arena *a;             /* the report lives here */
    struct arena *row;           /* scratch for one row */
    const struct principal *who; /* the caller (NULL: the command line): an ID number held
                                    beyond their reach (member_id_in_reach) passes a dry run
                                    and fails the import as member.needs_review would */
    long beyond;                 /* such rows (for the audit row) */
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
/* -1 when the organisation can be imported into, else an error code
 * (ERR_ORG_NOT_FOUND, ERR_ORG_CLOSED). */
int import_job_init(struct import_job *job, struct db *db, struct arena *a, int64_t org_id);
/* Sets job->bulk: one recount at the end instead of counters row by row, when
 * the file is big compared with what is stored already (an initial load). */
void import_choose_bulk(struct import_job *job, int64_t file_bytes);
/* Reads every row; 0 when all were stored (or all valid in a dry run), -1
 * otherwise (the caller rolls back). */
int import_members(struct import_job *job, struct sheet_reader *r);
/* The header of import column i (the template's order), NULL past the last. */
const char *import_column_name(int i);

#endif
