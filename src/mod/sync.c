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
#include "mod/mod.h"

#include <jansson.h>
#include <sodium.h>

/* Captures up to this far in the future (a phone's clock running ahead). */
#define SYNC_CLOCK_SLACK 300

/* ---- the decoder ---- */

static const char *const kind_names[] = {"attendance", "minutes", "file", "note", "close", NULL};

/* The item's fields by kind: which are allowed (beyond key, capturedAt,
 * kind, meetingId). */
static const char *const kind_fields[][5] = {
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

static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 120)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

/* A string field of at most max characters (1 at least), or NULL with
 * c->error set when present and bad (or missing and required). */
static const char *str_field(struct arena *a, struct sync_change *c, json_t *item, const char *name,
                             long max, bool required, bool multiline)
{
    json_t *v = json_object_get(item, name);
    if (!v || json_is_null(v)) {
        if (required && !c->error) {
            c->error = arena_printf(a, "%s is required", name);
            c->field = name;
        }
        return NULL;
    }
    const char *s = json_string_value(v);
    long chars = !s          ? -1
                 : multiline ? utf8_chars_multiline(s, json_string_length(v))
                             : utf8_chars(s, json_string_length(v));
    if (!s || chars < 1 || chars > max || strlen(s) != json_string_length(v)) {
        if (!c->error) {
            c->error = arena_printf(a, "%s is text of 1 to %ld characters", name, max);
            c->field = name;
        }
        return NULL;
    }
    return arena_strdup(a, s);
}

static int64_t id_field(struct arena *a, struct sync_change *c, json_t *item, const char *name)
{
    json_t *v = json_object_get(item, name);
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        if (!c->error) {
            c->error = arena_printf(a, "%s is a positive id", name);
            c->field = name;
        }
        return 0;
    }
    return (int64_t)json_integer_value(v);
}

static void item_decode(struct arena *a, json_t *item, struct sync_change *c)
{
    memset(c, 0, sizeof(*c));
    if (!json_is_object(item)) {
        c->error = "a change is an object";
        return;
    }
    char *canon = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS);
    if (!canon) {
        c->error = "the change cannot be serialised";
        return;
    }
    c->canon = arena_strdup(a, canon);
    free(canon);
    json_t *k = json_object_get(item, "key");
    if (json_is_string(k) && key_ok(json_string_value(k)) &&
        strlen(json_string_value(k)) == json_string_length(k))
        c->key = arena_strdup(a, json_string_value(k));
    else {
        c->error = "key is 1 to 120 printable ASCII characters";
        c->field = "key";
        return;
    }
    const char *kind = json_string_value(json_object_get(item, "kind"));
    int ki = -1;
    for (int i = 0; kind && kind_names[i]; i++)
        if (!strcmp(kind_names[i], kind))
            ki = i;
    if (ki < 0) {
        c->error = "kind is attendance, minutes, file, note or close";
        c->field = "kind";
        return;
    }
    c->kind = (enum sync_kind)ki;
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v)
    {
        if (!strcmp(key, "key") || !strcmp(key, "kind") || !strcmp(key, "capturedAt") ||
            !strcmp(key, "meetingId") || in_list(kind_fields[c->kind], key))
            continue;
        c->error = arena_printf(a, "unknown field for a %s change", kind);
        c->field = arena_strndup(a, key, strnlen(key, 64));
        return;
    }
    const char *cap = json_string_value(json_object_get(item, "capturedAt"));
    if (!cap || !time_parse(cap, &c->captured_at)) {
        c->error = "capturedAt is a UTC time like 2026-12-01T02:13:00Z";
        c->field = "capturedAt";
        return;
    }
    c->meeting_id = id_field(a, c, item, "meetingId");
    switch (c->kind) {
    case SYNC_ATTENDANCE:
        c->member_id = id_field(a, c, item, "memberId");
        c->status = str_field(a, c, item, "status", 10, true, false);
        if (c->status && !in_list(meeting_marks, c->status) && !c->error) {
            c->error = "status is present, remote, leave or absent";
            c->field = "status";
        }
        v = json_object_get(item, "paper");
        if (v && !json_is_boolean(v) && !c->error) {
            c->error = "paper is true or false";
            c->field = "paper";
        }
        c->paper = json_is_true(v);
        break;
    case SYNC_MINUTES:
        c->minutes = str_field(a, c, item, "minutes", 20000, false, true);
        c->resolutions = str_field(a, c, item, "resolutions", 5000, false, true);
        if (!c->minutes && !c->resolutions && !c->error) {
            c->error = "a minutes change has minutes or resolutions";
            c->field = "minutes";
        }
        break;
    case SYNC_FILE:
        c->file_kind = str_field(a, c, item, "fileKind", 20, true, false);
        if (c->file_kind && !in_list(meeting_file_kinds, c->file_kind) && !c->error) {
            c->error = "fileKind is material, photo or signin_sheet";
            c->field = "fileKind";
        }
        c->ref = str_field(a, c, item, "ref", 500, true, false);
        c->name = str_field(a, c, item, "name", 200, false, false);
        break;
    case SYNC_NOTE:
        c->text = str_field(a, c, item, "text", 2000, true, true);
        break;
    case SYNC_CLOSE:
        break;
    }
}

const char *sync_decode(struct arena *a, const char *data, size_t len, struct sync_batch *out)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return arena_printf(a, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                            jerr.text);
    const char *why = NULL;
    json_t *changes = json_object_get(root, "changes");
    if (!json_is_object(root) || json_object_size(root) != 1 || !json_is_array(changes))
        why = "the body is {\"changes\": [...]}";
    else if (json_array_size(changes) > SYNC_MAX_CHANGES)
        why = arena_printf(a, "at most %d changes per batch", SYNC_MAX_CHANGES);
    if (!why) {
        out->n = json_array_size(changes);
        out->items = arena_calloc(a, out->n ? out->n : 1, sizeof(*out->items));
        for (size_t i = 0; i < out->n; i++)
            item_decode(a, json_array_get(changes, i), &out->items[i]);
    }
    json_decref(root);
    return why;
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
 * in the order of the changes.
 * Errors: sync.bad_batch (not {"changes": [...]} or more than 200).
 * Any logged-in caller; each change needs meeting.run on its branch both
 * now and at its capture time.
 */
static int h_sync(struct req *req)
{
    struct sync_batch b;
    const char *why = sync_decode(&req->arena, req->body_raw.data, req->body_raw.len, &b);
    if (why)
        return req_fail(req, ERR_SYNC_BATCH, "%s", why);
    struct buf one;
    buf_init_arena(&one, &req->arena);
    int64_t accepted = 0, refused = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "results");
    jw_arr_begin(j);
    for (size_t i = 0; i < b.n; i++) {
        const struct sync_change *c = &b.items[i];
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
              "%zu changes: %" PRId64 " accepted, %" PRId64 " refused", b.n, accepted, refused);
    return 200;
}

const struct route sync_routes[] = {
    {"POST", "/api/v1/sync", h_sync, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {NULL},
};
