/*
 * learning.c - lessons (article, audio, video, picture story) and courses
 * published to a subtree, the member's own progress (finished, position,
 * resume), courses a member follows and a branch recommends, and the figures
 * organisers see: participation and completion per branch, which lessons are
 * finished and which abandoned. Question banks, quizzes and exams are in
 * learning_quiz.c.
 *
 * Chosen, never forced (docs/API.md "Learning"): no points, no streaks, no
 * study time, and nobody but the person sees what a person did.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/files.h"
#include "mod/learning.h"
#include "mod/orgs.h"
#include "mod/search.h"
#include "routes.h"

const char *const learning_levels[] = {"intro", "basic", "advanced", NULL};
const char *const learning_tracks[] = {"member", "staff", NULL};
static const char *const lesson_kinds[] = {"article", "audio", "video", "story", NULL};

/* A lesson opened and left unfinished this long counts as abandoned. */
#define ABANDONED_DAYS 14

/* ---- who sees what ---- */

bool learn_is_staff(const struct principal *p)
{
    for (size_t i = 0; p && i < p->nroles; i++)
        if (p->roles[i].role != ROLE_MEMBER)
            return true;
    return false;
}

void learn_scope_of(struct req *req, struct learn_scope *s)
{
    struct audience a;
    audience_of(req, &a);
    s->inside = a.inside;
    s->manage = perm_paths(req, PERM_LEARNING_PUBLISH);
    s->staff = learn_is_staff(req->who);
}

bool learn_sees(struct req *req, const char *org_path, const char *track)
{
    if (principal_can(req->who, PERM_LEARNING_PUBLISH, org_path))
        return true;
    if (!strcmp(track, "staff") && !learn_is_staff(req->who))
        return false;
    /* inside the subtree: the lists' LEARN_SEES_SQL without the managers' side */
    struct audience a;
    audience_of(req, &a);
    struct db_stmt *st =
        db_query(req->db, "SELECT 1 FROM {list} v WHERE substr(v.value, 1, length(?)) = ?", "lss",
                 &a.inside, org_path, org_path);
    bool in = db_next(st);
    db_done(st);
    return in;
}

/* Locates a learning item by the columns org_id, org_path, track, state of
 * sql: its audience takes part in it once it is published (learning.publish
 * on its organisation sees it in any state: waiting for review, withdrawn). */
static bool item_locate(struct req *req, const char *sql, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db, sql, "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, false);
        const char *track = arena_strdup(&req->arena, db_text(st, 2));
        bool published = !strcmp(db_text(st, 3), "published");
        db_done(st);
        if (published && learn_sees(req, o->org_path, track))
            o->party = PARTY_AUDIENCE;
        return true;
    }
    db_done(st);
    return false;
}

static bool lesson_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return item_locate(req,
                       "SELECT org_id, org_path, track, state FROM lessons WHERE id = ? AND "
                       "deleted_at IS NULL",
                       id, o);
}

static bool course_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return item_locate(req,
                       "SELECT org_id, org_path, track, COALESCE(review, state) FROM courses "
                       "WHERE id = ? AND deleted_at IS NULL",
                       id, o);
}

/* Seen by its audience and by learning.publish on its organisation. */
static const struct object_kind lesson_kind = {
    .name = "lesson",
    .not_found = ERR_LESSON_NOT_FOUND,
    .see_perm = PERM_LEARNING_PUBLISH,
    .see_party = PARTY_AUDIENCE,
    .locate = lesson_locate,
};

static const struct object_kind course_kind = {
    .name = "course",
    .not_found = ERR_COURSE_NOT_FOUND,
    .see_perm = PERM_LEARNING_PUBLISH,
    .see_party = PARTY_AUDIENCE,
    .locate = course_locate,
};

/* ---- lessons ---- */

#define LESSON_COLS(F, C)                                                                          \
    F(LESSON_COL_ID, "l.id")                                                                       \
    C(LESSON_COL_KIND, "l.kind")                                                                   \
    C(LESSON_COL_TRACK, "l.track")                                                                 \
    C(LESSON_COL_TITLE, "l.title")                                                                 \
    C(LESSON_COL_BODY, "l.body")                                                                   \
    C(LESSON_COL_FILE_ID, "l.file_id")                                                             \
    C(LESSON_COL_MINUTES, "l.minutes")                                                             \
    C(LESSON_COL_LEVEL, "l.level")                                                                 \
    C(LESSON_COL_TOPICS, "l.topics")                                                               \
    C(LESSON_COL_ORG_ID, "l.org_id")                                                               \
    C(LESSON_COL_ORG_NAME, "o.name")                                                               \
    C(LESSON_COL_PUBLISHED_AT, "l.published_at")                                                   \
    C(LESSON_COL_POSITION, "p.position")                                                           \
    C(LESSON_COL_OPENED_AT, "p.opened_at")                                                         \
    C(LESSON_COL_FINISHED_AT, "p.finished_at")                                                     \
    C(LESSON_COL_ORG_PATH, "l.org_path")                                                           \
    C(LESSON_COL_STATE, "l.state")                                                                 \
    C(LESSON_COL_REVIEW_NOTE, "l.review_note")
enum lesson_col { DB_COLUMN_ENUM(LESSON_COLS) };
#define LESSON_COLUMNS DB_COLUMNS(LESSON_COLS)
/* The lesson with the caller's progress (bind the account first). */
#define LESSON_FROM                                                                                \
    " FROM lessons l JOIN orgs o ON o.id = l.org_id LEFT JOIN lesson_progress p ON "               \
    "p.account_id = ? AND p.lesson_id = l.id "

