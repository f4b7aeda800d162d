/*
 * threads.c - the two-way channel (留言 / 书记信箱): a member writes to the
 * leadership of their branch, leaders answer in the thread, the member sees
 * the status; leaders write to one member, a party group or the migrant
 * members. Response targets per organisation (default 48 hours to the
 * first answer) with escalation and statistics.
 *
 * Escalation needs no background job: it is computed on every read from
 * the thread's age and the target in force when it was opened. Each full
 * target without a first answer moves the thread one organisation up
 * (village -> township -> county), never above the county (or the root of
 * a tree without one). The level reached is frozen when the thread is
 * answered or closed. A thread shows in the inbox of every organisation
 * from its branch up to the level it reached.
 */
#include "app.h"
#include "core/live.h"
#include "core/roster.h"
#include "mod/access.h"
#include "mod/files.h"
#include "mod/orgs.h"
#include "mod/search.h"
#include "mod/sms.h"
#include "mod/threads.h"
#include "routes.h"

#define DEFAULT_TARGET_SECS (48 * 3600)

static const char *const thread_kinds[] = {"question", "suggestion", "help", "problem", NULL};
static const char *const thread_statuses[] = {"open",   "escalated", "answered",
                                              "closed", "waiting",   NULL};

/* ---- live events (src/core/live.h): part of the writing transaction ---- */

/* A thread event for the member's account and/or the leaders of the branch
 * (channel.answer there); the client fetches the thread. */
static void thread_event(struct db *db, int64_t thread_id, bool to_member, bool to_leaders)
{
    char data[64];
    jw_small(data, sizeof(data), "i", "threadId", thread_id);
    struct db_stmt *st = db_query(db,
                                  "SELECT t.org_path, (SELECT a.id FROM accounts a WHERE "
                                  "a.member_id = t.member_id) FROM threads t WHERE t.id = ?",
                                  "i", thread_id);
    if (db_next(st)) {
        char path[256];
        snprintf(path, sizeof(path), "%s", db_text(st, 0));
        int64_t account = db_isnull(st, 1) ? 0 : db_int(st, 1);
        db_done(st);
        if (to_member && account)
            live_publish(db, "thread", NULL, 0, account, data);
        if (to_leaders)
            live_publish(db, "thread", path, perm_roles(PERM_CHANNEL_ANSWER), 0, data);
        return;
    }
    db_done(st);
}

/* A thread was opened: the branch inbox (a member wrote), or the member (a
 * leader wrote to them). */
static void threads_live_new(struct db *db, int64_t thread_id)
{
    int64_t to_member = 0;
    db_get_int(db, &to_member, "SELECT direction = 'to_member' FROM threads WHERE id = ?", "i",
               thread_id);
    thread_event(db, thread_id, to_member != 0, to_member == 0);
}

/* A reply: the other party (a leader's reply to the member, the member's to
 * the inbox). */
static void threads_live_reply(struct db *db, int64_t thread_id, int64_t message_id)
{
    int64_t from_leader = 0;
    db_get_int(db, &from_leader, "SELECT from_leader FROM thread_messages WHERE id = ?", "i",
               message_id);
    thread_event(db, thread_id, from_leader != 0, from_leader == 0);
}

/* ---- targets ---- */

/* The response target for an organisation: its own, else the nearest
 * ancestor's, else 48 hours; *from gets the organisation that set it (0). */
static int64_t target_for(struct db *db, const char *path, int64_t *from)
{
    int64_t secs = DEFAULT_TARGET_SECS;
    *from = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT t.target_secs, o.id FROM response_targets t JOIN orgs o "
                                  "ON o.id = t.org_id WHERE substr(?, 1, length(o.path)) = o.path "
                                  "ORDER BY o.depth DESC LIMIT 1",
                                  "s", path);
    if (db_next(st)) {
        secs = db_int(st, 0);
        *from = db_int(st, 1);
    }
    db_done(st);
    return secs;
}

/* The depth escalation stops at: the county above path, else the root. */
static int64_t top_depth_for(struct db *db, const char *path)
{
    int64_t d = 0;
    if (!db_get_int(db, &d,
                    "SELECT depth FROM orgs WHERE level = 'county' AND substr(?, 1, length(path)) "
                    "= path ORDER BY depth DESC LIMIT 1",
                    "s", path))
        d = 0;
    return d;
}

/* ---- reading threads ---- */

/* The threads with their escalation depth (esc) now; the first parameter is
 * now, then whatever where binds. */
#define THREAD_FROM(where)                                                                         \
    " FROM (SELECT t.*, COALESCE(t.frozen_depth, {greatest}(t.top_depth, t.branch_depth - (? - "   \
    "t.created_at) / t.target_secs)) AS esc FROM threads t WHERE " where                           \
    ") t JOIN orgs o ON o.id = t.org_id JOIN members m ON m.id = t.member_id "
#define THREAD_STATUS                                                                              \
    "(CASE WHEN t.closed_at IS NOT NULL THEN 'closed' WHEN t.first_answer_at IS NOT NULL THEN "    \
    "'answered' WHEN t.esc < t.branch_depth THEN 'escalated' ELSE 'open' END)"
