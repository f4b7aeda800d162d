/*
 * fuzz_import.c - the roster import (mod/import.c) end to end on a real store: the input
 * is a CSV or XLSX file imported into a township with two branches. Whatever the file,
 * the import must not crash, must either store every row or report at least one error
 * (and then report none imported: the caller rolls back), and must never report more
 * rows imported than it read.
 */
#include "app.h"
#include "core/sheet_in.h"
#include "db/migrate.h"
#include "mod/import.h"
#include "mod/orgs.h"

#include <unistd.h>

static struct db *db;
static int64_t township;

static void setup(void)
{
    char dir[] = "/tmp/zhibu-fuzz-import-XXXXXX", err[300], path[400];
    if (!mkdtemp(dir))
        abort();
    if (pdata_init(dir, err, sizeof(err)))
        abort();
    snprintf(path, sizeof(path), "%s/zhibu.db", dir);
    db = db_open(path, err, sizeof(err));
    int applied;
    if (!db || migrate_run(db, &applied, err, sizeof(err)))
        abort();
    struct arena a;
    arena_init(&a);
    const char *cp, *tp, *bp;
    db_begin(db, true);
    int64_t county = org_insert(db, &a, 0, "/", "县委", "county", &cp);
    township = org_insert(db, &a, county, cp, "东岭镇党委", "township", &tp);
    int64_t b1 = org_insert(db, &a, township, tp, "下湾村党支部", "branch", &bp);
    org_insert(db, &a, b1, bp, "第一党小组", "group", NULL);
    org_insert(db, &a, township, tp, "上坪村党支部", "branch", NULL);
    if (db_commit(db) != DB_OK)
        abort();
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    char err[300];
    struct sheet_reader *r = sheet_open_mem(data, size, err, sizeof(err));
    if (!r)
        return 0;
    struct arena a;
    arena_init(&a);
    db_begin(db, true);
    struct import_job job;
    if (import_job_init(&job, db, &a, township) >= 0)
        abort();
    int rc = import_members(&job, r);
    if (job.imported > job.rows || (rc && job.imported) || (rc && !job.nerrors) ||
        (!rc && job.imported != job.rows))
        abort();
    /* A good file is stored whole (the caller commits); a bad one is rolled back. */
    int64_t n = -1;
    db_get_int(db, &n, "SELECT COUNT(*) FROM members", "");
    if (!rc && n != job.imported)
        abort();
    db_rollback(db);
    sheet_close(r);
    arena_release(&a);
    return 0;
}
