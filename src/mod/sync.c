/*
 * sync.c - offline capture uploaded later (POST /api/v1/sync): a batch of
 * changes a secretary's phone recorded without a connection (attendance,
 * minutes, file references such as photos of a paper sign-in sheet, notes
 * on a closed record, closing the meeting), each with its own
 * Idempotency-Key and the time it was captured.
 *
 * Each change is judged on arrival, on its own: a malformed item, a capture
 * time older than sync_max_offline_days or ahead of the clock, a meeting
 * that does not exist or that the uploader does not run now
 * (meeting.not_found, the same answer for both), an account that held no
 * such role when the change was captured (sync.no_role_then), a record
 * already locked (meeting.closed) are refused with the reason (each refusal
 * an audit row sync.refused); the others are applied in order and keep
 * captured_at and received_at. An item's key is stored in the foundation's idempotency
 * table ("sync:" + key, fingerprint of the item) in the same transaction as
 * its effect, so an upload repeated after a lost answer applies nothing
 * twice and answers the first result again; a key reused for another change
 * is refused.
 */
#include "app.h"
#include "mod/meetings.h"
#include "mod/sync.h"
#include "routes.h"

#include <sodium.h>

/* Captures up to this far in the future (a phone's clock running ahead). */
#define SYNC_CLOCK_SLACK 300

/* ---- the batch ---- */

static const char *const kind_names[] = {"attendance", "minutes", "file", "note", "close", NULL};

/* The fields of a change: the first four are every kind's, the others some
 * kind's (kind_fields); the dispatcher checks each change on its own. */
static const struct param change_fields[] = {
    {"key", P_STR, P_REQUIRED, 1, 120},
    {"kind", P_ENUM, P_REQUIRED, 0, 0, kind_names},
    {"capturedAt", P_TIME, P_REQUIRED},
    {"meetingId", P_ID, P_REQUIRED},
    {"memberId", P_ID},
    {"status", P_ENUM, 0, 0, 0, meeting_marks},
    {"paper", P_BOOL},
    {"minutes", P_STR, P_MULTILINE, 1, 20000},
    {"resolutions", P_STR, P_MULTILINE, 1, 5000},
    {"fileKind", P_ENUM, 0, 0, 0, meeting_file_kinds},
    {"ref", P_STR, 0, 1, 500},
    {"name", P_STR, 0, 1, 200},
    {"text", P_STR, P_MULTILINE, 1, 2000},
    {NULL},
};
#define CHANGE_COMMON_FIELDS 4

const struct param sync_body[] = {
    {"changes", P_OBJECTS, P_REQUIRED | P_EACH, 0, SYNC_MAX_CHANGES, NULL, change_fields},
    {NULL},
};

/* The fields each kind carries besides the common ones. */
static const char *const kind_fields[][4] = {
    [SYNC_ATTENDANCE] = {"memberId", "status", "paper", NULL},
    [SYNC_MINUTES] = {"minutes", "resolutions", NULL},
    [SYNC_FILE] = {"fileKind", "ref", "name", NULL},
    [SYNC_NOTE] = {"text", NULL},
    [SYNC_CLOSE] = {NULL},
};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

/* An idempotency key: printable ASCII, no spaces. */
static bool key_ok(const char *k)
{
    for (; *k; k++)
        if (*k < 0x21 || *k > 0x7e)
            return false;
    return true;
}

/* Sets c's fault unless it has one already. */
static void change_fault(struct sync_change *c, const char *field, const char *error)
{
    if (c->error)
        return;
    c->error = error;
    c->field = field;
}

void sync_change_read(struct arena *a, const struct value *changes, size_t i, struct sync_change *c)
{
    const struct param *p = &sync_body[0];
    const struct value_entry *e = &changes->entries[i];
    memset(c, 0, sizeof(*c));
    c->canon = e->canon;
    c->error = e->error;
    c->field = e->field;
    const char *key = value_field(changes, p, i, "key")->s;
    if (key && !key_ok(key)) {
        c->error = "key is 1 to 120 printable ASCII characters";
        c->field = "key";
        key = NULL;
    }
    c->key = key;
    const char *kind = value_field(changes, p, i, "kind")->s;
    for (int k = 0; kind && kind_names[k]; k++)
        if (!strcmp(kind_names[k], kind))
            c->kind = (enum sync_kind)k;
    for (size_t k = CHANGE_COMMON_FIELDS; kind && change_fields[k].name; k++) {
        const char *name = change_fields[k].name;
        const struct value *v = value_field(changes, p, i, name);
        if ((v->present || v->null) && !in_list(kind_fields[c->kind], name))
            change_fault(c, name, arena_printf(a, "%s is not a field of a %s change", name, kind));
    }
    c->captured_at = value_field(changes, p, i, "capturedAt")->i;
    c->meeting_id = value_field(changes, p, i, "meetingId")->i;
    c->member_id = value_field(changes, p, i, "memberId")->i;
    c->status = value_field(changes, p, i, "status")->s;
    c->paper = value_field(changes, p, i, "paper")->i;
    c->minutes = value_field(changes, p, i, "minutes")->s;
    c->resolutions = value_field(changes, p, i, "resolutions")->s;
    c->file_kind = value_field(changes, p, i, "fileKind")->s;
    c->ref = value_field(changes, p, i, "ref")->s;
    c->name = value_field(changes, p, i, "name")->s;
    c->text = value_field(changes, p, i, "text")->s;
    if (!kind)
        return; /* at fault already */
    switch (c->kind) {
    case SYNC_ATTENDANCE:
        if (!c->member_id)
            change_fault(c, "memberId", "memberId is required");
        if (!c->status)
            change_fault(c, "status", "status is required");
        break;
    case SYNC_MINUTES:
        if (!c->minutes && !c->resolutions)
            change_fault(c, "minutes", "a minutes change has minutes or resolutions");
        break;
    case SYNC_FILE:
        if (!c->file_kind)
            change_fault(c, "fileKind", "fileKind is required");
        if (!c->ref)
            change_fault(c, "ref", "ref is required");
        break;
    case SYNC_NOTE:
        if (!c->text)
            change_fault(c, "text", "text is required");
        break;
    case SYNC_CLOSE:
        break;
    }
}