#define THREAD_COLS(F, C)                                                                          \
    F(THREAD_COL_ID, "t.id")                                                                       \
    C(THREAD_COL_ORG_ID, "t.org_id")                                                               \
    C(THREAD_COL_ORG_NAME, "o.name")                                                               \
    C(THREAD_COL_MEMBER_ID, "t.member_id")                                                         \
    C(THREAD_COL_MEMBER_NAME, "m.name")                                                            \
    C(THREAD_COL_DIRECTION, "t.direction")                                                         \
    C(THREAD_COL_KIND, "t.kind")                                                                   \
    C(THREAD_COL_SUBJECT, "t.subject")                                                             \
    C(THREAD_COL_CREATED_AT, "t.created_at")                                                       \
    C(THREAD_COL_TARGET_SECS, "t.target_secs")                                                     \
    C(THREAD_COL_FIRST_ANSWER_AT, "t.first_answer_at")                                             \
    C(THREAD_COL_CLOSED_AT, "t.closed_at")                                                         \
    C(THREAD_COL_LAST_MESSAGE_AT, "t.last_message_at")                                             \
    C(THREAD_COL_LAST_FROM_MEMBER, "t.last_from_member")                                           \
    C(THREAD_COL_MESSAGES, "t.messages")                                                           \
    C(THREAD_COL_BRANCH_DEPTH, "t.branch_depth")                                                   \
    C(THREAD_COL_ESC, "t.esc")                                                                     \
    C(THREAD_COL_ORG_PATH, "t.org_path")                                                           \
    C(THREAD_COL_STATUS, THREAD_STATUS)
enum thread_col { DB_COLUMN_ENUM(THREAD_COLS) };
#define THREAD_COLUMNS DB_COLUMNS(THREAD_COLS)

static void thread_write(struct req *req, struct jw *j, struct db_stmt *st)
{
    int64_t created = db_int(st, THREAD_COL_CREATED_AT),
            target = db_int(st, THREAD_COL_TARGET_SECS),
            answered = db_int(st, THREAD_COL_FIRST_ANSWER_AT);
    int64_t depth = db_int(st, THREAD_COL_BRANCH_DEPTH), esc = db_int(st, THREAD_COL_ESC);
    bool to_leaders = !strcmp(db_text(st, THREAD_COL_DIRECTION), "to_leaders");
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, THREAD_COL_ID));
    jw_kv_int(j, "orgId", db_int(st, THREAD_COL_ORG_ID));
    jw_kv_str(j, "orgName", db_text(st, THREAD_COL_ORG_NAME));
    jw_kv_int(j, "memberId", db_int(st, THREAD_COL_MEMBER_ID));
    jw_kv_str(j, "memberName", db_text(st, THREAD_COL_MEMBER_NAME));
    jw_kv_str(j, "direction", db_text(st, THREAD_COL_DIRECTION));
    jw_kv_str(j, "kind", db_text(st, THREAD_COL_KIND));
    jw_kv_str(j, "subject", db_text(st, THREAD_COL_SUBJECT));
    jw_kv_str(j, "status", db_text(st, THREAD_COL_STATUS));
    jw_kv_time(j, "createdAt", created);
    jw_kv_int(j, "targetHours", target / 3600);
    jw_kv_time(j, "dueAt", to_leaders ? created + target : 0);
    jw_kv_time(j, "firstAnswerAt", answered);
    if (answered) {
        jw_kv_int(j, "firstAnswerSecs", answered - created);
        jw_kv_bool(j, "withinTarget", answered - created <= target);
    } else {
        jw_kv_null(j, "firstAnswerSecs");
        jw_kv_null(j, "withinTarget");
    }
    jw_kv_bool(j, "escalated", esc < depth);
    jw_key(j, "escalatedTo");
    if (esc < depth) {
        const char *path = db_text(st, THREAD_COL_ORG_PATH);
        struct db_stmt *o = db_query(req->db,
                                     "SELECT id, name, level FROM orgs WHERE depth = ? AND "
                                     "substr(?, 1, length(path)) = path",
                                     "is", esc, path);
        if (db_next(o)) {
            jw_obj_begin(j);
            jw_kv_int(j, "id", db_int(o, 0));
            jw_kv_str(j, "name", db_text(o, 1));
            jw_kv_str(j, "level", db_text(o, 2));
            jw_obj_end(j);
        } else {
            jw_null(j);
        }
        db_done(o);
        jw_kv_time(j, "escalatedAt", created + target);
    } else {
        jw_null(j);
        jw_kv_null(j, "escalatedAt");
    }
    jw_kv_time(j, "closedAt", db_int(st, 11));
    jw_kv_time(j, "lastMessageAt", db_int(st, 12));
    jw_kv_bool(j, "lastFromMember", db_int(st, 13) != 0);
    jw_kv_int(j, "messages", db_int(st, 14));
}

/* Writes the thread with its messages as the answer; returns status. */
static int thread_respond(struct req *req, int64_t id, int status)
{
    struct jw *j = req_data(req);
    struct db_stmt *st =
        db_query(req->db, "SELECT " THREAD_COLUMNS THREAD_FROM("t.id = ?"), "ii", now_sec(), id);
    if (!db_next(st)) {
        db_done(st);
        BUG("thread %" PRId64 " vanished", id);
    }
    thread_write(req, j, st);
    db_done(st);
    jw_key(j, "items");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT x.id, a.name, x.from_leader, x.text, x.created_at, f.id, x.voice_secs, "
                  "f.size, f.mime FROM thread_messages x JOIN accounts a ON a.id = x.author_id "
                  "LEFT JOIN files f ON f.id = x.voice_file_id AND f.deleted_at IS NULL WHERE "
                  "x.thread_id = ? ORDER BY x.id LIMIT 500",
                  "i", id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "authorName", db_text(st, 1));
        jw_kv_bool(j, "fromLeader", db_int(st, 2) != 0);
        jw_kv_str(j, "text", db_text(st, 3));
        jw_kv_time(j, "createdAt", db_int(st, 4));
        jw_key(j, "voice");
        if (db_isnull(st, 5)) {
            jw_null(j);
        } else {
            jw_obj_begin(j);
            jw_kv_int(j, "fileId", db_int(st, 5));
            jw_kv_int(j, "seconds", db_int(st, 6));
            jw_kv_int(j, "size", db_int(st, 7));
            jw_kv_str(j, "type", db_text(st, 8));
            jw_obj_end(j);
        }
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return status;
}

