#include "app.h"
#include "db/migrate.h"

bool migrate_list_ok(const struct migration *list, char *err, size_t errlen)
{
    int expect = 1;
    for (const struct migration *m = list; m->sql; m++, expect++) {
        if (m->version != expect) {
            snprintf(err, errlen, "migration %s has version %d, expected %d", m->name, m->version,
                     expect);
            return false;
        }
    }
    return true;
}

int migrate_latest(void)
{
    int v = 0;
    for (const struct migration *m = migrations; m->sql; m++)
        v = m->version;
    return v;
}

int migrate_run(struct db *db, int *applied, char *err, size_t errlen)
{
    *applied = 0;
    if (!migrate_list_ok(migrations, err, errlen))
        return -1;
    if (db_begin(db, true) != DB_OK) {
        snprintf(err, errlen, "cannot lock the database for migration");
        return -1;
    }
    db_exec(db,
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            "");
    int64_t current = 0;
    db_get_int(db, &current, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "");
    if (db_failed(db)) {
        db_rollback(db);
        snprintf(err, errlen, "cannot read the schema version");
        return -1;
    }
    if (current > migrate_latest()) {
        db_rollback(db);
        snprintf(err, errlen,
                 "the database is at schema version %" PRId64 " but this zhibu knows only up to "
                 "%d: it was written by a newer zhibu; upgrade the binary",
                 current, migrate_latest());
        return -1;
    }
    for (const struct migration *m = migrations; m->sql; m++) {
        if (m->version <= current)
            continue;
        char msg[256];
        if (db_exec_script(db, m->sql, msg, sizeof(msg)) != DB_OK) {
            db_rollback(db);
            snprintf(err, errlen, "migration %s failed: %s", m->name, msg);
            return -1;
        }
        db_exec(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                "isi", (int64_t)m->version, m->name, now_sec());
        (*applied)++;
    }
    if (db_commit(db) != DB_OK) {
        snprintf(err, errlen, "cannot commit the migration");
        return -1;
    }
    return 0;
}
