/*
 * migrate.h - numbered, append-only schema migrations embedded in the
 * binary (migrations/NNNN_name.sql, see cmake/embed_migrations.cmake).
 */
#ifndef ZHIBU_MIGRATE_H
#define ZHIBU_MIGRATE_H

struct migration {
    int version;
    const char *name;
    const char *sql;
};

/* The embedded list, in version order, ended by {0, NULL, NULL}. */
extern const struct migration migrations[];

/* Highest version the binary knows. */
int migrate_latest(void);
/*
 * Brings the database up to migrate_latest() in one transaction. Refuses a
 * database whose version is newer than the binary's. Returns 0 and sets
 * *applied to the number of migrations run, or -1 with a reason in err.
 */
int migrate_run(struct db *db, int *applied, char *err, size_t errlen);
/* Checks that the embedded list is strictly increasing from 1 with no gap. */
bool migrate_list_ok(const struct migration *list, char *err, size_t errlen);

#endif