/* A lesson row as JSON; with_text: the whole text (a list gives an excerpt). */
static void write_lesson(struct req *req, struct jw *j, struct db_stmt *st, bool with_text)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, LESSON_COL_ID));
    jw_kv_str(j, "kind", db_text(st, LESSON_COL_KIND));
    jw_kv_str(j, "track", db_text(st, LESSON_COL_TRACK));
    jw_kv_str(j, "title", db_text(st, LESSON_COL_TITLE));
    const char *body = db_text(st, LESSON_COL_BODY);
    if (with_text) {
        jw_kv_str(j, "text", body);
    } else {
        size_t bytes = 0;
        for (int chars = 0; body[bytes] && chars < 60; chars++)
            for (bytes++; (body[bytes] & 0xc0) == 0x80; bytes++)
                ;
        jw_key(j, "excerpt");
        jw_strn(j, body, bytes);
    }
    jw_kv_id(j, "fileId", db_int(st, LESSON_COL_FILE_ID));
    if (with_text) { /* sizes and the weak-link versions, shown before playing */
        jw_key(j, "file");
        if (db_isnull(st, LESSON_COL_FILE_ID))
            jw_null(j);
        else
            files_write_attached_one(req, j, "lesson", db_int(st, LESSON_COL_ID),
                                     db_int(st, LESSON_COL_FILE_ID));
    }
    jw_kv_int(j, "minutes", db_int(st, LESSON_COL_MINUTES));
    jw_kv_str(j, "length",
              arena_printf(&req->arena, "%" PRId64 " 分钟", db_int(st, LESSON_COL_MINUTES)));
    jw_kv_str(j, "level", db_text(st, LESSON_COL_LEVEL));
    jw_key(j, "topics");
    jw_raw(j, db_text(st, LESSON_COL_TOPICS), db_text_len(st, LESSON_COL_TOPICS));
    jw_key(j, "org");
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, LESSON_COL_ORG_ID));
    jw_kv_str(j, "name", db_text(st, LESSON_COL_ORG_NAME));
    jw_obj_end(j);
    jw_kv_time(j, "publishedAt", db_int(st, LESSON_COL_PUBLISHED_AT));
    jw_kv_str(j, "state", db_text(st, LESSON_COL_STATE));
    if (!db_isnull(st, LESSON_COL_REVIEW_NOTE))
        jw_kv_str(j, "reviewNote", db_text(st, LESSON_COL_REVIEW_NOTE));
    jw_key(j, "progress");
    if (db_isnull(st, LESSON_COL_OPENED_AT)) {
        jw_null(j);
    } else {
        jw_obj_begin(j);
        jw_kv_int(j, "position", db_int(st, LESSON_COL_POSITION));
        jw_kv_time(j, "openedAt", db_int(st, LESSON_COL_OPENED_AT));
        jw_kv_time(j, "finishedAt", db_int(st, LESSON_COL_FINISHED_AT));
        jw_obj_end(j);
    }
    jw_kv_bool(j, "canManage",
               principal_can(req->who, PERM_LEARNING_PUBLISH, db_text(st, LESSON_COL_ORG_PATH)));
    jw_obj_end(j);
}

static int lesson_respond(struct req *req, int64_t id, int status)
{
    struct db_stmt *st = db_query(req->db, "SELECT " LESSON_COLUMNS LESSON_FROM "WHERE l.id = ?",
                                  "ii", req->who->account_id, id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_LESSON_NOT_FOUND, NULL);
    }
    write_lesson(req, req_data(req), st, true);
    db_done(st);
    return status;
}

/* The topics as the JSON list stored with the item (arena). */
static const char *topics_json(struct req *req, const struct value *v)
{
    struct buf b;
    struct jw j;
    buf_init_arena(&b, &req->arena);
    jw_init(&j, &b);
    jw_arr_begin(&j);
    for (size_t i = 0; v && i < v->n; i++)
        jw_str(&j, v->strs[i]);
    jw_arr_end(&j);
    return b.data;
}

bool learn_review_needed(struct req *req, const char *path)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_path FROM learning_review WHERE required = 1 AND "
                                  "substr(?, 1, length(org_path)) = org_path",
                                  "s", path);
    bool needed = false;
    while (!needed && db_next(st))
        needed = !principal_can(req->who, PERM_LEARNING_PUBLISH, db_text(st, 0));
    db_done(st);
    return needed;
}

static const struct param lesson_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"kind", P_ENUM, P_REQUIRED, 0, 0, lesson_kinds},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 20000},
    {"fileId", P_ID},
    {"minutes", P_INT, P_REQUIRED, 1, 120},
    {"level", P_ENUM, P_REQUIRED, 0, 0, learning_levels},
    {"topics", P_STRS, 0, 0, 10},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {NULL},
};

/* The kind of stored file a lesson of kind may name: its recording, or the
 * pictures of a story or an article. */
static bool lesson_file_fits(const char *kind, const char *file_kind)
{
    if (!strcmp(kind, "audio") || !strcmp(kind, "video"))
        return !strcmp(kind, file_kind);
    return !strcmp(file_kind, "image");
}

/*
 * POST /api/v1/lessons {orgId, kind, title, text, fileId?, minutes, level,
 * topics?, track?} -> 201 the lesson. Published to the subtree of orgId; an
 * audio or video lesson names its recording in the file store (fileId: an
 * audio file for audio, a video for video; a story's or an article's is a
 * picture), which the lesson then refers to (kept while it does, read
 * through GET /lessons/{id}/files/{fileId} by whoever sees the lesson), and
 * carries its text (a transcript) for those who read. Errors: org.not_found,
 * file.not_found, file.not_attachable, request.invalid (fileId: another kind
 * of file). learning.publish on orgId.
 */
static int h_lesson_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    const char *track = req_body_str(req, "track"), *kind = req_body_str(req, "kind");
    int64_t file_id = req_body_int(req, "fileId", 0);
    if (file_id) {
        struct file_info info;
        int rc = files_check_attachable(req, file_id, path, "fileId", &info);
        if (rc)
            return rc;
        if (!lesson_file_fits(kind, info.kind))
            return req_fail_field(req, ERR_INVALID, "fileId",
                                  "file %" PRId64 " is %s, not what a lesson of kind %s plays",
                                  file_id, info.kind, kind);
    }
    bool review = learn_review_needed(req, path);
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO lessons (org_id, org_path, kind, track, state, title, body, file_id, "
            "minutes, level, topics, author_id, published_at, created_at, updated_at, seq) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "issssssIissiiiii", org, path, kind, track ? track : "member",
            review ? "review" : "published", req_body_str(req, "title"), req_body_str(req, "text"),
            file_id, req_body_int(req, "minutes", 0), req_body_str(req, "level"),
            topics_json(req, req_body(req, "topics")), req->who->account_id, now, now, now,
            db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    if (file_id)
        files_attach(req, file_id, "lesson", id);
    req_audit(req, "lesson.publish", org, arena_printf(&req->arena, "lesson:%" PRId64, id), "ok",
              "%s%s", kind, review ? ", waiting for review" : "");
    return lesson_respond(req, id, 201);
}

