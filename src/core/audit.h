/*
 * audit.h - the hash-chained audit log. Each row's hash is a keyed BLAKE2b
 * over its fields and the previous row's hash, with a key derived from the
 * personal-data key file (outside the database): an edited, inserted or
 * deleted row breaks the chain, and the chain cannot be recomputed without
 * the key.
 */
#ifndef ZHIBU_AUDIT_H
#define ZHIBU_AUDIT_H

struct audit_row {
    int64_t at;
    int64_t actor_id;
    int64_t org_id;
    const char *action;
    const char *target;
    const char *result;
    const char *detail;
    const char *ip;
    const char *request_id;
};

/* Appends a row in the current write transaction. */
int audit_append(struct db *db, const struct audit_row *row);

/* Walks the whole chain; returns the number of rows, or -1 with the first
 * broken row described in err. */
int64_t audit_verify(struct db *db, char *err, size_t errlen);

#endif