/* A thread: on the member's branch; the member it belongs to is a party. */
static bool thread_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT t.org_id, o.path, t.member_id FROM threads t JOIN orgs o "
                                  "ON o.id = t.org_id WHERE t.id = ?",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, false);
        o->party = req->who->member_id && req->who->member_id == db_int(st, 2) ? PARTY_SELF : 0;
    }
    db_done(st);
    return found;
}

static const struct object_kind thread_kind = {
    .name = "thread",
    .not_found = ERR_THREAD_NOT_FOUND,
    .locate = thread_locate,
};

/* The thread of an object route (the dispatcher let the caller in as its
 * member or with channel.answer on its branch): whether the caller answers
 * as a leader, and whether it is closed. */
static int thread_get(struct req *req, bool *leader, bool *closed)
{
    int64_t n = 0;
    *leader = !(req->obj.party & PARTY_SELF);
    *closed = false;
    if (!db_get_int(req->db, &n, "SELECT closed_at IS NOT NULL FROM threads WHERE id = ?", "i",
                    req->obj.id))
        return req_fail(req, ERR_THREAD_NOT_FOUND, NULL);
    *closed = n != 0;
    return 0;
}

/* Adds author's message to a thread and keeps the thread's summary. */
static int64_t message_add(struct db *db, int64_t author, int64_t thread, bool from_leader,
                           const char *text)
{
    int64_t now = now_sec();
    db_exec(db,
            "INSERT INTO thread_messages (thread_id, author_id, from_leader, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            "iiisi", thread, author, (int64_t)from_leader, text, now);
    int64_t mid = db_last_id(db);
    access_acted(db, author, now);
    db_exec(
        db,
        "UPDATE threads SET messages = messages + 1, last_message_at = ?, last_from_member = ?, "
        "updated_at = ?, seq = ? WHERE id = ?",
        "iiiii", now, (int64_t)!from_leader, now, db_next_seq(db), thread);
    return mid;
}

/* The thread's search entry: its subject and the text of its first 200
 * messages, one line each. */
static void thread_reindex(struct req *req, int64_t id)
{
    struct db_stmt *st = db_query(
        req->db,
        "SELECT org_id, org_path, member_id, subject, created_at FROM threads WHERE id = ?", "i",
        id);
    if (!db_next(st)) {
        db_done(st);
        return;
    }
    int64_t org = db_int(st, 0), member = db_int(st, 2), created = db_int(st, 4);
    const char *path = arena_strdup(&req->arena, db_text(st, 1));
    const char *subject = arena_strdup(&req->arena, db_text(st, 3));
    db_done(st);
    struct buf text;
    buf_init_arena(&text, &req->arena);
    st = db_query(req->db,
                  "SELECT text FROM thread_messages WHERE thread_id = ? ORDER BY id LIMIT 200", "i",
                  id);
    while (db_next(st)) {
        if (text.len)
            buf_addch(&text, '\n');
        buf_add(&text, db_text(st, 0), db_text_len(st, 0));
    }
    db_done(st);
    search_index_put_doc(req->db, "thread", id, org, path, path, member, subject, text.data,
                         created);
}

/* Inserts a thread for member (of branch org at path), started by author,
 * with its first message. */
static int64_t thread_insert(struct db *db, int64_t author, int64_t org, const char *path,
                             int64_t member, const char *direction, const char *kind,
                             const char *subject, const char *text)
{
    int64_t from, now = now_sec();
    int64_t target = target_for(db, path, &from);
    int64_t depth = 0;
    db_get_int(db, &depth, "SELECT depth FROM orgs WHERE id = ?", "i", org);
    int64_t top = top_depth_for(db, path);
    if (top > depth)
        top = depth;
    bool to_member = !strcmp(direction, "to_member");
    db_exec(
        db,
        "INSERT INTO threads (org_id, org_path, branch_depth, top_depth, member_id, started_by, "
        "direction, kind, subject, target_secs, frozen_depth, last_message_at, created_at, "
        "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "isiiiisssiIiiii", org, path, depth, top, member, author, direction, kind, subject, target,
        to_member ? depth : 0, now, now, now, db_next_seq(db));
    int64_t id = db_last_id(db);
    if (to_member && depth == 0) /* 'I' binds 0 as NULL: a root has nothing to escalate to */
        db_exec(db, "UPDATE threads SET frozen_depth = 0 WHERE id = ?", "i", id);
    message_add(db, author, id, to_member, text);
    search_index_put_doc(db, "thread", id, org, path, path, member, subject, text, now);
    threads_live_new(db, id);
    return id;
}

/* A voice message (messages may carry one): the id of the author's own stored
 * audio file and its length as the recorder measured it. */
#define VOICE_MAX_SECS 60
/* clang-format off */
#define VOICE_PARAMS {"voiceFileId", P_ID}, {"voiceSeconds", P_INT, 0, 1, VOICE_MAX_SECS}
/* clang-format on */

static const struct param create_body[] = {
    {"kind", P_ENUM, P_REQUIRED, 0, 0, thread_kinds},
    {"subject", P_STR, P_NONBLANK, 1, 60},
    {"text", P_STR, P_MULTILINE | P_NONBLANK, 1, 2000},
    VOICE_PARAMS,
    {NULL},
};

struct voice {
    int64_t file, secs;
};

/*
 * Checks a message's text and voice: text, a voice recording or both;
 * voiceSeconds with voiceFileId; the file a live audio file the caller
 * uploaded. Fills v (file 0: none). 0, or the error status: request.invalid
 * (text, voiceSeconds), file.not_found (voiceFileId: missing, withdrawn or
 * someone else's), thread.voice_not_audio.
 */
static int voice_check(struct req *req, struct voice *v)
{
    v->file = req_body_int(req, "voiceFileId", 0);
    v->secs = req_body_int(req, "voiceSeconds", 0);
    if (!v->file) {
        if (v->secs)
            return req_fail_field(req, ERR_INVALID, "voiceSeconds",
                                  "voiceSeconds goes with voiceFileId");
        if (!req_body_str(req, "text"))
            return req_fail_field(req, ERR_INVALID, "text",
                                  "a message needs text or a voice recording");
        return 0;
    }
    if (!v->secs)
        return req_fail_field(req, ERR_INVALID, "voiceSeconds",
                              "the recording's length in seconds, 1 to 60");
    struct db_stmt *st = db_query(req->db,
                                  "SELECT kind, mime FROM files WHERE id = ? AND owner_id = ? AND "
                                  "deleted_at IS NULL",
                                  "ii", v->file, req->who->account_id);
    int rc = 0;
    if (!db_next(st))
        rc = req_fail_field(req, ERR_FILE_NOT_FOUND, "voiceFileId",
                            "no file %" PRId64 " uploaded by you", v->file);
    else if (strcmp(db_text(st, 0), "audio"))
        rc = req_fail_field(req, ERR_THREAD_VOICE_NOT_AUDIO, "voiceFileId",
                            "file %" PRId64 " is %s, not a recording", v->file, db_text(st, 1));
    db_done(st);
    return rc;
}

/* Gives message mid its voice recording, if v has one. */
static void message_voice(struct db *db, int64_t mid, const struct voice *v)
{
    if (v->file)
        db_exec(db, "UPDATE thread_messages SET voice_file_id = ?, voice_secs = ? WHERE id = ?",
                "iii", v->file, v->secs, mid);
}

/* The text of a message, "" for a voice message without one. */
static const char *body_text(struct req *req)
{
    const char *text = req_body_str(req, "text");
    return text ? text : "";
}

#define SUBJECT_CHARS 20 /* characters of the text a missing subject takes */

/*
 * The subject of a message written without one: its first line that is not
 * blank, spaces (ASCII and U+3000) trimmed, cut to SUBJECT_CHARS characters
 * with "…" when longer (arena). text is valid UTF-8 with something in it.
 */
static const char *subject_from(struct arena *a, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    for (;;) { /* leading blanks and blank lines */
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
            p += 3;
        else
            break;
    }
    const unsigned char *q = p, *end = p;
    size_t chars = 0;
    while (*q && *q != '\n' && *q != '\r' && chars < SUBJECT_CHARS) {
        q++;
        while ((*q & 0xc0) == 0x80) /* the rest of the character */
            q++;
        chars++;
        if (!(q[-1] == ' ' || q[-1] == '\t' ||
              (q - p >= 3 && q[-3] == 0xe3 && q[-2] == 0x80 && q[-1] == 0x80)))
            end = q; /* the last character that is not a space */
    }
    bool cut = chars == SUBJECT_CHARS && *q && *q != '\n' && *q != '\r';
    return arena_printf(a, "%.*s%s", (int)(end - p), (const char *)p, cut ? "…" : "");
}

/* The subject given, or one taken from the text ("语音留言" for a voice
 * message without text). */
static const char *subject_of(struct req *req)
{
    const char *s = req_body_str(req, "subject"), *text = req_body_str(req, "text");
    return s ? s : text ? subject_from(&req->arena, text) : "语音留言";
}

/*
 * POST /api/v1/threads {kind, subject?, text?, voiceFileId?, voiceSeconds?}
 * -> 201 the thread with its messages: the caller, a member on a roster,
 * writes to the leadership of their branch, in text, a voice recording or
 * both. Without a subject, the first line of the text is one (up to 20
 * characters, "…" when cut; "语音留言" without text). Errors: request.invalid
 * (blank text, neither text nor voice), thread.no_member, and those of
 * voice_check. Any logged-in account with a member record.
 */
static int h_create(struct req *req)
{
    struct voice v;
    int rc = voice_check(req, &v);
    if (rc)
        return rc;
    int64_t org = 0;
    const char *path = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_id, org_path FROM members WHERE id = ? AND "
                                  "deleted_at IS NULL AND status IN " ROSTER_STATUSES,
                                  "i", req->who->member_id);
    if (db_next(st)) {
        org = db_int(st, 0);
        path = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!org)
        return req_fail(req, ERR_THREAD_NO_MEMBER, NULL);
    int64_t id =
        thread_insert(req->db, req->who->account_id, org, path, req->who->member_id, "to_leaders",
                      req_body_str(req, "kind"), subject_of(req), body_text(req));
    int64_t mid = 0;
    db_get_int(req->db, &mid, "SELECT MIN(id) FROM thread_messages WHERE thread_id = ?", "i", id);
    message_voice(req->db, mid, &v);
    return thread_respond(req, id, 201);
}

