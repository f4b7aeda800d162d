/*
 * notices.c - announcements (通知公告): publish to an organisation's subtree
 * (all members, some roles, or chosen members), the home feed, read and
 * acknowledgement markers, reminders (in the feed and by SMS), edits and
 * retractions with history, the manager's list. The per-branch read report,
 * told in person, the members it reaches and the export are notices_report.c;
 * what the two share is notices_int.h.
 *
 * Pull model (migrations/0009_notices.sql): publishing writes one row; a
 * caller's feed is the notices on the organisations of their branch's path
 * (and of the organisations they hold roles on), filtered by audience.
 * Markers are written when a member reads or acknowledges. Corrections,
 * retractions and reminders are derived rows (kind, ref_id) with the
 * original's audience, so they reach exactly who received the original;
 * a reminder shows only to those who have not acknowledged.
 */
#include "app.h"
#include "core/jobs.h"
#include "core/live.h"
#include "core/roster.h"
#include "mod/access.h"
#include "mod/files.h"
#include "mod/notices.h"
#include "mod/notices_int.h"
#include "mod/orgs.h"
#include "mod/search.h"
#include "mod/waiting.h"
#include "mod/sms.h"
#include "routes.h"

static const char *const priorities[] = {"normal", "important", "urgent", NULL};

#define FEED_EXCERPT 140       /* characters of the text in a feed item */
#define UNREAD_WINDOW_DAYS 180 /* the unread count looks this far back */

#define NOTICE_COLS(F, C)                                                                          \
    F(NOTICE_COL_ID, "id")                                                                         \
    C(NOTICE_COL_KIND, "kind")                                                                     \
    C(NOTICE_COL_REF_ID, "ref_id")                                                                 \
    C(NOTICE_COL_ORG_ID, "org_id")                                                                 \
    C(NOTICE_COL_ORG_PATH, "org_path")                                                             \
    C(NOTICE_COL_ROLE_MASK, "role_mask")                                                           \
    C(NOTICE_COL_CHOSEN, "chosen")                                                                 \
    C(NOTICE_COL_TITLE, "title")                                                                   \
    C(NOTICE_COL_BODY, "body")                                                                     \
    C(NOTICE_COL_ATTACHMENTS, "attachments")                                                       \
    C(NOTICE_COL_PRIORITY, "priority")                                                             \
    C(NOTICE_COL_PINNED, "pinned")                                                                 \
    C(NOTICE_COL_ACK_REQUIRED, "ack_required")                                                     \
    C(NOTICE_COL_ACK_DEADLINE, "ack_deadline")                                                     \
    C(NOTICE_COL_STATE, "state")                                                                   \
    C(NOTICE_COL_VERSION, "version")                                                               \
    C(NOTICE_COL_AUTHOR_ID, "author_id")                                                           \
    C(NOTICE_COL_PUBLISHED_AT, "published_at")                                                     \
    C(NOTICE_COL_UPDATED_AT, "updated_at")                                                         \
    C(NOTICE_COL_REMINDED_AT, "reminded_at")
enum notice_col { DB_COLUMN_ENUM(NOTICE_COLS) };
#define NOTICE_COLUMNS DB_COLUMNS(NOTICE_COLS)

static void notice_from_row(struct arena *a, struct db_stmt *st, struct notice *n)
{
    *n = (struct notice){
        .id = db_int(st, NOTICE_COL_ID),
        .kind = arena_strdup(a, db_text(st, NOTICE_COL_KIND)),
        .ref_id = db_int(st, NOTICE_COL_REF_ID),
        .org_id = db_int(st, NOTICE_COL_ORG_ID),
        .org_path = arena_strdup(a, db_text(st, NOTICE_COL_ORG_PATH)),
        .role_mask = (unsigned)db_int(st, NOTICE_COL_ROLE_MASK),
        .chosen = db_int(st, NOTICE_COL_CHOSEN),
        .title = arena_strdup(a, db_text(st, NOTICE_COL_TITLE)),
        .body = arena_strdup(a, db_text(st, NOTICE_COL_BODY)),
        .attachments = arena_strdup(a, db_text(st, NOTICE_COL_ATTACHMENTS)),
        .priority = arena_strdup(a, db_text(st, NOTICE_COL_PRIORITY)),
        .pinned = db_int(st, NOTICE_COL_PINNED),
        .ack_required = db_int(st, NOTICE_COL_ACK_REQUIRED),
        .ack_deadline = db_isnull(st, NOTICE_COL_ACK_DEADLINE)
                            ? NULL
                            : arena_strdup(a, db_text(st, NOTICE_COL_ACK_DEADLINE)),
        .state = arena_strdup(a, db_text(st, NOTICE_COL_STATE)),
        .version = db_int(st, NOTICE_COL_VERSION),
        .author_id = db_int(st, NOTICE_COL_AUTHOR_ID),
        .published_at = db_int(st, NOTICE_COL_PUBLISHED_AT),
        .updated_at = db_int(st, NOTICE_COL_UPDATED_AT),
        .reminded_at = db_int(st, NOTICE_COL_REMINDED_AT),
    };
}

bool notice_load(struct db *db, struct arena *a, int64_t id, struct notice *n)
{
    struct db_stmt *st = db_query(
        db, "SELECT " NOTICE_COLUMNS " FROM notices WHERE id = ? AND deleted_at IS NULL", "i", id);
    bool found = db_next(st);
    if (found)
        notice_from_row(a, st, n);
    db_done(st);
    return found;
}

/* The notice whose audience and markers a derived entry shares. */
static int64_t notice_root(const struct notice *n)
{
    return n->ref_id ? n->ref_id : n->id;
}

/* Role bits of a role_mask as a JSON list of names. */
static void write_roles(struct jw *j, unsigned mask)
{
    jw_arr_begin(j);
    for (int r = 0; r < ROLE__COUNT; r++)
        if (mask & (1u << r))
            jw_str(j, role_names[r]);
    jw_arr_end(j);
}

/* ---- who receives a notice ---- */

static bool acked(struct db *db, int64_t account_id, int64_t notice_id)
{
    int64_t v = 0;
    return db_get_int(db, &v,
                      "SELECT 1 FROM notice_marks WHERE account_id = ? AND notice_id = ? AND "
                      "ack_at IS NOT NULL",
                      "ii", account_id, notice_id);
}

/* Whether the notice reaches w (fields as in struct notice). */
static bool reaches(struct db *db, const struct live_who *w, int64_t id, int64_t ref_id,
                    const char *kind, const char *org_path, unsigned role_mask, bool chosen)
{
    int64_t root = ref_id ? ref_id : id;
    if (chosen) {
        int64_t v;
        if (!w->member_id || !w->branch_path ||
            strncmp(w->branch_path, org_path, strlen(org_path)) ||
            !db_get_int(db, &v,
                        "SELECT 1 FROM notice_recipients WHERE notice_id = ? AND member_id = ?",
                        "ii", root, w->member_id))
            return false;
    } else if (!live_audience_match(w, org_path, role_mask)) {
        return false;
    }
    /* A reminder is for those who have not acknowledged the original. */
    return strcmp(kind, "reminder") || !acked(db, w->account_id, root);
}

static bool notice_reaches(struct db *db, const struct live_who *w, const struct notice *n)
{
    return reaches(db, w, n->id, n->ref_id, n->kind, n->org_path, n->role_mask, n->chosen);
}

