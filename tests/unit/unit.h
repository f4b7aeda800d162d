/*
 * unit.h - what the unit tests share: cmocka, and scratch directories and
 * databases that clean up after themselves.
 * Include it after "app.h".
 */
#ifndef ZHIBU_UNIT_H
#define ZHIBU_UNIT_H

#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the string. */
static inline char *unit_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    if (!base || !*base)
        base = "/tmp";
    if (asprintf(&path, "%s/zhibu-unit-XXXXXX", base) < 0)
        abort();
    if (!mkdtemp(path)) {
        fprintf(stderr, "mkdtemp %s: %s\n", path, strerror(errno));
        abort();
    }
    return path;
}

static inline int unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it, then frees the string. */
static inline void unit_rmdir(char *dir)
{
    if (dir)
        nftw(dir, unit_rm_one, 8, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* Joins dir and name into a malloc'd path. */
static inline char *unit_path(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        abort();
    return p;
}

/* An arena for tests that allocate: unit_arena_setup / unit_arena_teardown
 * as cmocka setup and teardown. */
static struct arena unit_arena;

static inline int unit_arena_setup(void **state)
{
    (void)state;
    arena_init(&unit_arena);
    return 0;
}

static inline int unit_arena_teardown(void **state)
{
    (void)state;
    arena_release(&unit_arena);
    return 0;
}

/* A scratch database: one file in a directory of its own. */
struct unit_db {
    char *dir;
    char *path;
    struct db *db;
};

/* Opens name in a new scratch directory; NULL (with the reason printed) on failure. */
static inline struct unit_db *unit_db_new(const char *name)
{
    char err[512];
    struct unit_db *u = xcalloc(1, sizeof(*u));
    u->dir = unit_tmpdir();
    u->path = unit_path(u->dir, name);
    u->db = db_open(u->path, err, sizeof(err));
    if (!u->db) {
        fprintf(stderr, "db_open %s: %s\n", u->path, err);
        return NULL;
    }
    return u;
}

/* Closes the database and removes the directory; a cmocka teardown. */
static inline int unit_db_teardown(void **state)
{
    struct unit_db *u = *state;
    if (u) {
        db_close(u->db);
        free(u->path);
        unit_rmdir(u->dir);
        free(u);
    }
    return 0;
}

#endif