static const struct param list_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"status", P_ENUM, 0, 0, 0, thread_statuses},
    PAGE_PARAMS,
    {NULL},
};

/* 'waiting': open or escalated (no answer yet, not closed). */
#define STATUS_FILTER                                                                              \
    " AND (? IS NULL OR " THREAD_STATUS " = ? OR (? = 'waiting' AND t.closed_at IS NULL AND "      \
    "t.first_answer_at IS NULL)) "

/*
 * GET /api/v1/threads?orgId=&status=&after=&limit= -> {items, next}: the
 * inbox of an organisation, newest first: the threads of its subtree that
 * reached it (a branch: all of its own; a township or county: those
 * escalated to it or above). status: open, escalated, answered, closed, or
 * waiting (open or escalated). channel.answer on orgId. Errors: org.not_found.
 */
static int h_inbox(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int64_t depth = 0, after;
    db_get_int(req->db, &depth, "SELECT depth FROM orgs WHERE id = ?", "i", org);
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *status = req_query_str(req, "status");
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT " THREAD_COLUMNS THREAD_FROM(
                     "t.org_path >= ? AND t.org_path < ? AND (? = 0 OR "
                     "t.id < ?)") "WHERE t.esc <= ? " STATUS_FILTER "ORDER BY t.id DESC "
                                  "LIMIT ?",
                 "issiiisssi", now_sec(), path, org_path_end(&req->arena, path), after, after,
                 depth, status, status, status, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        thread_write(req, pg.j, st);
        jw_obj_end(pg.j);
        page_mark_id(&pg, db_int(st, THREAD_COL_ID));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/me/threads?after=&limit= -> {items, next}: the caller's own
 * threads (as the member), newest first. Any logged-in account (none
 * without a member record).
 */