/* Tells the notice's audience that it arrived (an event per chosen member). */
static void notice_announce(struct db *db, struct arena *a, const struct notice *n, int64_t id,
                            const char *kind, const char *title)
{
    struct buf b;
    buf_init_arena(&b, a);
    struct jw j;
    jw_init(&j, &b);
    jw_obj_begin(&j);
    jw_kv_int(&j, "id", id);
    jw_kv_str(&j, "kind", kind);
    jw_kv_id(&j, "refId", strcmp(kind, "notice") ? notice_root(n) : 0);
    jw_key(&j, "title");
    /* An event carries at most 2,000 bytes: the title is cut at 100 characters. */
    jw_str(&j, title);
    jw_kv_str(&j, "priority", n->priority);
    jw_obj_end(&j);
    if (!n->chosen) {
        live_publish(db, "notice", n->org_path, n->role_mask, 0, b.data);
        return;
    }
    struct db_stmt *st = db_query(db,
                                  "SELECT a.id FROM notice_recipients r JOIN accounts a ON "
                                  "a.member_id = r.member_id WHERE r.notice_id = ?",
                                  "i", notice_root(n));
    while (db_next(st))
        live_publish(db, "notice", NULL, 0, db_int(st, 0), b.data);
    db_done(st);
}

/* Inserts a derived entry (correction, retraction, reminder) of n with its
 * audience and announces it; returns its id. */
static int64_t notice_derive(struct db *db, struct arena *a, const struct notice *n,
                             const char *kind, const char *title, const char *body,
                             int64_t author_id)
{
    int64_t now = now_sec();
    db_exec(db,
            "INSERT INTO notices (kind, ref_id, org_id, org_path, role_mask, chosen, title, body, "
            "priority, author_id, published_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "siisiisssiiiii", kind, notice_root(n), n->org_id, n->org_path, (int64_t)n->role_mask,
            (int64_t)n->chosen, title, body, n->priority, author_id, now, now, now,
            db_next_seq(db));
    if (db_failed(db))
        return 0;
    int64_t id = db_last_id(db);
    notice_announce(db, a, n, id, kind, title);
    return id;
}

/* A title with a prefix, cut to 100 characters. */
static const char *prefixed_title(struct arena *a, const char *prefix, const char *title)
{
    const char *t = arena_printf(a, "%s%s", prefix, title);
    size_t bytes = 0;
    long chars = 0;
    while (t[bytes] && chars < 100) {
        bytes++;
        while ((t[bytes] & 0xc0) == 0x80)
            bytes++;
        chars++;
    }
    return arena_strndup(a, t, bytes);
}

/* ---- JSON ---- */

static void write_org(struct db *db, struct jw *j, int64_t org_id)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", org_id);
    struct db_stmt *st = db_query(db, "SELECT name, level FROM orgs WHERE id = ?", "i", org_id);
    if (db_next(st)) {
        jw_kv_str(j, "name", db_text(st, 0));
        jw_kv_str(j, "level", db_text(st, 1));
    }
    db_done(st);
    jw_obj_end(j);
}

static void write_notice(struct req *req, struct jw *j, const struct notice *n)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", n->id);
    jw_kv_str(j, "kind", n->kind);
    jw_kv_id(j, "refId", n->ref_id);
    jw_kv_str(j, "title", n->title);
    jw_kv_str(j, "text", n->body);
    jw_key(j, "attachments");
    jw_raw(j, n->attachments, strlen(n->attachments));
    /* The stored files as they are now: withdrawn ones gone, versions for weak links. */
    files_write_attached(req, j, "files", "notice", n->id);
    jw_kv_str(j, "priority", n->priority);
    jw_kv_bool(j, "pinned", n->pinned);
    jw_kv_bool(j, "ackRequired", n->ack_required);
    jw_kv_str(j, "ackDeadline", n->ack_deadline);
    jw_kv_str(j, "state", n->state);
    jw_kv_int(j, "version", n->version);
    jw_key(j, "org");
    write_org(req->db, j, n->org_id);
    jw_key(j, "audience");
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", n->org_id);
    jw_key(j, "roles");
    write_roles(j, n->role_mask);
    jw_kv_bool(j, "chosen", n->chosen);
    /* Who else it went to is for those who manage it, not for each recipient. */
    if (n->chosen && principal_can(req->who, PERM_NOTICE_PUBLISH, n->org_path)) {
        jw_key(j, "memberIds");
        jw_arr_begin(j);
        struct db_stmt *st = db_query(
            req->db, "SELECT member_id FROM notice_recipients WHERE notice_id = ? LIMIT 500", "i",
            notice_root(n));
        while (db_next(st))
            jw_int(j, db_int(st, 0));
        db_done(st);
        jw_arr_end(j);
    }
    jw_obj_end(j);
    jw_kv_time(j, "publishedAt", n->published_at);
    jw_kv_time(j, "updatedAt", n->updated_at);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT read_at, ack_at FROM notice_marks WHERE "
                                  "account_id = ? AND notice_id = ?",
                                  "ii", req->who->account_id, n->id);
    bool row = db_next(st);
    jw_kv_bool(j, "read", row);
    jw_kv_time(j, "readAt", row ? db_int(st, 0) : 0);
    db_done(st);
    st = db_query(req->db, "SELECT ack_at FROM notice_marks WHERE account_id = ? AND notice_id = ?",
                  "ii", req->who->account_id, notice_root(n));
    int64_t ack = db_next(st) ? db_int(st, 0) : 0;
    db_done(st);
    jw_kv_bool(j, "acked", ack != 0);
    jw_kv_time(j, "ackedAt", ack);
    jw_kv_bool(j, "canManage", principal_can(req->who, PERM_NOTICE_PUBLISH, n->org_path));
    jw_obj_end(j);
}