static const struct param lesson_list_query[] = {
    {"kind", P_ENUM, 0, 0, 0, lesson_kinds},
    {"level", P_ENUM, 0, 0, 0, learning_levels},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {"topic", P_STR, P_NONBLANK, 1, 20},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/lessons?kind=&level=&track=&topic=&after=&limit= -> {items,
 * next}: the lessons published to the caller (and those they manage), newest
 * first, each with the caller's own progress. The staff track shows to role
 * holders only. Any logged-in caller.
 */
static int h_lesson_list(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct learn_scope s;
    learn_scope_of(req, &s);
    /* a topic is found as the JSON string the stored list holds */
    const char *topic = req_query_str(req, "topic"), *like = NULL;
    if (topic) {
        struct buf b;
        buf_init_arena(&b, &req->arena);
        jw_escape(&b, topic, strlen(topic));
        like = db_like_pattern(&req->arena, b.data);
    }
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " LESSON_COLUMNS LESSON_FROM
        "WHERE l.deleted_at IS NULL AND l.state = 'published' AND l.id < ? AND "
        "(? IS NULL OR l.kind = ?) AND (? IS NULL OR l.level = ?) AND (? IS NULL OR l.track = ?) "
        "AND (? IS NULL OR l.topics LIKE ? ESCAPE '\\') AND (l.track = 'member' OR ? = 1 OR "
        "EXISTS (SELECT 1 FROM {list} r WHERE substr(l.org_path, 1, length(r.value)) = "
        "r.value)) AND " LEARN_SEES_SQL("l.org_path") " ORDER BY l.id DESC LIMIT ?",
        "iissssssssillli", req->who->account_id, after ? after : INT64_MAX,
        req_query_str(req, "kind"), req_query_str(req, "kind"), req_query_str(req, "level"),
        req_query_str(req, "level"), req_query_str(req, "track"), req_query_str(req, "track"), like,
        like, (int64_t)s.staff, s.manage, &s.inside, s.manage, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        write_lesson(req, pg.j, st, false);
        page_mark_id(&pg, db_int(st, LESSON_COL_ID));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/lessons/{id} -> the lesson with its text and the caller's
 * progress (resume at progress.position). Errors: lesson.not_found (also
 * outside the caller's reach). Its audience, and learning.publish.
 */
static int h_lesson_get(struct req *req)
{
    return lesson_respond(req, req->obj.id, 200);
}

static const struct param progress_body[] = {
    {"position", P_INT, 0, 0, 36000},
    {"finished", P_BOOL},
    {NULL},
};

/*
 * POST /api/v1/lessons/{id}/progress {position?, finished?} -> the lesson
 * with the progress: the caller's own place (seconds into the recording) and
 * whether they finished it (once finished, it stays finished; its first
 * time is kept). Errors: lesson.not_found. Its audience, and learning.publish.
 */
static int h_progress(struct req *req)
{
    const struct value *pos = req_body(req, "position"), *fin = req_body(req, "finished");
    int64_t now = now_sec();
    bool finished = fin->present && fin->i;
    db_exec(req->db,
            "INSERT INTO lesson_progress (account_id, lesson_id, member_id, position, opened_at, "
            "finished_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
            "(account_id, lesson_id) DO UPDATE SET position = CASE WHEN ? THEN "
            "excluded.position ELSE lesson_progress.position END, finished_at = "
            "COALESCE(lesson_progress.finished_at, excluded.finished_at), member_id = "
            "excluded.member_id, updated_at = excluded.updated_at, seq = excluded.seq",
            "iiIiiIiii", req->who->account_id, req->obj.id, req->who->member_id,
            pos->present ? pos->i : 0, now, finished ? now : 0, now, db_next_seq(req->db),
            (int64_t)pos->present);
    return lesson_respond(req, req->obj.id, 200);
}

/*
 * GET /api/v1/lessons/{id}/files/{fileId}?download=&variant= -> the lesson's
 * recording or picture (a version for weak links with variant: audio, the
 * 32 kbit/s Opus; video-240, the 240p MP4), with Range and ETag. Errors:
 * lesson.not_found, file.not_found (not the lesson's, withdrawn, or no such
 * version yet), file.range_not_satisfiable. Whoever sees the lesson: its
 * audience once published, and learning.publish.
 */
static int h_lesson_file(struct req *req)
{
    return files_send_attached(req, "lesson", req->obj.id, req->path_ids[1]);
}

/*
 * DELETE /api/v1/lessons/{id} -> {id, state: "withdrawn"}: no longer listed
 * or opened; progress stays with those who had it. Errors: lesson.not_found.
 * learning.publish on its organisation.
 */
static int h_lesson_withdraw(struct req *req)
{
    db_exec(req->db, "UPDATE lessons SET state = 'withdrawn', updated_at = ?, seq = ? WHERE id = ?",
            "iii", now_sec(), db_next_seq(req->db), req->obj.id);
    req_audit(req, "lesson.withdraw", req->obj.org_id,
              arena_printf(&req->arena, "lesson:%" PRId64, req->obj.id), "ok", NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", req->obj.id);
    jw_kv_str(j, "state", "withdrawn");
    jw_obj_end(j);
    return 200;
}

/* ---- review where configured ---- */

static const struct param review_setting_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"required", P_BOOL, P_REQUIRED},
    {NULL},
};

/* {orgId, required, by: the organisation at or above orgId that asks for it, or null}. */
static int review_setting_respond(struct req *req, int64_t org, int status)
{
    const char *path = org_path(req->db, &req->arena, org);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_id FROM learning_review WHERE required = 1 AND "
                                  "substr(?, 1, length(org_path)) = org_path ORDER BY "
                                  "length(org_path) LIMIT 1",
                                  "s", path);
    int64_t by = db_next(st) ? db_int(st, 0) : 0;
    db_done(st);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", org);
    jw_kv_bool(j, "required", by != 0);
    jw_kv_id(j, "by", by);
    jw_obj_end(j);
    return status;
}

/*
 * POST /api/v1/learning/review {orgId, required} -> {orgId, required, by}:
 * whether lessons published in orgId's subtree by those without
 * learning.publish on orgId wait for review (approved on the organisation
 * above the lesson's). Audited. learning.publish on orgId.
 * GET /api/v1/learning/review?orgId= -> the same, as it stands (by: the
 * highest organisation at or above orgId asking for review).
 */
static int h_review_set(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    int64_t on = req_body_int(req, "required", 0);
    db_exec(req->db,
            "INSERT INTO learning_review (org_id, org_path, required, account_id, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET required = "
            "excluded.required, account_id = excluded.account_id, updated_at = excluded.updated_at",
            "isiii", org, path, on, req->who->account_id, now_sec());
    db_next_seq(req->db);
    req_audit(req, "learning.review", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok",
              "%s", on ? "review required" : "no review");
    return review_setting_respond(req, org, 200);
}

static const struct param review_get_query[] = {{"orgId", P_ID, P_REQUIRED}, {NULL}};

static int h_review_get(struct req *req)
{
    return review_setting_respond(req, req_query_int(req, "orgId", 0), 200);
}

const struct param learn_reject_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK | P_MULTILINE, 1, 500},
    {NULL},
};

