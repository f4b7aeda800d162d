/*
 * sync.h - the offline batch (sync.c) as its unit test and fuzz target read
 * it: the body of POST /sync, {changes: [...]}, a list whose entries the
 * dispatcher checks one by one (P_EACH), then each change by its kind.
 */
#ifndef ZHIBU_MOD_SYNC_H
#define ZHIBU_MOD_SYNC_H

#define SYNC_MAX_CHANGES 200
extern const struct param sync_body[];
enum sync_kind { SYNC_ATTENDANCE, SYNC_MINUTES, SYNC_FILE, SYNC_NOTE, SYNC_CLOSE };
struct sync_change {
    const char *key;   /* the change's Idempotency-Key (NULL when missing or bad) */
    const char *canon; /* the item as canonical JSON: its fingerprint */
    enum sync_kind kind;
    int64_t captured_at, meeting_id, member_id;
    const char *status, *minutes, *resolutions, *file_kind, *ref, *name, *text;
    bool paper;
    const char *error, *field; /* a malformed item: refused, with the field */
};
/* Reads change i of the validated changes (sync_body's list) into c, with
 * the rules of its kind: the fields it may carry and those it needs. */
void sync_change_read(struct arena *a, const struct value *changes, size_t i,
                      struct sync_change *c);

#endif
