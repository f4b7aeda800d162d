/*
 * static.h - the built web client (web/dist), loaded into memory at start
 * (it is small: ~100 KB) and served with ETag / Last-Modified, the
 * precompressed .gz sibling when the client accepts gzip, and a long cache
 * lifetime for hashed asset names under /assets/.
 */
#ifndef ZHIBU_STATIC_H
#define ZHIBU_STATIC_H

struct static_file {
    char *path; /* "/index.html" */
    unsigned char *data;
    size_t len;
    unsigned char *gz; /* NULL when there is no .gz sibling */
    size_t gzlen;
    char etag[40];
    char last_modified[40];
    const char *type;
    bool immutable; /* hashed asset name: cache for a year */
};

/* Loads every file under root. Returns the number loaded, -1 on error. */
long static_init(const char *root, char *err, size_t errlen);
void static_release(void);
/* The file for a URL path, with "/" meaning /index.html; NULL if none. */
const struct static_file *static_find(const char *path);

#endif