/* ---- applying a change ---- */

struct outcome {
    int err; /* -1: accepted */
    const char *why, *field;
};

/* Whether the caller held a role that runs meetings over path at time t
 * (granted at or before t and not revoked by then). */
static bool role_held_at(struct req *req, const char *path, int64_t t)
{
    unsigned mask = perm_roles(PERM_MEETING_RUN);
    bool held = false;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT r.role, r.created_at, r.deleted_at FROM roles r JOIN "
                                  "orgs o ON o.id = r.org_id WHERE r.account_id = ? AND "
                                  "substr(?, 1, length(o.path)) = o.path",
                                  "is", req->who->account_id, path);
    while (db_next(st) && !held) {
        enum role role = role_parse(db_text(st, 0));
        if (role == ROLE__COUNT || !(mask & (1u << role)))
            continue;
        held = db_int(st, 1) <= t && (db_isnull(st, 2) || db_int(st, 2) > t);
    }
    db_done(st);
    return held;
}

/*
 * Authority over a change, before anything of the meeting is said: the
 * capture time within what a phone may hold offline (sync_max_offline_days)
 * and not ahead of the clock; the meeting there and run by the uploader now
 * (meeting.not_found alike for a missing meeting and one out of reach, so a
 * backdated capture cannot write after a role was revoked); and a role held
 * when it was captured. -1 when it may be applied, else the refusal in *o.
 */
static int change_authorised(struct req *req, const struct sync_change *c, struct meeting *m,
                             struct outcome *o)
{
    int64_t now = now_sec();
    if (c->captured_at > now + SYNC_CLOCK_SLACK)
        *o = (struct outcome){ERR_INVALID, "capturedAt is in the future", "capturedAt"};
    else if (c->captured_at < now - (int64_t)cfg.sync_max_offline_days * 86400)
        *o = (struct outcome){ERR_INVALID,
                              arena_printf(&req->arena,
                                           "captured more than %d days ago: too old to upload",
                                           cfg.sync_max_offline_days),
                              "capturedAt"};
    else if (!meeting_load(req->db, &req->arena, c->meeting_id, m) ||
             !principal_can(req->who, PERM_MEETING_RUN, m->org_path))
        *o = (struct outcome){ERR_MEETING_NOT_FOUND, "no such meeting", "meetingId"};
    else if (!role_held_at(req, m->org_path, c->captured_at))
        *o = (struct outcome){ERR_SYNC_NO_ROLE_THEN,
                              "you held no role running this branch's meetings when the change "
                              "was captured",
                              "capturedAt"};
    else if (c->captured_at < m->created_at)
        *o = (struct outcome){ERR_INVALID, "capturedAt is before the meeting was scheduled",
                              "capturedAt"};
    else
        return -1;
    return o->err;
}

static struct outcome apply_change(struct req *req, const struct sync_change *c, int64_t *org)
{
    struct outcome o = {-1, NULL, NULL};
    if (c->error)
        return (struct outcome){ERR_INVALID, c->error, c->field};
    struct meeting m = {0};
    if (change_authorised(req, c, &m, &o) >= 0)
        return o;
    *org = m.org_id;
    switch (c->kind) {
    case SYNC_ATTENDANCE:
        o.err = meeting_mark(req, &m, c->member_id, c->status, c->paper, c->captured_at, &o.why);
        if (o.err == ERR_INVALID)
            o.field = "status";
        else if (o.err == ERR_MEMBER_NOT_FOUND)
            o.field = "memberId";
        break;
    case SYNC_MINUTES:
        o.err = meeting_set_minutes(req, &m, c->minutes, c->resolutions, c->captured_at, &o.why);
        break;
    case SYNC_FILE:
        o.err = meeting_add_file(req, &m, c->file_kind, c->ref, c->name, c->captured_at, &o.why);
        break;
    case SYNC_NOTE:
        o.err = meeting_add_note(req, &m, c->text, c->captured_at, &o.why);
        break;
    case SYNC_CLOSE:
        o.err = meeting_close(req, &m, c->captured_at, &o.why);
        break;
    }
    return o;
}