static int h_mine(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " THREAD_COLUMNS THREAD_FROM("t.member_id = ? AND (? = 0 OR t.id < ?)") "ORDER BY "
                                                                                        "t.id DESC "
                                                                                        "LIMIT ?",
        "iiiii", now_sec(), req->who->member_id ? req->who->member_id : -1, after, after,
        (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        thread_write(req, pg.j, st);
        jw_obj_end(pg.j);
        page_mark_id(&pg, db_int(st, THREAD_COL_ID));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/threads/{id} -> the thread and its messages {..., items}.
 * The member or channel.answer on its branch. Errors: thread.not_found.
 */
static int h_get(struct req *req)
{
    bool leader, closed;
    int rc = thread_get(req, &leader, &closed);
    if (rc)
        return rc;
    return thread_respond(req, req_id(req), 200);
}

static const struct param reply_body[] = {
    {"text", P_STR, P_MULTILINE | P_NONBLANK, 1, 2000},
    VOICE_PARAMS,
    {NULL},
};

/* A leader answered in thread id: the member hears of it by SMS if their
 * choice says so (mod/sms.h), once per message. */
static void answer_sms(struct req *req, int64_t id, int64_t message)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT t.member_id, o.name FROM threads t JOIN orgs o ON o.id = "
                                  "t.org_id WHERE t.id = ?",
                                  "i", id);
    if (db_next(st)) {
        int64_t member = db_int(st, 0);
        const char *text = req_body_str(req, "text");
        const char *vars[4] = {arena_strdup(&req->arena, db_text(st, 1)),
                               text ? text : "（语音回复，请打开应用收听）"};
        db_done(st);
        sms_to_member(req->db, member, SMS_ANSWER, true, vars,
                      arena_printf(&req->arena, "answer:%" PRId64, message));
        return;
    }
    db_done(st);
}

/*
 * POST /api/v1/threads/{id}/replies {text?, voiceFileId?, voiceSeconds?} ->
 * 201 the thread with its messages. The first leader's reply to a member's
 * thread is its first answer (the time is measured, escalation stops where
 * it reached); the member's first reply answers a leader's message. The
 * member or channel.answer on the branch. Errors: thread.not_found,
 * thread.closed, request.invalid, and those of voice_check.
 */
static int h_reply(struct req *req)
{
    int64_t id = req_id(req);
    bool leader, closed;
    struct voice v;
    int rc = thread_get(req, &leader, &closed);
    if (rc)
        return rc;
    if (closed)
        return req_fail(req, ERR_THREAD_CLOSED, NULL);
    if ((rc = voice_check(req, &v)))
        return rc;
    int64_t mid = message_add(req->db, req->who->account_id, id, leader, body_text(req));
    message_voice(req->db, mid, &v);
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE threads SET first_answer_at = ?, first_answer_by = ?, frozen_depth = "
            "COALESCE(frozen_depth, MAX(top_depth, branch_depth - (? - created_at) / "
            "target_secs)) WHERE id = ? AND first_answer_at IS NULL AND direction = ?",
            "iiiis", now, req->who->account_id, now, id, leader ? "to_leaders" : "to_member");
    if (leader) {
        int64_t org = 0;
        db_get_int(req->db, &org, "SELECT org_id FROM threads WHERE id = ?", "i", id);
        req_audit(req, "thread.reply", org, arena_printf(&req->arena, "thread:%" PRId64, id), "ok",
                  NULL);
        answer_sms(req, id, mid);
    }
    thread_reindex(req, id);
    threads_live_reply(req->db, id, mid);
    return thread_respond(req, id, 201);
}