int learn_review_decide(struct req *req, const struct learn_review_kind *k, bool approve)
{
    int64_t v, now = now_sec();
    if (!db_get_int(req->db, &v, k->waiting, "i", req->obj.id))
        return req_fail(req, k->not_waiting, NULL);
    db_exec(req->db, k->decide, "isiiii", (int64_t)approve,
            approve ? NULL : req_body_str(req, "reason"), req->who->account_id, now,
            db_next_seq(req->db), req->obj.id);
    if (approve && k->published)
        db_exec(req->db, k->published, "ii", now, req->obj.id);
    req_audit(req, arena_printf(&req->arena, "%s.%s", k->name, approve ? "approve" : "reject"),
              req->obj.org_id, arena_printf(&req->arena, "%s:%" PRId64, k->name, req->obj.id), "ok",
              NULL);
    return k->respond(req, req->obj.id, 200);
}

static const struct learn_review_kind lesson_review = {
    .name = "lesson",
    .waiting = "SELECT 1 FROM lessons WHERE id = ? AND state = 'review'",
    .decide = "UPDATE lessons SET state = CASE WHEN ? THEN 'published' ELSE 'rejected' END, "
              "review_note = ?, reviewed_by = ?, updated_at = ?, seq = ? WHERE id = ?",
    .published = "UPDATE lessons SET published_at = ? WHERE id = ?",
    .not_waiting = ERR_LESSON_STATE,
    .respond = lesson_respond,
};

/*
 * POST /api/v1/lessons/{id}/approve -> the lesson, published now.
 * POST /api/v1/lessons/{id}/reject {reason} -> the lesson, rejected (the
 * author sees reviewNote). Errors: lesson.not_found, lesson.state (not
 * waiting for review). learning.publish on the organisation above the
 * lesson's. Courses, banks and quizzes are decided the same way.
 */
static int h_approve(struct req *req)
{
    return learn_review_decide(req, &lesson_review, true);
}

static int h_reject(struct req *req)
{
    return learn_review_decide(req, &lesson_review, false);
}

/* ---- courses ---- */

/* Joins a course_lessons row (alias) to its lesson when that is still published: a
 * withdrawn lesson leaves its courses' lists and counts. */
#define LIVE_LESSON(x)                                                                             \
    " JOIN lessons lx_" x " ON lx_" x ".id = " x ".lesson_id AND lx_" x ".state = 'published' "    \
    "AND lx_" x ".deleted_at IS NULL"

#define COURSE_COLS(F, C)                                                                          \
    F(COURSE_COL_ID, "c.id")                                                                       \
    C(COURSE_COL_TRACK, "c.track")                                                                 \
    C(COURSE_COL_TITLE, "c.title")                                                                 \
    C(COURSE_COL_SUMMARY, "c.summary")                                                             \
    C(COURSE_COL_LEVEL, "c.level")                                                                 \
    C(COURSE_COL_ORG_ID, "c.org_id")                                                               \
    C(COURSE_COL_ORG_NAME, "o.name")                                                               \
    C(COURSE_COL_ORG_PATH, "c.org_path")                                                           \
    C(COURSE_COL_PUBLISHED_AT, "c.published_at")                                                   \
    C(COURSE_COL_LESSONS,                                                                          \
      "(SELECT COUNT(*) FROM course_lessons x" LIVE_LESSON("x") " WHERE x.course_id = c.id)")      \
    C(COURSE_COL_FINISHED, "(SELECT COUNT(*) FROM course_lessons x" LIVE_LESSON(                   \
                               "x") " JOIN lesson_progress p ON "                                  \
                                    "p.lesson_id = x.lesson_id AND p.account_id = a.account_id "   \
                                    "WHERE x.course_id = c.id AND "                                \
                                    "p.finished_at IS NOT NULL)")                                  \
    C(COURSE_COL_FOLLOWED, "f.created_at")                                                         \
    C(COURSE_COL_STATE, "COALESCE(c.review, c.state)")                                             \
    C(COURSE_COL_REVIEW_NOTE, "c.review_note")
enum course_col { DB_COLUMN_ENUM(COURSE_COLS) };
#define COURSE_COLUMNS DB_COLUMNS(COURSE_COLS)
/* a is the caller (bind the account first), f their follow row if any. */
#define COURSE_FROM                                                                                \
    " FROM courses c JOIN orgs o ON o.id = c.org_id LEFT JOIN (SELECT ? AS account_id) a ON 1 = "  \
    "1 LEFT JOIN course_follows f ON f.account_id = a.account_id AND f.course_id = c.id "

/* Recommendations of course id on the caller's path: [{orgId, orgName, note}]. */
static void write_recommends(struct req *req, struct jw *j, int64_t id, const struct db_list *in)
{
    jw_arr_begin(j);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT r.org_id, o.name, r.note FROM course_recommends r JOIN orgs o ON o.id = "
                 "r.org_id WHERE r.course_id = ? AND EXISTS (SELECT 1 FROM {list} v WHERE "
                 "substr(v.value, 1, length(r.org_path)) = r.org_path) ORDER BY r.org_path",
                 "il", id, in);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", db_int(st, 0));
        jw_kv_str(j, "orgName", db_text(st, 1));
        jw_kv_str(j, "note", db_text(st, 2));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
}

