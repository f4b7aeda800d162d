/*
 * unit.h - what the unit tests share: cmocka, scratch directories that
 * clean up after themselves, and the switch for tests of known defects.
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

#endif