/* The stored result of an earlier upload of the same key: 1 replayed into
 * j, 0 none, -1 the key was used for another change. */
static int sync_replay(struct req *req, const char *key, const unsigned char fp[32], struct jw *j)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT fingerprint, body FROM idempotency WHERE account_id = ? "
                                  "AND key = ?",
                                  "is", req->who->account_id, key);
    int rc = 0;
    if (db_next(st)) {
        size_t n;
        const void *stored = db_blob(st, 0, &n);
        if (n != 32 || memcmp(stored, fp, 32)) {
            rc = -1;
        } else {
            jw_raw(j, db_text(st, 1), db_text_len(st, 1));
            rc = 1;
        }
    }
    db_done(st);
    return rc;
}

static void result_write(struct jw *j, const struct sync_change *c, const struct outcome *o,
                         bool replayed)
{
    jw_obj_begin(j);
    jw_kv_str(j, "key", c->key);
    jw_kv_str(j, "status", o->err < 0 ? "accepted" : "refused");
    if (o->err >= 0) {
        jw_kv_str(j, "reason", err_table[o->err].code);
        jw_kv_str(j, "message", o->why ? o->why : err_table[o->err].message);
        jw_kv_str(j, "field", o->field);
    } else {
        jw_kv_int(j, "meetingId", c->meeting_id);
        jw_kv_time(j, "capturedAt", c->captured_at);
        jw_kv_time(j, "receivedAt", now_sec());
        jw_kv_bool(j, "replayed", replayed);
    }
    jw_obj_end(j);
}

/*
 * POST /api/v1/sync {changes: [{key, capturedAt, kind, meetingId, ...}]}
 *   kind attendance {memberId, status, paper?}; minutes {minutes?,
 *   resolutions?}; file {fileKind, ref, name?}; note {text}; close {}
 * -> {results: [{key, status: accepted|refused,
 *   reason?, message?, field?, meetingId?, capturedAt?, receivedAt?,
 *   replayed?}], accepted, refused}
 * in the order of the changes; a change at fault is refused on its own.
 * Errors: request.invalid (changes: not a list, more than 200).
 * Any logged-in caller; each change needs meeting.run on its branch both
 * now and at its capture time.
 */
static int h_sync(struct req *req)
{
    const struct value *changes = req_body(req, "changes");
    struct buf one;
    buf_init_arena(&one, &req->arena);
    int64_t accepted = 0, refused = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "results");
    jw_arr_begin(j);
    for (size_t i = 0; i < changes->n; i++) {
        struct sync_change change;
        const struct sync_change *c = &change;
        sync_change_read(&req->arena, changes, i, &change);
        unsigned char fp[32];
        const char *idem = c->key ? arena_printf(&req->arena, "sync:%s", c->key) : NULL;
        if (!c->error) { /* a key and its fingerprint */
            crypto_generichash(fp, sizeof(fp), (const unsigned char *)c->canon, strlen(c->canon),
                               NULL, 0);
            int r = sync_replay(req, idem, fp, j);
            if (r == 1) {
                accepted++;
                continue;
            }
            if (r < 0) {
                struct outcome o = {ERR_IDEM_MISMATCH, "this key was used for another change",
                                    "key"};
                result_write(j, c, &o, false);
                refused++;
                continue;
            }
        }
        int64_t org = 0;
        struct outcome o = apply_change(req, c, &org);
        if (db_failed(req->db))
            return req_fail(req, ERR_DB, NULL);
        if (o.err >= 0) {
            result_write(j, c, &o, false);
            refused++;
            req_audit(req, "sync.refused", org,
                      c->meeting_id ? arena_printf(&req->arena, "meeting:%" PRId64, c->meeting_id)
                                    : NULL,
                      "denied", "change %zu (%s): %s", i + 1, c->key ? "keyed" : "no key",
                      err_table[o.err].code);
            continue;
        }
        accepted++;
        result_write(j, c, &o, false);
        /* The stored answer of a replay says replayed: true. */
        buf_reset(&one);
        struct jw w;
        jw_init(&w, &one);
        result_write(&w, c, &o, true);
        db_exec(req->db,
                "INSERT INTO idempotency (account_id, key, fingerprint, status, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                "isbisi", req->who->account_id, idem, fp, sizeof(fp), (int64_t)200, one.data,
                now_sec());
    }
    jw_arr_end(j);
    jw_kv_int(j, "accepted", accepted);
    jw_kv_int(j, "refused", refused);
    jw_obj_end(j);
    req_audit(req, "sync.upload", 0, NULL, "ok",
              "%zu changes: %" PRId64 " accepted, %" PRId64 " refused", changes->n, accepted,
              refused);
    return 200;
}

const struct route sync_routes[] = {
    {"POST", "/api/v1/sync", h_sync, SCOPE_LOGIN, PERM_NONE, NULL, NULL, sync_body, 0},
    {NULL},
};