static int notice_respond(struct req *req, int64_t id, int status)
{
    struct notice n;
    if (!notice_load(req->db, &req->arena, id, &n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    write_notice(req, req_data(req), &n);
    return status;
}

/* ---- input checks ---- */

/* An attachment: a name and either a link or a stored file. */
static const struct param attachment_fields[] = {
    {"name", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"url", P_URL, 0, 0, 500},
    {"fileId", P_ID},
    {NULL},
};
#define ATTACHMENTS_PARAM                                                                          \
    {                                                                                              \
        "attachments", P_OBJECTS, 0, 0, 10, NULL, attachment_fields                                \
    }
static const struct param attachments_param = ATTACHMENTS_PARAM;

/* The validated attachments as the JSON stored with the notice (arena):
 * [{name, url} | {name, fileId, size, type, kind}] ([] when none were sent);
 * NULL with a field error when one has both or neither, or names a file the
 * caller may not attach to a notice of the organisation at path. */
static const char *attachments_json(struct req *req, const struct value *v, const char *path,
                                    int *rc)
{
    struct buf b;
    struct jw j;
    buf_init_arena(&b, &req->arena);
    jw_init(&j, &b);
    jw_arr_begin(&j);
    for (size_t i = 0; i < v->n; i++) {
        const struct value *url = value_field(v, &attachments_param, i, "url");
        const struct value *file = value_field(v, &attachments_param, i, "fileId");
        if (url->present == file->present) {
            *rc = req_fail_field(req, ERR_INVALID, "attachments",
                                 "attachment %zu has a url or a fileId (one of them)", i + 1);
            return NULL;
        }
        struct file_info info;
        if (file->present &&
            (*rc = files_check_attachable(req, file->i, path, "attachments", &info)))
            return NULL;
        jw_obj_begin(&j);
        jw_kv_str(&j, "name", value_field(v, &attachments_param, i, "name")->s);
        if (url->present) {
            jw_kv_str(&j, "url", url->s);
        } else {
            jw_kv_int(&j, "fileId", file->i);
            jw_kv_int(&j, "size", info.size);
            jw_kv_str(&j, "type", info.type);
            jw_kv_str(&j, "kind", info.kind);
        }
        jw_obj_end(&j);
    }
    jw_arr_end(&j);
    *rc = 0;
    return b.data;
}

/* Records which stored files the notice refers to (they are read through it). */
static void attach_files(struct req *req, int64_t notice_id, const struct value *v)
{
    files_detach_all(req, "notice", notice_id);
    for (size_t i = 0; i < v->n; i++) {
        const struct value *file = value_field(v, &attachments_param, i, "fileId");
        if (file->present)
            files_attach(req, file->i, "notice", notice_id);
    }
}

/* Stores the chosen members (each on a roster in the subtree of path); 0 or an error status. */
static int store_recipients(struct req *req, int64_t notice_id, const struct value *ids,
                            const char *path)
{
    const char *end = org_path_end(&req->arena, path);
    for (size_t i = 0; i < ids->n; i++) {
        int64_t id = ids->ids[i], v;
        if (!db_get_int(req->db, &v,
                        "SELECT 1 FROM members WHERE id = ? AND org_path >= ? AND org_path < ? AND "
                        "deleted_at IS NULL AND status IN " ROSTER_STATUSES,
                        "iss", id, path, end))
            return req_fail_field(req, ERR_INVALID, "memberIds",
                                  "member %" PRId64 " is not on a roster under the organisation",
                                  id);
        db_exec(req->db,
                "INSERT INTO notice_recipients (notice_id, member_id) VALUES (?, ?) ON "
                "CONFLICT DO NOTHING",
                "ii", notice_id, id);
    }
    return 0;
}

/* ---- publish ---- */

static const struct param publish_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 5000},
    ATTACHMENTS_PARAM,
    {"priority", P_ENUM, 0, 0, 0, priorities},
    {"pinned", P_BOOL},
    {"ackRequired", P_BOOL},
    {"ackDeadline", P_DATE},
    {"roles", P_ENUMS, 0, 0, ROLE__COUNT, role_names},
    {"memberIds", P_IDS, 0, 0, 500},
    {NULL},
};

static void notice_sms_start(struct db *db, struct arena *a, const struct notice *n,
                             enum sms_kind kind);

static bool body_flag(struct req *req, const char *name)
{
    const struct value *v = req_body(req, name);
    return v && v->present && v->i;
}

/*
 * POST /api/v1/notices {orgId, title, text, attachments?, priority?, pinned?,
 * ackRequired?, ackDeadline?, roles?, memberIds?} -> 201 the notice.
 * Audience: every member of the subtree of orgId; or roles (holders of these
 * roles in the subtree, "member" = every member); or memberIds (chosen
 * members on a roster in the subtree). Errors: notice.invalid (field: title,
 * text, attachments, roles, memberIds, ackDeadline), org.not_found.
 * notice.publish on orgId.
 */
static int h_publish(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    const char *title = req_body_str(req, "title"), *text = req_body_str(req, "text");
    const struct value *roles = req_body(req, "roles"), *members = req_body(req, "memberIds");
    const char *deadline = req_body_str(req, "ackDeadline");
    bool ack = body_flag(req, "ackRequired");
    unsigned mask = 0;
    for (size_t i = 0; i < roles->n; i++)
        mask |= 1u << role_parse(roles->strs[i]);
    int rc = 0;
    const char *atts = attachments_json(req, req_body(req, "attachments"), path, &rc);
    if (rc)
        return rc;
    if (members->present && members->n && mask)
        return req_fail_field(req, ERR_INVALID, "memberIds", "choose members or roles, not both");
    if (members->present && !members->n)
        return req_fail_field(req, ERR_INVALID, "memberIds", "no member chosen");
    char today[11];
    date_today(today);
    if (deadline && (!ack || strcmp(deadline, today) < 0))
        return req_fail_field(req, ERR_INVALID, "ackDeadline",
                              "a deadline needs ackRequired and must not be in the past");
    const char *prio = req_body_str(req, "priority");
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO notices (org_id, org_path, role_mask, chosen, title, body, attachments, "
            "priority, pinned, ack_required, ack_deadline, author_id, published_at, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isiissssiisiiiii", org, path, (int64_t)mask, (int64_t)members->present, title, text,
            atts, prio ? prio : "normal", (int64_t)body_flag(req, "pinned"), (int64_t)ack, deadline,
            req->who->account_id, now, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    if (members->present && (rc = store_recipients(req, id, members, path)))
        return rc;
    attach_files(req, id, req_body(req, "attachments"));
    struct notice n;
    if (!notice_load(req->db, &req->arena, id, &n))
        return req_fail(req, ERR_DB, NULL);
    notice_announce(req->db, &req->arena, &n, id, "notice", title);
    if (ack) /* what needs action reaches members by SMS too, as they chose */
        notice_sms_start(req->db, &req->arena, &n, SMS_NOTICE);
    /* Searchable when it goes to everyone of the subtree (the index knows no
     * role or member audiences: those are found in the feed only). */
    if (!mask && !members->present)
        search_index_put(req->db, "notice", id, org, title, text);
    req_audit(req, "notice.publish", org, arena_printf(&req->arena, "notice:%" PRId64, id), "ok",
              "%s%s",
              members ? "chosen members"
              : mask  ? "roles"
                      : "all members",
              ack ? ", acknowledgement required" : "");
    return notice_respond(req, id, 201);
}

/* A notice (or a derived entry: reminder, correction, retraction): on its
 * organisation; those it reaches are its audience. */
static bool notice_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct notice n;
    if (!notice_load(req->db, &req->arena, id, &n))
        return false;
    o->org_id = n.org_id;
    o->org_path = n.org_path;
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    if (w && notice_reaches(req->db, w, &n))
        o->party = PARTY_AUDIENCE;
    return true;
}

/* Managed with notice.publish on its organisation; read by its audience. */
const struct object_kind notice_kind = {
    .name = "notice",
    .not_found = ERR_NOTICE_NOT_FOUND,
    .locate = notice_locate,
};