static void write_course_head(struct req *req, struct jw *j, struct db_stmt *st,
                              const struct db_list *inside)
{
    int64_t id = db_int(st, COURSE_COL_ID), n = db_int(st, COURSE_COL_LESSONS);
    int64_t done = db_isnull(st, COURSE_COL_FINISHED) ? 0 : db_int(st, COURSE_COL_FINISHED);
    jw_kv_int(j, "id", id);
    jw_kv_str(j, "track", db_text(st, COURSE_COL_TRACK));
    jw_kv_str(j, "title", db_text(st, COURSE_COL_TITLE));
    jw_kv_str(j, "summary", db_text(st, COURSE_COL_SUMMARY));
    jw_kv_str(j, "level", db_text(st, COURSE_COL_LEVEL));
    jw_key(j, "org");
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, COURSE_COL_ORG_ID));
    jw_kv_str(j, "name", db_text(st, COURSE_COL_ORG_NAME));
    jw_obj_end(j);
    jw_kv_time(j, "publishedAt", db_int(st, COURSE_COL_PUBLISHED_AT));
    jw_kv_str(j, "state", db_text(st, COURSE_COL_STATE));
    if (!db_isnull(st, COURSE_COL_REVIEW_NOTE))
        jw_kv_str(j, "reviewNote", db_text(st, COURSE_COL_REVIEW_NOTE));
    jw_kv_int(j, "lessonCount", n);
    jw_kv_bool(j, "followed", !db_isnull(st, COURSE_COL_FOLLOWED));
    jw_kv_int(j, "finishedLessons", done);
    jw_kv_bool(j, "completed", n > 0 && done == n);
    jw_key(j, "recommendedBy");
    write_recommends(req, j, id, inside);
    jw_kv_bool(j, "canManage",
               principal_can(req->who, PERM_LEARNING_PUBLISH, db_text(st, COURSE_COL_ORG_PATH)));
}

static int course_respond(struct req *req, int64_t id, int status)
{
    struct learn_scope s;
    learn_scope_of(req, &s);
    struct db_stmt *st = db_query(req->db, "SELECT " COURSE_COLUMNS COURSE_FROM "WHERE c.id = ?",
                                  "ii", req->who->account_id, id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_COURSE_NOT_FOUND, NULL);
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    write_course_head(req, j, st, &s.inside);
    db_done(st);
    jw_key(j, "lessons");
    jw_arr_begin(j);
    st = db_query(
        req->db,
        "SELECT " LESSON_COLUMNS LESSON_FROM "JOIN course_lessons x ON x.lesson_id = "
        "l.id WHERE x.course_id = ? AND l.state = 'published' AND l.deleted_at IS NULL ORDER BY "
        "x.position",
        "ii", req->who->account_id, id);
    while (db_next(st))
        write_lesson(req, j, st, false);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return status;
}

static const struct param course_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"summary", P_STR, P_MULTILINE, 0, 2000},
    {"level", P_ENUM, P_REQUIRED, 0, 0, learning_levels},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {"lessonIds", P_IDS, P_REQUIRED, 1, 100},
    {NULL},
};

/*
 * POST /api/v1/courses {orgId, title, summary?, level, track?, lessonIds}
 * -> 201 the course: its lessons in the order given. Each lesson must reach
 * everyone the course reaches (published on orgId or above it). Errors:
 * org.not_found, lesson.not_found (a lesson the caller does not see),
 * course.lesson. learning.publish on orgId.
 */
static int h_course_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    const struct value *ids = req_body(req, "lessonIds");
    const char *track = req_body_str(req, "track");
    for (size_t i = 0; i < ids->n; i++) {
        struct object_ref o = {0};
        if (!lesson_locate(req, ids->ids[i], &o) || !o.party)
            return req_fail_field(req, ERR_LESSON_NOT_FOUND, "lessonIds", "no lesson %" PRId64,
                                  ids->ids[i]);
        if (strncmp(path, o.org_path, strlen(o.org_path)))
            return req_fail_field(req, ERR_COURSE_LESSON, "lessonIds",
                                  "lesson %" PRId64 " does not reach the course's audience",
                                  ids->ids[i]);
    }
    int64_t now = now_sec();
    bool review = learn_review_needed(req, path);
    db_exec(req->db,
            "INSERT INTO courses (org_id, org_path, track, title, summary, level, review, "
            "author_id, published_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            "issssssiiiii", org, path, track ? track : "member", req_body_str(req, "title"),
            req_body_str(req, "summary") ? req_body_str(req, "summary") : "",
            req_body_str(req, "level"), review ? "review" : NULL, req->who->account_id, now, now,
            now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    for (size_t i = 0; i < ids->n; i++)
        db_exec(req->db,
                "INSERT INTO course_lessons (course_id, position, lesson_id) VALUES (?, ?, ?)",
                "iii", id, (int64_t)i + 1, ids->ids[i]);
    req_audit(req, "course.publish", org, arena_printf(&req->arena, "course:%" PRId64, id), "ok",
              "%zu lessons%s", ids->n, review ? ", waiting for review" : "");
    return course_respond(req, id, 201);
}

static const struct learn_review_kind course_review = {
    .name = "course",
    .waiting = "SELECT 1 FROM courses WHERE id = ? AND review = 'review'",
    .decide = "UPDATE courses SET review = CASE WHEN ? THEN NULL ELSE 'rejected' END, "
              "review_note = ?, reviewed_by = ?, updated_at = ?, seq = ? WHERE id = ?",
    .published = "UPDATE courses SET published_at = ? WHERE id = ?",
    .not_waiting = ERR_COURSE_STATE,
    .respond = course_respond,
};

/*
 * POST /api/v1/courses/{id}/approve -> the course, published now.
 * POST /api/v1/courses/{id}/reject {reason} -> the course, rejected.
 * Errors: course.not_found, course.state (not waiting for review).
 * learning.publish on the organisation above the course's.
 */
