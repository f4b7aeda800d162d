/*
 * cmd_import.c - `zhibu import` (a roster from CSV or XLSX, all rows or
 * none, with a progress bar) and `zhibu export` (a roster to XLSX or CSV).
 */
#include "app.h"
#include "cli/cli.h"
#include "core/sheet_in.h"
#include "core/sheet_out.h"
#include "mod/export.h"
#include "mod/import.h"

#include <sys/stat.h>
#include <unistd.h>

static void progress_bar(void *ctx, double done, long rows, size_t errors)
{
    bool tty = *(bool *)ctx;
    static int last = -1;
    int pct = (int)(done * 100);
    if (pct == last || (!tty && pct / 10 == last / 10 && pct != 100))
        return;
    last = pct;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "%s[%s] %3d%%  %ld rows  %zu errors%s", tty ? "\r" : "", bar, pct, rows, errors,
            tty ? "" : "\n");
    if (tty && pct == 100)
        fputc('\n', stderr);
}

int cmd_import(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"},          {"org"},        {"file"},
                             {"dry-run", true}, {"help", true}, {NULL}};
    if (cli_parse("import", argc, argv, opts))
        return 2;
    if (cli_get(opts, "help")) {
        printf("usage: zhibu import [--data DIR] --org ID --file FILE [--dry-run]\n\n"
               "Imports a roster from CSV (UTF-8 or GBK) or XLSX into the organisation ID: a\n"
               "branch, or a higher organisation whose file names each member's branch in the\n"
               "column 所在党支部. The first row names the columns (see the template from\n"
               "GET /api/v1/imports/template). Every row is checked; if any row is wrong,\n"
               "nothing is imported and the rows are listed. --dry-run only checks.\n");
        return 0;
    }
    const char *org = cli_get(opts, "org"), *file = cli_get(opts, "file");
    int64_t org_id;
    if (!org || !parse_i64(org, strlen(org), &org_id) || !file) {
        fprintf(stderr, "zhibu import: --org ID and --file FILE are required\n");
        return 2;
    }
    if (cli_config(cli_get(opts, "data"), NULL))
        return 2;
    char why[300];
    struct sheet_reader *r = sheet_open_file(file, why, sizeof(why));
    if (!r) {
        fprintf(stderr, "zhibu import: %s\n", why);
        return 1;
    }
    struct db *db = cli_open_data(false);
    if (!db) {
        sheet_close(r);
        return 1;
    }
    struct arena a;
    arena_init(&a);
    int rc = 1;
    int64_t t0 = mono_us();
    /* A big import touches every index page many times: keep them in memory
     * (256 MiB at most) instead of spilling to the WAL and reading back. */
    db_exec_script(db, "PRAGMA cache_size = -262144", why, sizeof(why));
    db_begin(db, true);
    struct import_job job;
    int err = import_job_init(&job, db, &a, org_id);
    if (err >= 0 || job.is_group) {
        fprintf(stderr, "zhibu import: organisation %" PRId64 " %s\n", org_id,
                err == ERR_ORG_CLOSED ? "is closed" : "is not a branch or above it");
        goto out;
    }
    struct stat st;
    import_choose_bulk(&job, stat(file, &st) == 0 ? (int64_t)st.st_size : 0);
    job.dry_run = cli_get(opts, "dry-run") != NULL;
    bool tty = isatty(2);
    job.progress = progress_bar;
    job.progress_ctx = &tty;
    if (import_members(&job, r)) {
        db_rollback(db);
        fprintf(stderr, "zhibu import: %zu rows have errors; nothing was imported\n", job.nerrors);
        size_t shown = 0;
        for (struct import_error *e = job.errors; e && shown < 50; e = e->next, shown++)
            fprintf(stderr, "  row %ld%s%s: %s\n", e->row, e->column ? ", " : "",
                    e->column ? e->column : "", e->message);
        if (job.nerrors > shown)
            fprintf(stderr, "  ... and %zu more\n", job.nerrors - shown);
        goto out;
    }
    struct audit_row row = {.at = now_sec(),
                            .org_id = org_id,
                            .action = "member.import",
                            .target = arena_printf(&a, "org:%" PRId64, org_id),
                            .result = "ok",
                            .detail = arena_printf(&a, "%ld rows (command line)%s", job.imported,
                                                   job.dry_run ? ", dry run" : ""),
                            .ip = "cli"};
    audit_append(db, &row);
    if (job.dry_run) {
        db_rollback(db);
        printf("%ld rows checked, all valid (dry run: nothing imported)\n", job.rows);
        rc = 0;
        goto out;
    }
    if (db_commit(db) != DB_OK) {
        fprintf(stderr, "zhibu import: the store failed; nothing was imported\n");
        goto out;
    }
    audit_anchor();
    printf("%ld members imported in %.1f s\n", job.imported, (double)(mono_us() - t0) / 1e6);
    rc = 0;