/* The notice of an object route, authorised by the dispatcher: its fields. */
int notice_get(struct req *req, struct notice *n)
{
    if (!notice_load(req->db, &req->arena, req->obj.id, n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    return 0;
}

/*
 * GET /api/v1/notices/{id} -> the notice with the caller's read/ack state and
 * canManage. Errors: notice.not_found (also when it does not reach the caller).
 * Recipients, and notice.publish on its organisation.
 */
static int h_get(struct req *req)
{
    struct notice n;
    int rc = notice_get(req, &n);
    if (rc)
        return rc;
    write_notice(req, req_data(req), &n);
    return 200;
}

/*
 * GET /api/v1/notices/{id}/versions -> {items: [{version, title, text,
 * attachments, priority, pinned, replacedAt, note}]}: the earlier versions,
 * newest first. Errors: notice.not_found. As GET /notices/{id}.
 */
static int h_versions(struct req *req)
{
    struct notice n;
    int rc = notice_get(req, &n);
    if (rc)
        return rc;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT version, title, body, attachments, priority, pinned, "
                                  "replaced_at, note FROM notice_versions WHERE notice_id = ? "
                                  "ORDER BY version DESC",
                                  "i", n.id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "version", db_int(st, 0));
        jw_kv_str(j, "title", db_text(st, 1));
        jw_kv_str(j, "text", db_text(st, 2));
        jw_key(j, "attachments");
        jw_raw(j, db_text(st, 3), db_text_len(st, 3));
        jw_kv_str(j, "priority", db_text(st, 4));
        jw_kv_bool(j, "pinned", db_int(st, 5));
        jw_kv_time(j, "replacedAt", db_int(st, 6));
        jw_kv_str(j, "note", db_text(st, 7));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- edit, retract ---- */

static const struct param edit_body[] = {
    {"title", P_STR, P_NONBLANK, 1, 100},
    {"text", P_STR, P_MULTILINE | P_NONBLANK, 1, 5000},
    ATTACHMENTS_PARAM,
    {"priority", P_ENUM, 0, 0, 0, priorities},
    {"pinned", P_BOOL},
    {"note", P_STR, 0, 0, 500},
    {NULL},
};

/* Loads the notice of a managing route: an original not retracted. */
static int load_managed(struct req *req, struct notice *n)
{
    int rc = notice_get(req, n);
    if (rc)
        return rc;
    if (strcmp(n->kind, "notice"))
        return req_fail(req, ERR_NOTICE_STATE, "only an announcement itself can be changed");
    if (!strcmp(n->state, "retracted"))
        return req_fail(req, ERR_NOTICE_STATE, NULL);
    return 0;
}

/*
 * PATCH /api/v1/notices/{id} {title?, text?, attachments?, priority?, pinned?,
 * note?} -> the notice. The earlier version is kept (versions); a change of
 * title, text or attachments marks it corrected and sends a correction entry
 * (更正) to everyone it reaches. Errors: notice.not_found, notice.invalid,
 * notice.state (retracted, or not an original). notice.publish on its organisation.
 */
static int h_edit(struct req *req)
{
    struct notice n;
    int rc = load_managed(req, &n);
    if (rc)
        return rc;
    const char *title = req_body_str(req, "title"), *text = req_body_str(req, "text");
    const char *prio = req_body_str(req, "priority");
    const char *note = req_body_str(req, "note");
    const struct value *pin = req_body(req, "pinned");
    const struct value *av = req_body(req, "attachments");
    const char *atts = av->present ? attachments_json(req, av, n.org_path, &rc) : NULL;
    if (rc)
        return rc;
    if (av->present)
        attach_files(req, n.id, av);
    bool content = (title && strcmp(title, n.title)) || (text && strcmp(text, n.body)) ||
                   (atts && strcmp(atts, n.attachments));
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO notice_versions (notice_id, version, title, body, attachments, priority, "
            "pinned, replaced_by, replaced_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "iissssiiis", n.id, n.version, n.title, n.body, n.attachments, n.priority,
            (int64_t)n.pinned, req->who->account_id, now, note);
    db_exec(req->db,
            "UPDATE notices SET title = ?, body = ?, attachments = ?, priority = ?, pinned = ?, "
            "state = CASE WHEN ? THEN 'corrected' ELSE state END, version = version + 1, "
            "updated_at = ?, seq = ? WHERE id = ?",
            "ssssiiiii", title ? title : n.title, text ? text : n.body, atts ? atts : n.attachments,
            prio ? prio : n.priority, pin && pin->present ? pin->i : (int64_t)n.pinned,
            (int64_t)content, now, db_next_seq(req->db), n.id);
    if (content && !n.role_mask && !n.chosen)
        search_index_put(req->db, "notice", n.id, n.org_id, title ? title : n.title,
                         text ? text : n.body);
    if (content) {
        const char *t = prefixed_title(&req->arena, "更正：", title ? title : n.title);
        notice_derive(req->db, &req->arena, &n, "correction", t,
                      note && *note ? note : "此通知内容已更正，请查看最新内容。",
                      req->who->account_id);
    }
    req_audit(req, "notice.edit", n.org_id, arena_printf(&req->arena, "notice:%" PRId64, n.id),
              "ok", "version %" PRId64 "%s", n.version + 1, content ? ", correction sent" : "");
    return notice_respond(req, n.id, 200);
}

static const struct param retract_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 500},
    {NULL},
};

/*
 * POST /api/v1/notices/{id}/retract {reason} -> the notice, state
 * "retracted"; a retraction entry (撤回) with the reason reaches everyone it
 * reached; its SMS still waiting are withdrawn. Errors: notice.not_found, notice.invalid (empty
 * reason), notice.state (already retracted). notice.publish on its organisation.
 */
static int h_retract(struct req *req)
{
    struct notice n;
    int rc = load_managed(req, &n);
    if (rc)
        return rc;
    const char *reason = req_body_str(req, "reason");
    db_exec(req->db,
            "UPDATE notices SET state = 'retracted', pinned = 0, updated_at = ?, seq = ? WHERE "
            "id = ?",
            "iii", now_sec(), db_next_seq(req->db), n.id);
    notice_derive(req->db, &req->arena, &n, "retraction",
                  prefixed_title(&req->arena, "撤回：", n.title), reason, req->who->account_id);
    search_index_drop(req->db, "notice", n.id);
    /* Its SMS not sent yet are not sent: "reply 1 to acknowledge" would be
     * refused now. */
    db_exec(req->db, "DELETE FROM notice_sms_fanout WHERE notice_id = ?", "i", n.id);
    const enum sms_kind kinds[] = {SMS_NOTICE, SMS_NOTICE_REMINDER};
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        sms_withdraw(req->db,
                     arena_printf(&req->arena, "%s:%" PRId64 ":m:", sms_kind_name(kinds[i]), n.id));
    req_audit(req, "notice.retract", n.org_id, arena_printf(&req->arena, "notice:%" PRId64, n.id),
              "ok", "retracted");
    return notice_respond(req, n.id, 200);
}

/*
 * POST /api/v1/notices/{id}/remind -> 201 {id, refId}: a reminder entry (提醒)
 * in the feeds of those who have not acknowledged. Errors: notice.not_found,
 * notice.no_ack, notice.state. notice.publish on its organisation.
 */
static int h_remind(struct req *req)
{
    struct notice n;
    int rc = load_managed(req, &n);
    if (rc)
        return rc;
    if (!n.ack_required)
        return req_fail(req, ERR_NOTICE_NO_ACK, NULL);
    int64_t id = notice_derive(req->db, &req->arena, &n, "reminder",
                               prefixed_title(&req->arena, "提醒：", n.title),
                               "请阅读并确认此通知。", req->who->account_id);
    req_audit(req, "notice.remind", n.org_id, arena_printf(&req->arena, "notice:%" PRId64, n.id),
              "ok", "reminder %" PRId64, id);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_kv_int(j, "refId", n.id);
    jw_obj_end(j);
    return 201;
}