static int h_course_approve(struct req *req)
{
    return learn_review_decide(req, &course_review, true);
}

static int h_course_reject(struct req *req)
{
    return learn_review_decide(req, &course_review, false);
}

static const struct param course_list_query[] = {
    {"level", P_ENUM, 0, 0, 0, learning_levels},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {"followed", P_BOOL},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/courses?level=&track=&followed=&after=&limit= -> {items,
 * next}: the courses published to the caller, newest first, with whether
 * the caller follows each, how many of its lessons they finished, and who
 * recommends it on their path. Any logged-in caller.
 */
static int h_course_list(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct learn_scope s;
    learn_scope_of(req, &s);
    const struct value *fol = req_query(req, "followed");
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " COURSE_COLUMNS COURSE_FROM "WHERE c.deleted_at IS NULL AND c.state = 'published' "
        "AND c.review IS NULL AND c.id < ? AND (? IS NULL OR "
        "c.level = ?) AND (? IS NULL OR c.track = ?) AND (? = 0 OR f.course_id IS NOT NULL) AND "
        "(c.track = 'member' OR ? = 1 OR EXISTS (SELECT 1 FROM {list} r WHERE "
        "substr(c.org_path, 1, length(r.value)) = r.value)) AND " LEARN_SEES_SQL(
            "c.org_path") " ORDER BY c.id DESC LIMIT ?",
        "iissssiillli", req->who->account_id, after ? after : INT64_MAX,
        req_query_str(req, "level"), req_query_str(req, "level"), req_query_str(req, "track"),
        req_query_str(req, "track"), (int64_t)(fol->present && fol->i), (int64_t)s.staff, s.manage,
        &s.inside, s.manage, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        jw_obj_begin(pg.j);
        write_course_head(req, pg.j, st, &s.inside);
        jw_obj_end(pg.j);
        page_mark_id(&pg, db_int(st, COURSE_COL_ID));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/courses/{id} -> the course with its lessons in order, each
 * with the caller's progress, and whether the caller completed it. Errors:
 * course.not_found. Its audience, and learning.publish.
 */
static int h_course_get(struct req *req)
{
    return course_respond(req, req->obj.id, 200);
}

/*
 * POST /api/v1/courses/{id}/follow -> the course, followed: the caller's
 * own choice (shown first on their 学习 page). DELETE: no longer followed.
 * Errors: course.not_found. Its audience, and learning.publish.
 */
static int h_follow(struct req *req)
{
    db_exec(req->db,
            "INSERT INTO course_follows (account_id, course_id, created_at) VALUES (?, ?, ?) ON "
            "CONFLICT DO NOTHING",
            "iii", req->who->account_id, req->obj.id, now_sec());
    return course_respond(req, req->obj.id, 200);
}

static int h_unfollow(struct req *req)
{
    db_exec(req->db, "DELETE FROM course_follows WHERE account_id = ? AND course_id = ?", "ii",
            req->who->account_id, req->obj.id);
    return course_respond(req, req->obj.id, 200);
}

static const struct param recommend_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"courseId", P_ID, P_REQUIRED},
    {"note", P_STR, P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/course-recommendations {orgId, courseId, note?} -> the
 * course: orgId recommends it to its subtree (shown beside the course as
 * "recommendedBy"; a recommendation, never a task: nobody is counted or
 * reminded). A second recommendation replaces the note. Errors:
 * org.not_found, course.not_found (also a course that does not reach
 * orgId). learning.publish on orgId.
 */
static int h_recommend(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0), id = req_body_int(req, "courseId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    struct object_ref o = {0};
    if (!course_locate(req, id, &o) || !o.party || strncmp(path, o.org_path, strlen(o.org_path)))
        return req_fail(req, ERR_COURSE_NOT_FOUND, NULL);
    const char *note = req_body_str(req, "note");
    db_exec(req->db,
            "INSERT INTO course_recommends (course_id, org_id, org_path, note, account_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (course_id, org_id) DO UPDATE SET "
            "note = excluded.note, account_id = excluded.account_id",
            "iissii", id, org, path, note ? note : "", req->who->account_id, now_sec());
    db_next_seq(req->db);
    req_audit(req, "course.recommend", org, arena_printf(&req->arena, "course:%" PRId64, id), "ok",
              NULL);
    return course_respond(req, id, 200);
}

/* ---- the member's own ---- */

/*
 * GET /api/v1/me/learning -> {resume: [lessons opened, not finished, last
 * first], finished: N, followed: [courses], quizzes: [{quizId, title, mode,
 * submittedAt, score, total, origin}]}: the caller's own learning; the only
 * answer that holds a person's scores, and only their own. Any logged-in
 * caller.
 */
static int h_me(struct req *req)
{
    int64_t me = req->who->account_id, n = 0;
    struct learn_scope s;
    learn_scope_of(req, &s);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "resume");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " LESSON_COLUMNS LESSON_FROM "WHERE p.account_id IS NOT NULL AND p.finished_at "
        "IS NULL AND l.deleted_at IS NULL AND l.state = 'published' ORDER BY p.updated_at DESC "
        "LIMIT 20",
        "i", me);
    while (db_next(st))
        write_lesson(req, j, st, false);
    db_done(st);
    jw_arr_end(j);
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM lesson_progress WHERE account_id = ? AND finished_at IS NOT "
               "NULL",
               "i", me);
    jw_kv_int(j, "finished", n);
    jw_key(j, "followed");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT " COURSE_COLUMNS COURSE_FROM "WHERE f.course_id IS NOT NULL AND "
                  "c.deleted_at IS NULL ORDER BY f.created_at DESC LIMIT 50",
                  "i", me);
    while (db_next(st)) {
        jw_obj_begin(j);
        write_course_head(req, j, st, &s.inside);
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "quizzes");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT q.id, q.title, q.mode, a.submitted_at, a.score, a.total, a.origin FROM "
                  "quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id WHERE (a.account_id = ? OR "
                  "(a.member_id = ? AND a.member_id IS NOT NULL)) AND a.submitted_at IS NOT NULL "
                  "ORDER BY a.submitted_at DESC LIMIT 50",
                  "iI", me, req->who->member_id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "quizId", db_int(st, 0));
        jw_kv_str(j, "title", db_text(st, 1));
        jw_kv_str(j, "mode", db_text(st, 2));
        jw_kv_time(j, "submittedAt", db_int(st, 3));
        jw_key(j, "score");
        if (db_isnull(st, 4))
            jw_null(j);
        else
            jw_int(j, db_int(st, 4));
        jw_kv_int(j, "total", db_int(st, 5));
        jw_kv_str(j, "origin", db_text(st, 6));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- figures for organisers ---- */