/*
 * POST /api/v1/threads/{id}/close -> the thread (closed; escalation stops).
 * The member or channel.answer on the branch. Errors: thread.not_found,
 * thread.closed.
 */
static int h_close(struct req *req)
{
    int64_t id = req_id(req), now = now_sec();
    bool leader, closed;
    int rc = thread_get(req, &leader, &closed);
    if (rc)
        return rc;
    if (closed)
        return req_fail(req, ERR_THREAD_CLOSED, NULL);
    db_exec(req->db,
            "UPDATE threads SET closed_at = ?, frozen_depth = COALESCE(frozen_depth, "
            "MAX(top_depth, branch_depth - (? - created_at) / target_secs)), updated_at = ?, seq = "
            "? WHERE id = ?",
            "iiiii", now, now, now, db_next_seq(req->db), id);
    return thread_respond(req, id, 200);
}

static const struct param send_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"memberId", P_ID},
    {"groupId", P_ID},
    {"migrants", P_BOOL},
    {"subject", P_STR, P_NONBLANK, 1, 60},
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 2000},
    {NULL},
};

#define SEND_MAX 5000

/*
 * POST /api/v1/threads/send {orgId, memberId | groupId | migrants: true,
 * subject?, text} -> 201 {count, threadIds}: a leader writes to one member of
 * the subtree, the members of a party group, or the migrant members; each
 * gets a thread of their own that they can answer. channel.answer on orgId.
 * Errors: request.invalid (not exactly one kind of recipient, blank text),
 * member.not_found, org.not_found (group), thread.no_recipients.
 */
static int h_send(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    int64_t member = req_body_int(req, "memberId", 0), group = req_body_int(req, "groupId", 0);
    bool migrants = req_body_int(req, "migrants", 0) != 0;
    if ((member != 0) + (group != 0) + migrants != 1)
        return req_fail_field(req, ERR_INVALID, "memberId",
                              "give exactly one of memberId, groupId, migrants: true");
    const char *path = org_path(req->db, &req->arena, org);
    const char *end = org_path_end(&req->arena, path);
    const char *gpath = NULL;
    if (group) {
        struct db_stmt *st = db_query(req->db,
                                      "SELECT path FROM orgs WHERE id = ? AND level = 'group' AND "
                                      "path >= ? AND path < ? AND deleted_at IS NULL",
                                      "iss", group, path, end);
        if (db_next(st))
            gpath = arena_strdup(&req->arena, db_text(st, 0));
        db_done(st);
        if (!gpath)
            return req_fail_field(req, ERR_ORG_NOT_FOUND, "groupId", NULL);
    }
    struct db_stmt *st = db_query(
        req->db,
        "SELECT id, org_id, org_path FROM members WHERE org_path >= ? AND org_path < ? AND "
        "deleted_at IS NULL AND status IN " ROSTER_STATUSES " AND "
        "(? = 0 OR id = ?) AND (? = 0 OR group_id = ?) AND (? = 0 OR migrant = 1) ORDER BY id "
        "LIMIT ?",
        "ssiiiiii", path, end, member, member, group, group, (int64_t)migrants, (int64_t)SEND_MAX);
    struct target {
        int64_t id, org;
        const char *path;
    } *to = arena_alloc(&req->arena, SEND_MAX * sizeof(*to));
    size_t n = 0;
    while (db_next(st)) {
        to[n].id = db_int(st, 0);
        to[n].org = db_int(st, 1);
        to[n].path = arena_strdup(&req->arena, db_text(st, 2));
        n++;
    }
    db_done(st);
    if (member && !n)
        return req_fail_field(req, ERR_MEMBER_NOT_FOUND, "memberId", NULL);
    if (!n)
        return req_fail(req, ERR_THREAD_NO_RECIPIENTS, NULL);
    const char *subject = subject_of(req);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "count", (int64_t)n);
    jw_key(j, "threadIds");
    jw_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        jw_int(j, thread_insert(req->db, req->who->account_id, to[i].org, to[i].path, to[i].id,
                                "to_member", "message", subject, req_body_str(req, "text")));
    jw_arr_end(j);
    jw_obj_end(j);
    req_audit(req, "thread.send", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok",
              "%zu recipients (%s)", n,
              member  ? "member"
              : group ? "group"
                      : "migrants");
    return 201;
}

/*
 * GET /api/v1/threads/{id}/files/{fileId}?download= -> the voice recording
 * of a message of the thread (Range, ETag, inline: as GET /files/{id}/content).
 * Errors: thread.not_found, file.not_found (no message of the thread carries
 * it, or withdrawn), file.range_not_satisfiable. As GET /threads/{id}.
 */
static int h_file(struct req *req)
{
    int64_t file = req->path_ids[1], found = 0;
    db_get_int(req->db, &found,
               "SELECT 1 FROM thread_messages WHERE thread_id = ? AND voice_file_id = ? LIMIT 1",
               "ii", req->obj.id, file);
    if (!found)
        return req_fail(req, ERR_FILE_NOT_FOUND, NULL);
    return files_send(req, file);
}

/* ---- response targets ---- */

/*
 * GET /api/v1/orgs/{id}/response-target -> {orgId, targetHours, setBy:
 * {id, name} | null (null: the 48-hour default)}. org.read on {id}.
 */