int notice_sweep(struct db *db)
{
    char today[11];
    date_today(today);
    struct arena a;
    arena_init(&a);
    int64_t ids[20];
    int k = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT id FROM notices WHERE ack_required = 1 AND reminded_at "
                                  "IS NULL AND kind = 'notice' AND ack_deadline < ? LIMIT 20",
                                  "s", today);
    while (db_next(st))
        ids[k++] = db_int(st, 0);
    db_done(st);
    for (int i = 0; i < k; i++) {
        struct notice n;
        if (!notice_load(db, &a, ids[i], &n))
            continue;
        if (strcmp(n.state, "retracted"))
            notice_derive(
                db, &a, &n, "reminder", prefixed_title(&a, "提醒：", n.title),
                arena_printf(&a, "确认期限（%s）已过，请尽快阅读并确认此通知。", n.ack_deadline),
                n.author_id);
        db_exec(db, "UPDATE notices SET reminded_at = ? WHERE id = ?", "ii", now_sec(), n.id);
    }
    arena_release(&a);
    return db_failed(db) ? -1 : k;
}

/* ---- read, acknowledge ---- */

/*
 * POST /api/v1/notices/{id}/read -> {read: true, readAt}. Idempotent: the
 * first read time stays. Errors: notice.not_found. Recipients.
 */