static const struct param figures_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {NULL},
};

struct learn_tally *learn_tally_orgs(struct req *req, int64_t org, size_t *n)
{
    size_t cap = 16;
    struct learn_tally *t = arena_calloc(&req->arena, cap, sizeof(*t));
    *n = 0;
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT o.id, o.name, o.level, o.path FROM orgs o WHERE " ORGS_BELOW
                 " AND o.deleted_at IS NULL ORDER BY o.id LIMIT 500",
                 "iii", org, org, org);
    while (db_next(st)) {
        if (*n == cap) {
            struct learn_tally *more = arena_calloc(&req->arena, 2 * cap, sizeof(*more));
            memcpy(more, t, cap * sizeof(*t));
            t = more;
            cap *= 2;
        }
        t[(*n)++] = (struct learn_tally){
            .id = db_int(st, 0),
            .name = arena_strdup(&req->arena, db_text(st, 1)),
            .level = arena_strdup(&req->arena, db_text(st, 2)),
            .path = arena_strdup(&req->arena, db_text(st, 3)),
        };
    }
    db_done(st);
    return t;
}

void learn_tally_add(struct learn_tally *t, size_t n, const char *path, int k, int64_t v)
{
    assert(k >= 0 && k < LEARN_TALLY_COUNTS);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(path, t[i].path, strlen(t[i].path))) {
            t[i].count[k] += v;
            return;
        }
}

void learn_tally_members(struct req *req, struct learn_tally *t, size_t n, const char *path, int k)
{
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT org_path, COUNT(*) FROM members WHERE org_path >= ? AND org_path < ? AND "
                 "deleted_at IS NULL AND status IN " ROSTER_STATUSES " GROUP BY org_path",
                 "ss", path, org_path_end(&req->arena, path));
    while (db_next(st))
        learn_tally_add(t, n, db_text(st, 0), k, db_int(st, 1));
    db_done(st);
}

/* Per organisation below (or the branch itself): people on the rosters,
 * those who opened a lesson, those who finished one. Each count is one query
 * grouped by branch, added up per organisation in C. */
static void write_branches(struct req *req, struct jw *j, int64_t org, const char *path,
                           const char *track)
{
    size_t n;
    struct learn_tally *t = learn_tally_orgs(req, org, &n);
    learn_tally_members(req, t, n, path, 0);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.org_path, COUNT(DISTINCT p.member_id), COUNT(DISTINCT CASE WHEN p.finished_at "
        "IS NOT NULL THEN p.member_id END) FROM lesson_progress p JOIN members m ON m.id = "
        "p.member_id JOIN lessons l ON l.id = p.lesson_id WHERE m.org_path >= ? AND m.org_path < "
        "? AND (? IS NULL OR l.track = ?) GROUP BY m.org_path",
        "ssss", path, org_path_end(&req->arena, path), track, track);
    while (db_next(st)) {
        learn_tally_add(t, n, db_text(st, 0), 1, db_int(st, 1));
        learn_tally_add(t, n, db_text(st, 0), 2, db_int(st, 2));
    }
    db_done(st);
    jw_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", t[i].id);
        jw_kv_str(j, "name", t[i].name);
        jw_kv_str(j, "level", t[i].level);
        jw_kv_int(j, "members", t[i].count[0]);
        jw_kv_int(j, "learners", t[i].count[1]);
        jw_kv_int(j, "finishers", t[i].count[2]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
}

/*
 * GET /api/v1/learning/figures?orgId=&track= -> {branches: [{orgId, name,
 * level, members, learners, finishers}], lessons: [{id, title, kind,
 * opened, finished, abandoned}], courses: [{id, title, followers,
 * completed}]}: participation and completion by the members under orgId,
 * per organisation below it, and per lesson (abandoned: opened, unfinished
 * and untouched for 14 days) to improve the content. Counts only: never a
 * person, never a score, never a ranking. learning.publish on orgId.
 */
static int h_figures(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    const char *track = req_query_str(req, "track");
    int64_t stale = now_sec() - ABANDONED_DAYS * 86400;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", org);
    jw_kv_int(j, "abandonedAfterDays", ABANDONED_DAYS);
    jw_key(j, "branches");
    write_branches(req, j, org, path, track);
    jw_key(j, "lessons");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT l.id, l.title, l.kind, COUNT(*), COUNT(p.finished_at), SUM(CASE WHEN "
        "p.finished_at IS NULL AND p.updated_at < ? THEN 1 ELSE 0 END) FROM lesson_progress p "
        "JOIN members m ON m.id = p.member_id JOIN lessons l ON l.id = p.lesson_id WHERE "
        "substr(m.org_path, 1, length(?)) = ? AND (? IS NULL OR l.track = ?) GROUP BY l.id, "
        "l.title, l.kind ORDER BY l.id DESC LIMIT 200",
        "issss", stale, path, path, track, track);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "title", db_text(st, 1));
        jw_kv_str(j, "kind", db_text(st, 2));
        jw_kv_int(j, "opened", db_int(st, 3));
        jw_kv_int(j, "finished", db_int(st, 4));
        jw_kv_int(j, "abandoned", db_int(st, 5));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "courses");
    jw_arr_begin(j);
    st = db_query(
        req->db,
        "SELECT c.id, c.title, c.track, (SELECT COUNT(*) FROM course_follows f JOIN accounts a ON "
        "a.id = f.account_id JOIN members m ON m.id = a.member_id WHERE f.course_id = c.id AND "
        "substr(m.org_path, 1, length(?)) = ?), (SELECT COUNT(*) FROM (SELECT p.account_id FROM "
        "course_lessons x" LIVE_LESSON(
            "x") " JOIN lesson_progress p ON p.lesson_id = x.lesson_id AND p.finished_at "
                 "IS NOT NULL JOIN accounts a ON a.id = p.account_id LEFT JOIN members m ON m.id = "
                 "a.member_id WHERE x.course_id = c.id AND (substr(m.org_path, 1, length(?)) = ? "
                 "OR "
                 "EXISTS (SELECT 1 FROM roles r JOIN orgs ro ON ro.id = r.org_id WHERE "
                 "r.account_id = "
                 "a.id AND r.deleted_at IS NULL AND r.role <> 'member' AND substr(ro.path, 1, "
                 "length(?)) = ?)) GROUP BY p.account_id HAVING COUNT(*) = (SELECT COUNT(*) FROM "
                 "course_lessons y" LIVE_LESSON(
                     "y") " WHERE y.course_id = c.id)) done) FROM courses c WHERE c.deleted_at IS "
                          "NULL AND c.state = 'published' AND c.review IS NULL AND (? IS NULL OR "
                          "c.track = ?) AND "
                          "(substr(c.org_path, 1, length(?)) = ? OR substr(?, 1, "
                          "length(c.org_path)) = "
                          "c.org_path) ORDER BY c.id DESC LIMIT 100",
        "sssssssssss", path, path, path, path, path, path, track, track, path, path, path);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "title", db_text(st, 1));
        jw_kv_str(j, "track", db_text(st, 2));
        jw_kv_int(j, "followers", db_int(st, 3));
        jw_kv_int(j, "completed", db_int(st, 4));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

