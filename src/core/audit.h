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

/* Where the head anchor lives: DATA/audit.head. Call once at start. */
void audit_init(const char *data_dir);

/* Appends a row in the current write transaction. */
int audit_append(struct db *db, const struct audit_row *row);

/*
 * The head anchor: the id and hash of the newest row, kept in a file outside
 * the database, so deleting the newest rows is detected too. Call
 * audit_anchor() after a transaction that appended rows committed, and
 * audit_discard() after one rolled back (both per thread, cheap when the
 * thread appended nothing).
 */
void audit_anchor(void);
void audit_discard(void);

/* Walks the whole chain and checks it against the anchor; returns the
 * number of rows, or -1 with the first problem described in err. With
 * reanchor, a valid chain gets a new anchor (after restoring a backup). */
int64_t audit_verify(struct db *db, bool reanchor, char *err, size_t errlen);

#endif