static int h_target_get(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_id(req));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int64_t from;
    int64_t secs = target_for(req->db, path, &from);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", req_id(req));
    jw_kv_int(j, "targetHours", secs / 3600);
    jw_key(j, "setBy");
    if (from) {
        struct db_stmt *st = db_query(req->db, "SELECT name FROM orgs WHERE id = ?", "i", from);
        jw_obj_begin(j);
        jw_kv_int(j, "id", from);
        jw_kv_str(j, "name", db_next(st) ? db_text(st, 0) : NULL);
        db_done(st);
        jw_obj_end(j);
    } else {
        jw_null(j);
    }
    jw_obj_end(j);
    return 200;
}

static const struct param target_body[] = {
    {"targetHours", P_INT, P_REQUIRED, 1, 720},
    {NULL},
};

/*
 * PUT /api/v1/orgs/{id}/response-target {targetHours: 1..720} -> as GET:
 * the target for threads opened from now on in the subtree (unless a lower
 * organisation sets its own). org.admin on {id}. Audited.
 */
static int h_target_put(struct req *req)
{
    int64_t hours = req_body_int(req, "targetHours", 48), now = now_sec();
    db_exec(req->db,
            "INSERT INTO response_targets (org_id, target_secs, updated_by, updated_at) VALUES "
            "(?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET target_secs = excluded.target_secs, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            "iiii", req_id(req), hours * 3600, req->who->account_id, now);
    req_audit(req, "thread.target", req_id(req),
              arena_printf(&req->arena, "org:%" PRId64, req_id(req)), "ok", "%" PRId64 " hours",
              hours);
    return h_target_get(req);
}

/* ---- statistics ---- */

struct tstats {
    int64_t threads, answered, waiting, overdue, due, within;
    int64_t *secs; /* first-answer times, ascending */
};

/* Nearest-rank percentile: the smallest value with at least p percent of
 * the values at or below it (x[ceil(p n / 100) - 1]). */
static int64_t percentile(const int64_t *x, int64_t n, int p)
{
    int64_t k = (p * n + 99) / 100;
    return x[k > 0 ? k - 1 : 0];
}

static void stats_compute(struct req *req, const char *path, const char *from, const char *to,
                          struct tstats *s)
{
    memset(s, 0, sizeof(*s));
    int64_t now = now_sec(), lo = 0, hi = INT64_MAX, day;
    /* from and to are Beijing days, both included. */
    if (date_days(from, &day))
        lo = beijing_day_start(day);
    if (date_days(to, &day))
        hi = beijing_day_start(day + 1);
    const char *end = org_path_end(&req->arena, path);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT COUNT(*), COUNT(first_answer_at), SUM(first_answer_at IS NULL AND closed_at IS "
        "NULL), SUM(first_answer_at IS NULL AND ? - created_at > target_secs), "
        "SUM(first_answer_at IS NOT NULL AND first_answer_at - created_at <= target_secs) FROM "
        "threads WHERE org_path >= ? AND org_path < ? AND direction = 'to_leaders' AND "
        "created_at >= ? AND created_at < ?",
        "issii", now, path, end, lo, hi);
    if (db_next(st)) {
        s->threads = db_int(st, 0);
        s->answered = db_int(st, 1);
        s->waiting = db_int(st, 2);
        s->overdue = db_int(st, 3);
        s->within = db_int(st, 4);
    }
    db_done(st);
    s->due = s->answered + s->overdue;
    s->secs = arena_alloc(&req->arena, (size_t)(s->answered + 1) * sizeof(int64_t));
    st = db_query(req->db,
                  "SELECT first_answer_at - created_at AS x FROM threads WHERE org_path >= ? AND "
                  "org_path < ? AND direction = 'to_leaders' AND first_answer_at IS NOT NULL AND "
                  "created_at >= ? AND created_at < ? ORDER BY x LIMIT ?",
                  "ssiii", path, end, lo, hi, s->answered);
    int64_t n = 0;
    while (db_next(st) && n < s->answered)
        s->secs[n++] = db_int(st, 0);
    db_done(st);
    s->answered = n;
}

static void stats_write(struct jw *j, const struct tstats *s)
{
    jw_kv_int(j, "threads", s->threads);
    jw_kv_int(j, "answered", s->answered);
    jw_kv_int(j, "waiting", s->waiting);
    jw_kv_int(j, "overdue", s->overdue);
    jw_kv_int(j, "answeredWithinTarget", s->within);
    jw_key(j, "shareWithinTarget");
    if (s->due)
        jw_fixed(j, (double)s->within / (double)s->due, 4);
    else
        jw_null(j);
    if (s->answered) {
        jw_kv_int(j, "medianSecs", percentile(s->secs, s->answered, 50));
        jw_kv_int(j, "p90Secs", percentile(s->secs, s->answered, 90));
    } else {
        jw_kv_null(j, "medianSecs");
        jw_kv_null(j, "p90Secs");
    }
}

static const struct param stats_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"from", P_DATE},
    {"to", P_DATE},
    {NULL},
};

/*
 * GET /api/v1/threads/stats?orgId=&from=&to= -> {orgId, name, level,
 * targetHours, threads, answered, waiting, overdue, answeredWithinTarget,
 * shareWithinTarget, medianSecs, p90Secs, children: [the same per child
 * organisation, its subtree]}: members' threads opened in [from, to] (dates,
 * UTC). Percentiles by nearest rank over the answered threads; the share is
 * answered within target over those answered or past their target.
 * channel.stats on orgId. Errors: org.not_found.
 */