static const char *const review_types[] = {"lesson", "course", "bank", "quiz", NULL};

static const struct param reviews_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"type", P_ENUM, 0, 0, 0, review_types},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/learning/reviews?orgId=&type=&after=&limit= -> {items, next}:
 * the items of type (lesson: LESSON, the default; course: COURSE; bank: the
 * bank's summary; quiz: QUIZ) waiting for review in orgId's subtree, oldest
 * first. learning.publish on orgId.
 */
static int h_reviews(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    const char *type = req_query_str(req, "type");
    struct page pg;
    page_begin(req, &pg);
    if (type && (!strcmp(type, "bank") || !strcmp(type, "quiz")))
        return learn_quiz_reviews(req, &pg, path, after, !strcmp(type, "bank"));
    struct db_stmt *st;
    if (type && !strcmp(type, "course")) {
        struct learn_scope s;
        learn_scope_of(req, &s);
        st = db_query(req->db,
                      "SELECT " COURSE_COLUMNS COURSE_FROM
                      "WHERE c.review = 'review' AND c.deleted_at IS NULL AND "
                      "substr(c.org_path, 1, length(?)) = ? AND c.id > ? ORDER BY c.id LIMIT ?",
                      "issii", req->who->account_id, path, path, after, (int64_t)pg.limit + 1);
        while (page_next(&pg, st)) {
            jw_obj_begin(pg.j);
            write_course_head(req, pg.j, st, &s.inside);
            jw_obj_end(pg.j);
            page_mark_id(&pg, db_int(st, COURSE_COL_ID));
        }
        return page_end(&pg, st);
    }
    st = db_query(req->db,
                  "SELECT " LESSON_COLUMNS LESSON_FROM
                  "WHERE l.state = 'review' AND l.deleted_at IS NULL AND "
                  "substr(l.org_path, 1, length(?)) = ? AND l.id > ? ORDER BY "
                  "l.id LIMIT ?",
                  "issii", req->who->account_id, path, path, after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        write_lesson(req, pg.j, st, true);
        page_mark_id(&pg, db_int(st, LESSON_COL_ID));
    }
    return page_end(&pg, st);
}

const struct route learning_routes[] = {
    {"POST", "/api/v1/lessons", h_lesson_create, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH, "orgId",
     NULL, lesson_body, 0},
    {"GET", "/api/v1/lessons", h_lesson_list, SCOPE_LOGIN, PERM_NONE, NULL, lesson_list_query, NULL,
     0},
    {"GET", "/api/v1/lessons/{id}", h_lesson_get, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     NULL, 0, &lesson_kind, PARTY_AUDIENCE},
    {"GET", "/api/v1/lessons/{id}/files/{id}", h_lesson_file, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, files_download_query, NULL, ROUTE_RAW, &lesson_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/lessons/{id}/progress", h_progress, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, progress_body, 0, &lesson_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/lessons/{id}/approve", h_approve, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, NULL, 0, &lesson_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/lessons/{id}/reject", h_reject, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, learn_reject_body, 0, &lesson_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/learning/review", h_review_set, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH,
     "orgId", NULL, review_setting_body, 0},
    {"GET", "/api/v1/learning/review", h_review_get, SCOPE_QUERY_ORG, PERM_LEARNING_PUBLISH,
     "orgId", review_get_query, NULL, 0},
    {"GET", "/api/v1/learning/reviews", h_reviews, SCOPE_QUERY_ORG, PERM_LEARNING_PUBLISH, "orgId",
     reviews_query, NULL, 0},
    {"DELETE", "/api/v1/lessons/{id}", h_lesson_withdraw, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, NULL, 0, &lesson_kind},
    {"POST", "/api/v1/courses", h_course_create, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH, "orgId",
     NULL, course_body, 0},
    {"GET", "/api/v1/courses", h_course_list, SCOPE_LOGIN, PERM_NONE, NULL, course_list_query, NULL,
     0},
    {"GET", "/api/v1/courses/{id}", h_course_get, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     NULL, 0, &course_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/courses/{id}/approve", h_course_approve, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, NULL, NULL, 0, &course_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/courses/{id}/reject", h_course_reject, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, NULL, learn_reject_body, 0, &course_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/courses/{id}/follow", h_follow, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, NULL, 0, &course_kind, PARTY_AUDIENCE},
    {"DELETE", "/api/v1/courses/{id}/follow", h_unfollow, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, NULL, 0, &course_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/course-recommendations", h_recommend, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH,
     "orgId", NULL, recommend_body, 0},
    {"GET", "/api/v1/me/learning", h_me, SCOPE_LOGIN, PERM_NONE, NULL, NULL, NULL, 0},
    {"GET", "/api/v1/learning/figures", h_figures, SCOPE_QUERY_ORG, PERM_LEARNING_PUBLISH, "orgId",
     figures_query, NULL, 0},
    {NULL},
};