out:
    if (db_in_tx(db))
        db_rollback(db);
    sheet_close(r);
    db_close(db);
    arena_release(&a);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"},   {"org"},        {"format"},     {"out"},
                             {"status"}, {"full", true}, {"help", true}, {NULL}};
    if (cli_parse("export", argc, argv, opts))
        return 2;
    if (cli_get(opts, "help")) {
        printf("usage: zhibu export [--data DIR] --org ID --out FILE [--format xlsx|csv]\n"
               "                    [--status active|all|STATUS] [--full]\n\n"
               "Writes the roster of the organisation's subtree in the import template's\n"
               "columns. ID numbers, phones and addresses are masked unless --full. The\n"
               "export is recorded in the audit log.\n");
        return 0;
    }
    const char *org = cli_get(opts, "org"), *out = cli_get(opts, "out");
    const char *format = cli_get(opts, "format"), *status = cli_get(opts, "status");
    int64_t org_id;
    if (!org || !parse_i64(org, strlen(org), &org_id) || !out) {
        fprintf(stderr, "zhibu export: --org ID and --out FILE are required\n");
        return 2;
    }
    if (format && strcmp(format, "xlsx") && strcmp(format, "csv")) {
        fprintf(stderr, "zhibu export: --format is xlsx or csv\n");
        return 2;
    }
    if (access(out, F_OK) == 0) {
        fprintf(stderr, "zhibu export: %s exists; refusing to overwrite it\n", out);
        return 1;
    }
    if (cli_config(cli_get(opts, "data"), NULL))
        return 2;
    struct db *db = cli_open_data(false);
    if (!db)
        return 1;
    struct arena a;
    arena_init(&a);
    int rc = 1;
    db_begin(db, true);
    const char *path = org_path(db, &a, org_id);
    if (!path) {
        fprintf(stderr, "zhibu export: no organisation %" PRId64 "\n", org_id);
        goto out;
    }
    struct export_members x = {.db = db,
                               .org_path = path,
                               .status = status ? status : "active",
                               .full = cli_get(opts, "full") != NULL};
    char why[300];
    struct sheet_writer *w = sheet_writer_open(
        out, format && !strcmp(format, "csv") ? SHEET_CSV : SHEET_XLSX, "花名册", why, sizeof(why));
    if (!w) {
        fprintf(stderr, "zhibu export: %s\n", why);
        goto out;
    }
    export_members_fill(w, &x);
    if (sheet_writer_close(w, why, sizeof(why))) {
        fprintf(stderr, "zhibu export: %s\n", why);
        goto out;
    }
    struct audit_row row = {.at = now_sec(),
                            .org_id = org_id,
                            .action = "member.export",
                            .target = arena_printf(&a, "org:%" PRId64, org_id),
                            .result = "ok",
                            .detail = arena_printf(&a, "%ld rows, %s (command line)", x.rows,
                                                   x.full ? "full" : "masked"),
                            .ip = "cli"};
    audit_append(db, &row);
    if (db_commit(db) != DB_OK)
        goto out;
    audit_anchor();
    printf("%ld members written to %s\n", x.rows, out);
    rc = 0;
out:
    if (db_in_tx(db))
        db_rollback(db);
    db_close(db);
    arena_release(&a);
    return rc;
}