static int h_stats(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *from = req_query_str(req, "from"), *to = req_query_str(req, "to");
    struct tstats s;
    int64_t set_by;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    struct db_stmt *st = db_query(req->db, "SELECT name, level FROM orgs WHERE id = ?", "i", org);
    jw_kv_int(j, "orgId", org);
    if (db_next(st)) {
        jw_kv_str(j, "name", db_text(st, 0));
        jw_kv_str(j, "level", db_text(st, 1));
    }
    db_done(st);
    jw_kv_int(j, "targetHours", target_for(req->db, path, &set_by) / 3600);
    stats_compute(req, path, from, to, &s);
    stats_write(j, &s);
    jw_key(j, "children");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT id, name, level, path FROM orgs WHERE parent_id = ? AND level <> 'group' "
                  "AND deleted_at IS NULL ORDER BY id LIMIT 500",
                  "i", org);
    struct child {
        int64_t id;
        const char *name, *level, *path;
        struct child *next;
    } *kids = NULL, **tail = &kids;
    while (db_next(st)) {
        struct child *c = arena_calloc(&req->arena, 1, sizeof(*c));
        c->id = db_int(st, 0);
        c->name = arena_strdup(&req->arena, db_text(st, 1));
        c->level = arena_strdup(&req->arena, db_text(st, 2));
        c->path = arena_strdup(&req->arena, db_text(st, 3));
        *tail = c;
        tail = &c->next;
    }
    db_done(st);
    for (struct child *c = kids; c; c = c->next) {
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", c->id);
        jw_kv_str(j, "name", c->name);
        jw_kv_str(j, "level", c->level);
        jw_kv_int(j, "targetHours", target_for(req->db, c->path, &set_by) / 3600);
        stats_compute(req, c->path, from, to, &s);
        stats_write(j, &s);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

int64_t thread_from_sms(struct db *db, struct arena *a, int64_t account, int64_t member,
                        const char *text)
{
    int64_t org = 0, open = 0, now = now_sec();
    const char *path = NULL;
    struct db_stmt *st = db_query(db,
                                  "SELECT org_id, org_path FROM members WHERE id = ? AND "
                                  "deleted_at IS NULL AND status IN " ROSTER_STATUSES,
                                  "i", member);
    if (db_next(st)) {
        org = db_int(st, 0);
        path = arena_strdup(a, db_text(st, 1));
    }
    db_done(st);
    if (!org)
        return 0;
    /* A conversation still open and alive this week goes on where it is. */
    db_get_int(db, &open,
               "SELECT id FROM threads WHERE member_id = ? AND closed_at IS NULL AND "
               "last_message_at > ? ORDER BY last_message_at DESC LIMIT 1",
               "ii", member, now - 7 * 86400);
    if (open) {
        int64_t mid = message_add(db, account, open, false, text);
        threads_live_reply(db, open, mid);
        return open;
    }
    /* The subject: "短信：" and the text's first 20 characters. */
    size_t cut = 0;
    for (int chars = 0; text[cut] && chars < 20; chars++)
        do
            cut++;
        while (((unsigned char)text[cut] & 0xc0) == 0x80);
    return thread_insert(db, account, org, path, member, "to_leaders", "message",
                         arena_printf(a, "短信：%.*s", (int)cut, text), text);
}

const struct route threads_routes[] = {
    {"POST", "/api/v1/threads", h_create, SCOPE_LOGIN, PERM_NONE, NULL, NULL, create_body, 0},
    {"GET", "/api/v1/threads", h_inbox, SCOPE_QUERY_ORG, PERM_CHANNEL_ANSWER, "orgId", list_query,
     NULL, 0},
    {"GET", "/api/v1/me/threads", h_mine, SCOPE_LOGIN, PERM_NONE, NULL, page_query, NULL, 0},
    {"GET", "/api/v1/threads/stats", h_stats, SCOPE_QUERY_ORG, PERM_CHANNEL_STATS, "orgId",
     stats_query, NULL, 0},
    {"POST", "/api/v1/threads/send", h_send, SCOPE_BODY_ORG, PERM_CHANNEL_ANSWER, "orgId", NULL,
     send_body, 0},
    {"GET", "/api/v1/threads/{id}", h_get, SCOPE_OBJECT, PERM_CHANNEL_ANSWER, NULL, NULL, NULL, 0,
     &thread_kind, PARTY_SELF},
    {"POST", "/api/v1/threads/{id}/replies", h_reply, SCOPE_OBJECT, PERM_CHANNEL_ANSWER, NULL, NULL,
     reply_body, 0, &thread_kind, PARTY_SELF},
    {"GET", "/api/v1/threads/{id}/files/{id}", h_file, SCOPE_OBJECT, PERM_CHANNEL_ANSWER, NULL,
     files_download_query, NULL, ROUTE_RAW, &thread_kind, PARTY_SELF},
    {"POST", "/api/v1/threads/{id}/close", h_close, SCOPE_OBJECT, PERM_CHANNEL_ANSWER, NULL, NULL,
     NULL, 0, &thread_kind, PARTY_SELF},
    {"GET", "/api/v1/orgs/{id}/response-target", h_target_get, SCOPE_PATH_ORG, PERM_ORG_READ, NULL,
     NULL, NULL, 0},
    {"PUT", "/api/v1/orgs/{id}/response-target", h_target_put, SCOPE_PATH_ORG, PERM_ORG_ADMIN, NULL,
     NULL, target_body, 0},
    {NULL},
};