static int h_read(struct req *req)
{
    struct notice n;
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    if (!w || !notice_load(req->db, &req->arena, req->obj.id, &n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    db_exec(req->db,
            "INSERT INTO notice_marks (account_id, notice_id, member_id, read_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            "iiIi", w->account_id, n.id, w->member_id, now_sec());
    if (db_changes(req->db))
        db_next_seq(req->db); /* retires cached feeds (ROUTE_CACHE_MINE) */
    int64_t at = 0;
    db_get_int(req->db, &at,
               "SELECT read_at FROM notice_marks WHERE account_id = ? AND notice_id = ?", "ii",
               w->account_id, n.id);
    access_acted(req->db, w->account_id, at);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "read", true);
    jw_kv_time(j, "readAt", at);
    jw_obj_end(j);
    return 200;
}

/*
 * POST /api/v1/notices/{id}/ack -> {acked: true, ackedAt}: read and
 * acknowledged (on a derived entry: the original). Idempotent: the first
 * time stays. Errors: notice.not_found, notice.no_ack, notice.state
 * (retracted). Recipients.
 */
static int h_ack(struct req *req)
{
    struct notice n;
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    if (!w || !notice_load(req->db, &req->arena, req->obj.id, &n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    if (n.ref_id && !notice_load(req->db, &req->arena, n.ref_id, &n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    if (!n.ack_required)
        return req_fail(req, ERR_NOTICE_NO_ACK, NULL);
    if (!strcmp(n.state, "retracted"))
        return req_fail(req, ERR_NOTICE_STATE, NULL);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO notice_marks (account_id, notice_id, member_id, read_at, ack_at) VALUES "
            "(?, ?, ?, ?, ?) ON CONFLICT (account_id, notice_id) DO UPDATE SET ack_at = "
            "COALESCE(ack_at, excluded.ack_at)",
            "iiIii", w->account_id, n.id, w->member_id, now, now);
    db_next_seq(req->db); /* retires cached feeds (ROUTE_CACHE_MINE) */
    /* The entry acknowledged from (a reminder) counts as read too. */
    bool reminder_read = false;
    if (req_id(req) != n.id) {
        db_exec(req->db,
                "INSERT INTO notice_marks (account_id, notice_id, member_id, read_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                "iiIi", w->account_id, req_id(req), w->member_id, now);
        reminder_read = db_changes(req->db) > 0;
    }
    int64_t at = 0;
    db_get_int(req->db, &at,
               "SELECT ack_at FROM notice_marks WHERE account_id = ? AND notice_id = ?", "ii",
               w->account_id, n.id);
    access_acted(req->db, w->account_id, reminder_read ? now : at); /* the first time stays */
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_bool(j, "acked", true);
    jw_kv_time(j, "ackedAt", at);
    jw_obj_end(j);
    return 200;
}

/* ---- the feed ---- */

/* The organisations whose notices may reach w: every prefix of its branch
 * path and of its role grants' paths, as a list (arena). */
static const struct db_list *feed_paths(struct arena *a, const struct live_who *w)
{
    struct db_list *l = arena_alloc(a, sizeof(*l));
    db_list_init(l, a);
    const char *paths[64];
    size_t np = 0;
    for (size_t g = 0; g <= w->ngrants; g++) {
        const char *p = g < w->ngrants ? w->grants[g].path : w->branch_path;
        if (!p)
            continue;
        for (const char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
            const char *prefix = arena_strndup(a, p, (size_t)(s - p) + 1);
            bool seen = false;
            for (size_t i = 0; i < np && !seen; i++)
                seen = !strcmp(paths[i], prefix);
            if (seen || np == ARRAY_SIZE(paths))
                continue;
            paths[np++] = prefix;
            db_list_str(l, prefix);
        }
    }
    return l;
}

/* The columns the audience test needs (the unread count reads only these). */
#define FEED_AUDIENCE_COLS(F, C)                                                                   \
    F(FEED_COL_ID, "n.id")                                                                         \
    C(FEED_COL_KIND, "n.kind")                                                                     \
    C(FEED_COL_REF_ID, "n.ref_id")                                                                 \
    C(FEED_COL_ORG_ID, "n.org_id")                                                                 \
    C(FEED_COL_ORG_PATH, "n.org_path")                                                             \
    C(FEED_COL_ROLE_MASK, "n.role_mask")                                                           \
    C(FEED_COL_CHOSEN, "n.chosen")
#define FEED_COLS(F, C)                                                                            \
    FEED_AUDIENCE_COLS(F, C)                                                                       \
    C(FEED_COL_TITLE, "n.title")                                                                   \
    C(FEED_COL_EXCERPT, "substr(n.body, 1, " STR(FEED_EXCERPT) ")")                                \
    C(FEED_COL_PRIORITY, "n.priority")                                                             \
    C(FEED_COL_PINNED, "n.pinned")                                                                 \
    C(FEED_COL_ACK_REQUIRED, "n.ack_required")                                                     \
    C(FEED_COL_ACK_DEADLINE, "n.ack_deadline")                                                     \
    C(FEED_COL_STATE, "n.state")                                                                   \
    C(FEED_COL_PUBLISHED_AT, "n.published_at")                                                     \
    C(FEED_COL_READ_AT, "k.read_at")                                                               \
    C(FEED_COL_ORG_NAME, "o.name")                                                                 \
    C(FEED_COL_ORG_LEVEL, "o.level")
enum feed_col { DB_COLUMN_ENUM(FEED_COLS) };
#define FEED_COLUMNS DB_COLUMNS(FEED_COLS)
#define FEED_AUDIENCE_COLUMNS DB_COLUMNS(FEED_AUDIENCE_COLS)
#define STR_(x) #x
#define STR(x) STR_(x)

static bool feed_row_reaches(struct db *db, const struct live_who *w, struct db_stmt *st)
{
    return reaches(db, w, db_int(st, FEED_COL_ID), db_int(st, FEED_COL_REF_ID),
                   db_text(st, FEED_COL_KIND), db_text(st, FEED_COL_ORG_PATH),
                   (unsigned)db_int(st, FEED_COL_ROLE_MASK), db_int(st, FEED_COL_CHOSEN));
}

/* Unread entries reaching w in the last UNREAD_WINDOW_DAYS. */
static int64_t feed_unread(struct db *db, const struct live_who *w, const struct db_list *paths)
{
    int64_t n = 0;
    struct db_stmt *st =
        db_query(db,
                 "SELECT " FEED_AUDIENCE_COLUMNS " FROM notices n LEFT JOIN notice_marks k ON "
                 "k.account_id = ? AND k.notice_id = n.id WHERE n.org_path IN (SELECT value FROM "
                 "{list}) AND n.published_at > ? AND n.deleted_at IS NULL AND k.read_at IS NULL",
                 "ili", w->account_id, paths, now_sec() - UNREAD_WINDOW_DAYS * 86400LL);
    while (db_next(st))
        if (feed_row_reaches(db, w, st))
            n++;
    db_done(st);
    return n;
}

void notices_waiting(struct req *req, struct waiting *out)
{
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " FEED_AUDIENCE_COLUMNS ", n.title, n.published_at, n.ack_required, "
        "k.read_at FROM notices n LEFT JOIN notice_marks k ON k.account_id = ? AND "
        "k.notice_id = n.id WHERE n.org_path IN (SELECT value FROM {list}) AND "
        "n.published_at > ? AND n.deleted_at IS NULL AND n.state != 'retracted' AND "
        "(k.read_at IS NULL OR (n.ack_required = 1 AND k.ack_at IS NULL))",
        "ili", w->account_id, feed_paths(&req->arena, w), now_sec() - UNREAD_WINDOW_DAYS * 86400LL);
    while (db_next(st)) {
        if (!feed_row_reaches(req->db, w, st))
            continue;
        enum { TITLE = FEED_COL_CHOSEN + 1, PUBLISHED, ACK_REQUIRED, READ_AT };
        bool ack = db_int(st, ACK_REQUIRED);
        waiting_add(out, "notice", db_int(st, FEED_COL_ID),
                    arena_strdup(&req->arena, db_text(st, TITLE)), db_int(st, PUBLISHED), 0,
                    ack ? "ack" : "read");
    }
    db_done(st);
}

/*
 * GET /api/v1/feed?after=&limit= -> {items: [{id, kind, refId, title,
 * excerpt, priority, pinned, ackRequired, ackDeadline, overdue, state, org,
 * publishedAt, read, acked}], next, unread}: the announcements reaching the
 * caller, pinned first, then newest. Any logged-in caller.
 */
static int h_feed(struct req *req)
{
    const char *after;
    int rc = page_after_text(req, &after);
    if (rc)
        return rc;
    int64_t cp = 2, ct = 0, ci = 0;
    if (after && sscanf(after, "%" SCNd64 ".%" SCNd64 ".%" SCNd64, &cp, &ct, &ci) != 3)
        return req_fail_field(req, ERR_INVALID, "after", "not a cursor of this list");
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    const struct db_list *paths = feed_paths(&req->arena, w);
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " FEED_COLUMNS " FROM notices n JOIN orgs o ON o.id = n.org_id LEFT JOIN "
        "notice_marks k ON k.account_id = ? AND k.notice_id = n.id WHERE n.org_path IN (SELECT "
        "value FROM {list}) AND n.deleted_at IS NULL AND (n.pinned, n.published_at, n.id) < "
        "(?, ?, ?) ORDER BY "
        "n.pinned DESC, n.published_at DESC, n.id DESC",
        "iliii", w->account_id, paths, cp, after ? ct : INT64_MAX, after ? ci : INT64_MAX);
    while (db_next(st)) {
        if (!feed_row_reaches(req->db, w, st))
            continue;
        if (pg.n == pg.limit) {
            pg.more = true;
            break;
        }
        pg.n++;
        struct jw *j = pg.j;
        int64_t id = db_int(st, FEED_COL_ID), ref = db_int(st, FEED_COL_REF_ID);
        const char *state = db_text(st, FEED_COL_STATE),
                   *deadline = db_text(st, FEED_COL_ACK_DEADLINE);
        bool ack_req = db_int(st, FEED_COL_ACK_REQUIRED);
        bool ack = (ack_req || ref) && acked(req->db, w->account_id, ref ? ref : id);
        jw_obj_begin(j);
        jw_kv_int(j, "id", id);
        jw_kv_str(j, "kind", db_text(st, FEED_COL_KIND));
        jw_kv_id(j, "refId", ref);
        jw_kv_str(j, "title", db_text(st, FEED_COL_TITLE));
        jw_kv_str(j, "excerpt", strcmp(state, "retracted") ? db_text(st, FEED_COL_EXCERPT) : NULL);
        jw_kv_str(j, "priority", db_text(st, FEED_COL_PRIORITY));
        jw_kv_bool(j, "pinned", db_int(st, FEED_COL_PINNED));
        jw_kv_bool(j, "ackRequired", ack_req);
        jw_kv_str(j, "ackDeadline", deadline);
        jw_kv_bool(j, "overdue", ack_req && !ack && deadline && date_passed(deadline));
        jw_kv_str(j, "state", state);
        jw_key(j, "org");
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, FEED_COL_ORG_ID));
        jw_kv_str(j, "name", db_text(st, FEED_COL_ORG_NAME));
        jw_kv_str(j, "level", db_text(st, FEED_COL_ORG_LEVEL));
        jw_obj_end(j);
        jw_kv_time(j, "publishedAt", db_int(st, FEED_COL_PUBLISHED_AT));
        jw_kv_bool(j, "read", !db_isnull(st, FEED_COL_READ_AT));
        jw_kv_bool(j, "acked", ack);
        jw_obj_end(j);
        page_mark_text(&pg, arena_printf(&req->arena, "%" PRId64 ".%" PRId64 ".%" PRId64,
                                         db_int(st, FEED_COL_PINNED),
                                         db_int(st, FEED_COL_PUBLISHED_AT), id));
    }
    db_done(st);
    /* page_end closes items and next; the unread count follows in the object. */
    jw_arr_end(pg.j);
    jw_key(pg.j, "next");
    if (pg.more && pg.last)
        jw_str(pg.j, cursor_encode(&req->arena, pg.last));
    else
        jw_null(pg.j);
    jw_kv_int(pg.j, "unread", feed_unread(req->db, w, paths));
    jw_obj_end(pg.j);
    return 200;
}

/*
 * GET /api/v1/feed/unread -> {unread}: the badge count alone (for polling
 * when live updates are unavailable). Any logged-in caller.
 */
static int h_unread(struct req *req)
{
    struct live_who *w = live_who_load(req->db, &req->arena, req->who);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "unread", feed_unread(req->db, w, feed_paths(&req->arena, w)));
    jw_obj_end(j);
    return 200;
}

/* ---- managing: the list (the report, told in person, the members and the
 * export: notices_report.c) ---- */

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/notices?orgId=&after=&limit= -> {items: [{id, title, priority,
 * pinned, ackRequired, ackDeadline, state, org, publishedAt, readCount,
 * ackCount}], next}: announcements published in the subtree of orgId, newest
 * first. notice.publish on orgId.
 */
static int h_list(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT id, title, priority, pinned, ack_required, ack_deadline, state, org_id, "
        "published_at, (SELECT COUNT(*) FROM notice_marks k WHERE k.notice_id = n.id), (SELECT "
        "COUNT(k.ack_at) FROM notice_marks k WHERE k.notice_id = n.id) FROM notices n WHERE "
        "org_path >= ? AND org_path < ? AND kind = 'notice' AND deleted_at IS NULL AND id < ? "
        "ORDER BY id DESC LIMIT ?",
        "ssii", path, org_path_end(&req->arena, path), after ? after : INT64_MAX,
        (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct jw *j = pg.j;
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "title", db_text(st, 1));
        jw_kv_str(j, "priority", db_text(st, 2));
        jw_kv_bool(j, "pinned", db_int(st, 3));
        jw_kv_bool(j, "ackRequired", db_int(st, 4));
        jw_kv_str(j, "ackDeadline", db_text(st, 5));
        jw_kv_str(j, "state", db_text(st, 6));
        jw_key(j, "org");
        write_org(req->db, j, db_int(st, 7));
        jw_kv_time(j, "publishedAt", db_int(st, 8));
        jw_kv_int(j, "readCount", db_int(st, 9));
        jw_kv_int(j, "ackCount", db_int(st, 10));
        jw_obj_end(j);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/* The deadline as an SMS says it: "12月10日", or "不限" without one (arena). */
static const char *sms_deadline(struct arena *a, const char *deadline)
{
    int y, m, d;
    if (!deadline || !date_parse(deadline, &y, &m, &d))
        return "不限";
    return arena_printf(a, "%d月%d日", m, d);
}

/*
 * Queues kind for at most limit members n reaches after the cursor
 * (*path, *member: the last one done, in the members_path index's order)
 * whose choice takes what needs action by SMS (mod/sms.h), once per member
 * (dedupe "KIND:NOTICE:m:MEMBER"); a reminder only for those who have not
 * acknowledged. Moves the cursor to the last member done, counts the
 * messages tried in *done; returns 1 when
 * members may be left (a whole batch read, or it gave way to a waiting
 * write), 0 when it was the last batch, -1 on failure.
 */
static int notice_sms_batch(struct db *db, struct arena *a, const struct notice *n,
                            enum sms_kind kind, const char **path, int64_t *member, int limit,
                            int *done)
{
    bool reminder = kind == SMS_NOTICE_REMINDER;
    const char *org = "";
    struct db_stmt *st = db_query(db, "SELECT name FROM orgs WHERE id = ?", "i", n->org_id);
    if (db_next(st))
        org = arena_strdup(a, db_text(st, 0));
    db_done(st);
    const char *deadline = sms_deadline(a, n->ack_deadline);
    st = db_query(
        db,
        "SELECT m.id, m.org_id, m.phone_sealed, a.id, a.phone_sealed, m.org_path, "
        "p.member_id IS NOT NULL, p.quiet_from, p.quiet_to, p.digest FROM "
        "members m LEFT JOIN accounts a ON a.member_id = m.id LEFT JOIN sms_prefs p ON "
        "p.member_id = m.id" RECIPIENTS_WHERE " AND " SMS_WANTS_ACTION_SQL
        " AND (?8 = 0 OR NOT EXISTS (SELECT 1 FROM notice_marks k WHERE k.account_id "
        "= a.id AND k.notice_id = ?4 AND k.ack_at IS NOT NULL)) AND (m.org_path, m.id) "
        "> (?9, ?10) AND m.org_path >= {greatest}(?1, ?9) ORDER BY m.org_path, m.id LIMIT ?11",
        "ssiiissisii", n->org_path, org_path_end(a, n->org_path), (int64_t)n->chosen, n->id,
        (int64_t)n->role_mask, n->org_path, org_path_end(a, n->org_path), (int64_t)reminder, *path,
        *member, (int64_t)limit);
    /* (The cursor's path as a bound of its own: SQLite seeks the index with
     * it, where the row value alone would scan the subtree from its start.)
     * The rows are read first: sms_enqueue writes on the same connection. */
    struct row {
        int64_t member, org, account;
        const char *phone, *path;
        bool prefs, digest; /* the member's sms_prefs row */
        int quiet_from, quiet_to;
    };
    struct buf rows;
    buf_init_arena(&rows, a);
    int read = 0;
    while (db_next(st)) {
        read++;
        *member = db_int(st, 0);
        *path = arena_strdup(a, db_text(st, 5));
        struct row r = {db_int(st, 0),
                        db_int(st, 1),
                        db_isnull(st, 3) ? 0 : db_int(st, 3),
                        NULL,
                        *path,
                        db_int(st, 6) != 0,
                        db_int(st, 9) != 0,
                        (int)db_int(st, 7),
                        (int)db_int(st, 8)};
        /* The record's phone (sealed as "member.phone"), else the account's. */
        size_t len = 0;
        const void *blob;
        if (!db_isnull(st, 2) && (blob = db_blob(st, 2, &len)))
            r.phone = pdata_open(a, "member.phone", blob, len);
        if (!r.phone && !db_isnull(st, 4) && (blob = db_blob(st, 4, &len)))
            r.phone = pdata_open(a, "phone", blob, len);
        if (r.phone)
            buf_add(&rows, &r, sizeof(r));
    }
    db_done(st);
    const struct row *r = (const void *)rows.data; /* a buf is allocated aligned */
    for (size_t i = 0; i < rows.len / sizeof(*r); i++) {
        /* A write waiting for the lock goes first: the batch ends here, the
         * cursor on the last member queued (some 3 ms of work at least). */
        if (i >= 100 && db_writers_waiting() > 0) {
            *path = r[i - 1].path, *member = r[i - 1].member;
            return db_failed(db) ? -1 : 1;
        }
        ++*done;
        struct sms_msg m = {.kind = kind,
                            .phone = r[i].phone,
                            .account_id = r[i].account,
                            .member_id = r[i].member,
                            .org_id = r[i].org,
                            .prefs_read = true,
                            .prefs_found = r[i].prefs,
                            .digest = r[i].digest,
                            .quiet_from = r[i].quiet_from,
                            .quiet_to = r[i].quiet_to};
        if (reminder) {
            m.vars[0] = n->title, m.vars[1] = deadline, m.vars[2] = SMS_ACK_REPLY;
        } else {
            m.vars[0] = org, m.vars[1] = n->title, m.vars[2] = deadline;
            m.vars[3] = SMS_ACK_REPLY;
        }
        char dedupe[80];
        snprintf(dedupe, sizeof(dedupe), "%s:%" PRId64 ":m:%" PRId64, sms_kind_name(kind), n->id,
                 r[i].member);
        m.dedupe = dedupe;
        const char *why = NULL;
        int rc = sms_enqueue(db, &m, &why);
        if (rc == -3)
            return -1;
        if (rc < 0 && rc != -2)
            log_warn("sms: notice %" PRId64 " to member %" PRId64 ": %s", n->id, r[i].member, why);
    }
    if (db_failed(db))
        return -1;
    return read == limit ? 1 : 0;
}

/* Members a notice's SMS are queued for in the publish's own transaction: a
 * branch's notice commits with its messages, as every other SMS does with its
 * cause; a bigger audience is left to the job after them. */
#define SMS_INLINE 200

/*
 * Queues kind (SMS_NOTICE, SMS_NOTICE_REMINDER) of n, in the caller's
 * transaction, for its first SMS_INLINE members (fewer when sms_fanout_batch
 * is smaller); the rest is left to the job notice_sms (a row of
 * notice_sms_fanout with the cursor), which is woken: a publish costs the same
 * whatever its audience.
 */
static void notice_sms_start(struct db *db, struct arena *a, const struct notice *n,
                             enum sms_kind kind)
{
    const char *path = "";
    int64_t member = 0;
    int done = 0;
    int limit = sms_cfg.fanout_batch < SMS_INLINE ? sms_cfg.fanout_batch : SMS_INLINE;
    if (notice_sms_batch(db, a, n, kind, &path, &member, limit, &done) <= 0)
        return; /* all queued, or failed: the transaction fails with the store */
    db_exec(db,
            "INSERT INTO notice_sms_fanout (notice_id, kind, after_path, after_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            "issii", n->id, sms_kind_name(kind), path, member, now_sec());
    jobs_kick("notice_sms");
}

/* How long one transaction of the job notice_sms may go on when no other
 * write is waiting. */
#define SMS_FANOUT_TXN_US 1000000

int notice_sms_job(struct db *db)
{
    struct arena a;
    arena_init(&a);
    int64_t id = 0, member = 0;
    const char *kind = NULL, *path = NULL;
    struct db_stmt *st = db_query(db,
                                  "SELECT notice_id, kind, after_path, after_id FROM "
                                  "notice_sms_fanout ORDER BY created_at, notice_id LIMIT 1",
                                  "");
    if (db_next(st)) {
        id = db_int(st, 0);
        kind = arena_strdup(&a, db_text(st, 1));
        path = arena_strdup(&a, db_text(st, 2));
        member = db_int(st, 3);
    }
    db_done(st);
    int more = 0, done = 0;
    struct notice n;
    /* Batch after batch in this transaction while no other write waits for
     * the lock (a batch gives way within 100 messages when one does), for
     * SMS_FANOUT_TXN_US at most: one commit when nobody else is writing. */
    int64_t start = mono_us();
    if (kind && notice_load(db, &a, id, &n) && n.ack_required && strcmp(n.state, "retracted"))
        do
            more = notice_sms_batch(db, &a, &n, sms_kind_from_name(kind), &path, &member,
                                    sms_cfg.fanout_batch, &done);
        while (more > 0 && !db_writers_waiting() && mono_us() - start < SMS_FANOUT_TXN_US);
    if (kind && more > 0)
        db_exec(db,
                "UPDATE notice_sms_fanout SET after_path = ?, after_id = ? WHERE notice_id = ? "
                "AND kind = ?",
                "siis", path, member, id, kind);
    else if (kind && more == 0) /* the last batch, or nothing to send any more */
        db_exec(db, "DELETE FROM notice_sms_fanout WHERE notice_id = ? AND kind = ?", "is", id,
                kind);
    arena_release(&a);
    if (more < 0 || db_failed(db))
        return -1;
    return kind ? done + 1 : 0; /* > 0: the next batch at once (it finds none after the last) */
}

int notice_sms_reminders(struct db *db)
{
    /* Notices whose deadline is tomorrow (Beijing), reminded once, from 09:00 on. */
    int64_t now = now_sec();
    if ((now + BEIJING_OFFSET) % 86400 < 9 * 3600)
        return 0;
    char tomorrow[11];
    date_from_days(day_today() + 1, tomorrow);
    int64_t ids[20];
    int k = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT id FROM notices WHERE ack_required = 1 AND kind = "
                                  "'notice' AND state <> 'retracted' AND deleted_at IS NULL AND "
                                  "ack_deadline = ? AND sms_reminded_at IS NULL LIMIT 20",
                                  "s", tomorrow);
    while (db_next(st))
        ids[k++] = db_int(st, 0);
    db_done(st);
    struct arena a;
    arena_init(&a);
    for (int i = 0; i < k; i++) {
        struct notice n;
        if (notice_load(db, &a, ids[i], &n))
            notice_sms_start(db, &a, &n, SMS_NOTICE_REMINDER);
        db_exec(db, "UPDATE notices SET sms_reminded_at = ? WHERE id = ?", "ii", now, ids[i]);
    }
    arena_release(&a);
    return db_failed(db) ? -1 : k;
}

bool notice_ack_pending(struct db *db, int64_t account, int64_t notice)
{
    int64_t pending = 0;
    db_get_int(db, &pending,
               "SELECT count(*) FROM notices n WHERE n.id = ? AND n.kind = 'notice' AND "
               "n.ack_required = 1 AND n.state <> 'retracted' AND n.deleted_at IS NULL AND NOT "
               "EXISTS (SELECT 1 FROM notice_marks k WHERE k.account_id = ? AND k.notice_id = "
               "n.id AND k.ack_at IS NOT NULL)",
               "ii", notice, account);
    return pending > 0;
}

int notice_ack_from_sms(struct db *db, int64_t account, int64_t member, int64_t notice)
{
    if (!notice_ack_pending(db, account, notice))
        return -1;
    int64_t now = now_sec();
    db_exec(db,
            "INSERT INTO notice_marks (account_id, notice_id, member_id, read_at, ack_at) VALUES "
            "(?, ?, ?, ?, ?) ON CONFLICT (account_id, notice_id) DO UPDATE SET ack_at = "
            "COALESCE(notice_marks.ack_at, excluded.ack_at)",
            "iiIii", account, notice, member, now, now);
    db_next_seq(db);                /* retires cached feeds (ROUTE_CACHE_MINE) */
    access_acted(db, account, now); /* pending: this acknowledgement is the first */
    return db_failed(db) ? -1 : 0;
}

/*
 * GET /api/v1/notices/{id}/files/{fileId}?download= -> the attached file
 * (Range, ETag, inline or attachment: as GET /files/{id}/content). Errors:
 * notice.not_found, file.not_found (not attached to it, or withdrawn),
 * file.range_not_satisfiable. Recipients, and notice.publish on its organisation.
 */
static int h_file(struct req *req)
{
    return files_send_attached(req, "notice", req->obj.id, req->path_ids[1]);
}

const struct route notices_routes[] = {
    {"POST", "/api/v1/notices", h_publish, SCOPE_BODY_ORG, PERM_NOTICE_PUBLISH, "orgId", NULL,
     publish_body, 0},
    {"GET", "/api/v1/notices", h_list, SCOPE_QUERY_ORG, PERM_NOTICE_PUBLISH, "orgId", list_query,
     NULL, 0},
    {"GET", "/api/v1/notices/{id}", h_get, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL, NULL, NULL, 0,
     &notice_kind, PARTY_AUDIENCE},
    {"PATCH", "/api/v1/notices/{id}", h_edit, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL, NULL,
     edit_body, 0, &notice_kind},
    {"GET", "/api/v1/notices/{id}/versions", h_versions, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     NULL, NULL, 0, &notice_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/notices/{id}/retract", h_retract, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     NULL, retract_body, 0, &notice_kind},
    {"POST", "/api/v1/notices/{id}/remind", h_remind, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL, NULL,
     NULL, 0, &notice_kind},
    {"GET", "/api/v1/notices/{id}/files/{id}", h_file, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     files_download_query, NULL, ROUTE_RAW, &notice_kind, PARTY_AUDIENCE},
    /* Read and acknowledged by those it reaches only. */
    {"POST", "/api/v1/notices/{id}/read", h_read, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL, 0,
     &notice_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/notices/{id}/ack", h_ack, SCOPE_OBJECT, PERM_NONE, NULL, NULL, NULL, 0,
     &notice_kind, PARTY_AUDIENCE},
    {"GET", "/api/v1/feed", h_feed, SCOPE_LOGIN, PERM_NONE, NULL, page_query, NULL,
     ROUTE_CACHE_MINE},
    {"GET", "/api/v1/feed/unread", h_unread, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL,
     ROUTE_CACHE_MINE},
    {NULL},
};
