/*
 * posts.c - members share short news with their branch; branches publish
 * experience posts (经验交流) to their sibling branches or the whole county;
 * comments; reports; review (信息审核) and corrections.
 *
 * Review rule: a post waits in the review queue of its organisation when
 * its text contains a word of the deployment's word list (flagged, never
 * dropped), or when its author has no published post yet and cannot review
 * there themself. Reviewers (post.review) approve, reject with a reason,
 * attach an official clarification, or mark a published post false with a
 * correction. Everything they do is audited.
 *
 * Seen by: the first time an account is shown a published post (listed in
 * GET /posts or opened with GET /posts/{id}) a post_seen row records it, in
 * the same request. A clarification or a finding of "false" then reaches
 * exactly those accounts (GET /me/corrections); later readers see the mark
 * on the post itself.
 */
#include "app.h"
#include "core/live.h"
#include "core/roster.h"
#include "mod/access.h"
#include "mod/files.h"
#include "mod/orgs.h"
#include "mod/search.h"
#include "mod/sms.h"
#include "routes.h"

static const char *const post_kinds[] = {"news", "experience", NULL};
static const char *const post_visibilities[] = {"branch", "siblings", "county", NULL};
static const char *const review_decisions[] = {"approve", "reject", "clarify", "false", NULL};

/* ---- live events: the lead connects these to the event stream ---- */

/* ---- live events (src/core/live.h): part of the writing transaction ---- */

/* A review decision: the author learns it at once. */
static void posts_live_decision(struct db *db, int64_t post_id, const char *decision)
{
    int64_t author = 0;
    if (!db_get_int(db, &author, "SELECT author_id FROM posts WHERE id = ?", "i", post_id))
        return;
    char data[96];
    jw_small(data, sizeof(data), "is", "postId", post_id, "decision", decision);
    live_publish(db, "post", NULL, 0, author, data);
}

/* A correction or clarification was delivered: each account that saw the
 * post and has it unread (the rows this transaction wrote among them). */
static void posts_live_correction(struct db *db, int64_t post_id, const char *kind)
{
    char data[96];
    jw_small(data, sizeof(data), "is", "postId", post_id, "correction", kind);
    struct db_stmt *st = db_query(db,
                                  "SELECT DISTINCT account_id FROM post_corrections WHERE post_id "
                                  "= ? AND kind = ? AND read_at IS NULL AND created_at >= ?",
                                  "isi", post_id, kind, now_sec() - 60);
    int64_t accounts[512];
    size_t n = 0;
    bool more = true;
    while (more) {
        n = 0;
        while (n < ARRAY_SIZE(accounts) && (more = db_next(st)))
            accounts[n++] = db_int(st, 0);
        for (size_t i = 0; i < n; i++)
            live_publish(db, "post", NULL, 0, accounts[i], data);
    }
    db_done(st);
}

/* ---- helpers ---- */

/*
 * The GETs that record who saw what: fn lists the published posts it showed
 * with seen_add(); then, only when one of them was not seen by the caller
 * before, a write after the read's commit (req_after_commit) records them. A
 * post shown without its mark that was marked false or clarified in between
 * gets its correction delivered to the caller at once, as if the seen row
 * had been there. A failed write answers an error: the view is not
 * acknowledged unrecorded.
 */
struct seen_list {
    int64_t ids[200];
    bool marked_false[200], clarified[200]; /* as shown */
    int n;
};

static int seen_record(struct req *req, void *arg)
{
    struct seen_list *seen = arg;
    struct db_list ids, unmarked, unclarified;
    db_list_init(&ids, &req->arena);
    db_list_init(&unmarked, &req->arena);
    db_list_init(&unclarified, &req->arena);
    for (int i = 0; i < seen->n; i++) {
        db_list_int(&ids, seen->ids[i]);
        if (!seen->marked_false[i])
            db_list_int(&unmarked, seen->ids[i]);
        if (!seen->clarified[i])
            db_list_int(&unclarified, seen->ids[i]);
    }
    int64_t now = now_sec(), me = req->who->account_id;
    db_exec(req->db,
            "INSERT INTO post_corrections (post_id, account_id, kind, text, created_at) SELECT "
            "p.id, ?, 'false', p.correction, ? FROM posts p JOIN {list} j ON j.value = p.id "
            "WHERE p.false_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM post_seen s WHERE "
            "s.post_id = p.id AND s.account_id = ?)",
            "iili", me, now, &unmarked, me);
    db_exec(req->db,
            "INSERT INTO post_corrections (post_id, account_id, kind, text, created_at) SELECT "
            "p.id, ?, 'clarification', p.clarification, ? FROM posts p JOIN {list} j ON "
            "j.value = p.id WHERE p.clarified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            "post_seen s WHERE s.post_id = p.id AND s.account_id = ?)",
            "iili", me, now, &unclarified, me);
    db_exec(req->db,
            "INSERT INTO post_seen (post_id, account_id, seen_at) SELECT j.value, ?, ? FROM "
            "{list} j WHERE true ON CONFLICT DO NOTHING",
            "iil", me, now, &ids);
    if (db_changes(req->db))
        access_acted(req->db, me, now);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT post_id, kind FROM post_corrections WHERE account_id = ? "
                                  "AND created_at = ? AND post_id IN (SELECT value FROM "
                                  "{list})",
                                  "iil", me, now, &ids);
    while (db_next(st)) /* corrections delivered just now, to this reader */
        posts_live_correction(req->db, db_int(st, 0), db_text(st, 1));
    db_done(st);
    return 200;
}

static int with_seen(struct req *req, int (*fn)(struct req *, struct seen_list *))
{
    struct seen_list *seen = arena_calloc(&req->arena, 1, sizeof(*seen));
    int rc = fn(req, seen);
    if (rc >= 400 || !seen->n)
        return rc;
    struct db_list ids;
    db_list_init(&ids, &req->arena);
    for (int i = 0; i < seen->n; i++)
        db_list_int(&ids, seen->ids[i]);
    int64_t unseen = 0;
    db_get_int(req->db, &unseen,
               "SELECT COUNT(*) FROM {list} j WHERE NOT EXISTS (SELECT 1 FROM "
               "post_seen s WHERE s.post_id = j.value AND s.account_id = ?)",
               "li", &ids, req->who->account_id);
    if (unseen)
        req_after_commit(req, seen_record, seen);
    return rc;
}

/* The words of the word list in text, comma-separated (arena), or NULL. */
static const char *flagged_words(struct req *req, const char *a, const char *b)
{
    struct buf out;
    buf_init_arena(&out, &req->arena);
    /* The list is short; matched here, ASCII letters in any case. */
    struct db_stmt *st = db_query(req->db, "SELECT word FROM word_list ORDER BY id", "");
    while (db_next(st)) {
        const char *w = db_text(st, 0);
        if (!strcasestr(a, w) && !(b && strcasestr(b, w)))
            continue;
        if (out.len)
            buf_addch(&out, ',');
        buf_addstr(&out, w);
    }
    db_done(st);
    return out.len ? out.data : NULL;
}

/* Normalises "a, b，c" into ",a,b,c," (at most 5 tags of 1..10 characters);
 * NULL when none; *bad when a tag is too long or there are too many. */
static const char *tags_normalise(struct req *req, const char *s, bool *bad)
{
    *bad = false;
    if (!s)
        return NULL;
    struct buf out;
    buf_init_arena(&out, &req->arena);
    buf_addch(&out, ',');
    int n = 0;
    const char *p = s;
    while (*p) {
        /* separators: ',', ' ', '，' (EF BC 8C), '、' (E3 80 81) */
        size_t skip = *p == ',' || *p == ' '                                             ? 1
                      : !strncmp(p, "\xef\xbc\x8c", 3) || !strncmp(p, "\xe3\x80\x81", 3) ? 3
                                                                                         : 0;
        if (skip) {
            p += skip;
            continue;
        }
        const char *start = p;
        long chars = 0;
        while (*p && *p != ',' && *p != ' ' && strncmp(p, "\xef\xbc\x8c", 3) &&
               strncmp(p, "\xe3\x80\x81", 3)) {
            if (((unsigned char)*p & 0xc0) != 0x80)
                chars++;
            p++;
        }
        if (chars > 10 || ++n > 5) {
            *bad = true;
            return NULL;
        }
        buf_add(&out, start, (size_t)(p - start));
        buf_addch(&out, ',');
    }
    return n ? out.data : NULL;
}

/* Writes a comma-separated list as a JSON array of strings. */
static void list_write(struct jw *j, const char *key, const char *s)
{
    jw_key(j, key);
    jw_arr_begin(j);
    while (s && *s) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        if (n)
            jw_strn(j, s, n);
        s = c ? c + 1 : s + n;
    }
    jw_arr_end(j);
}

#define POST_COLS(F, C)                                                                            \
    F(POST_COL_ID, "p.id")                                                                         \
    C(POST_COL_KIND, "p.kind")                                                                     \
    C(POST_COL_ORG_ID, "p.org_id")                                                                 \
    C(POST_COL_ORG_NAME, "o.name")                                                                 \
    C(POST_COL_VISIBILITY, "p.visibility")                                                         \
    C(POST_COL_AUTHOR_ID, "p.author_id")                                                           \
    C(POST_COL_AUTHOR_NAME, "a.name")                                                              \
    C(POST_COL_TITLE, "p.title")                                                                   \
    C(POST_COL_TEXT, "p.text")                                                                     \
    C(POST_COL_PHOTOS, "p.photos")                                                                 \
    C(POST_COL_TAGS, "p.tags")                                                                     \
    C(POST_COL_STATE, "p.state")                                                                   \
    C(POST_COL_FLAGGED_WORDS, "p.flagged_words")                                                   \
    C(POST_COL_REVIEW_REASON, "p.review_reason")                                                   \
    C(POST_COL_REJECT_REASON, "p.reject_reason")                                                   \
    C(POST_COL_CLARIFICATION, "p.clarification")                                                   \
    C(POST_COL_CLARIFIED_AT, "p.clarified_at")                                                     \
    C(POST_COL_FALSE_AT, "p.false_at")                                                             \
    C(POST_COL_CORRECTION, "p.correction")                                                         \
    C(POST_COL_COMMENTS, "p.comments")                                                             \
    C(POST_COL_CREATED_AT, "p.created_at")                                                         \
    C(POST_COL_ORG_PATH, "p.org_path")                                                             \
    C(POST_COL_REVIEWED_AT, "p.reviewed_at")
enum post_col { DB_COLUMN_ENUM(POST_COLS) };
#define POST_COLUMNS DB_COLUMNS(POST_COLS)
#define POST_FROM                                                                                  \
    " FROM posts p JOIN orgs o ON o.id = p.org_id JOIN accounts a ON a.id = p.author_id "

/* The post object; reviewer: also the review details (flagged words). */
static void post_write(struct req *req, struct jw *j, struct db_stmt *st, bool reviewer)
{
    bool mine = db_int(st, POST_COL_AUTHOR_ID) == req->who->account_id;
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, POST_COL_ID));
    jw_kv_str(j, "kind", db_text(st, POST_COL_KIND));
    jw_kv_int(j, "orgId", db_int(st, POST_COL_ORG_ID));
    jw_kv_str(j, "orgName", db_text(st, POST_COL_ORG_NAME));
    jw_kv_str(j, "visibility", db_text(st, POST_COL_VISIBILITY));
    jw_kv_str(j, "authorName", db_text(st, POST_COL_AUTHOR_NAME));
    jw_kv_bool(j, "mine", mine);
    jw_kv_str(j, "title", db_text(st, POST_COL_TITLE));
    jw_kv_str(j, "text", db_text(st, POST_COL_TEXT));
    list_write(j, "photos", db_text(st, POST_COL_PHOTOS));
    files_write_attached(req, j, "photoFiles", "post", db_int(st, POST_COL_ID));
    list_write(j, "tags", db_text(st, POST_COL_TAGS));
    jw_kv_str(j, "state", db_text(st, POST_COL_STATE));
    if (mine || reviewer) {
        jw_kv_str(j, "reviewReason", db_text(st, POST_COL_REVIEW_REASON));
        jw_kv_str(j, "rejectReason", db_text(st, POST_COL_REJECT_REASON));
    }
    if (reviewer)
        list_write(j, "flaggedWords", db_text(st, POST_COL_FLAGGED_WORDS));
    jw_kv_str(j, "clarification", db_text(st, POST_COL_CLARIFICATION));
    jw_kv_time(j, "clarifiedAt", db_int(st, POST_COL_CLARIFIED_AT));
    jw_kv_bool(j, "isFalse", !db_isnull(st, POST_COL_FALSE_AT));
    jw_kv_time(j, "falseAt", db_int(st, POST_COL_FALSE_AT));
    jw_kv_str(j, "correction", db_text(st, POST_COL_CORRECTION));
    jw_kv_int(j, "comments", db_int(st, POST_COL_COMMENTS));
    jw_kv_time(j, "createdAt", db_int(st, POST_COL_CREATED_AT));
}

/* Notes a published post shown to the caller (recorded by with_seen). */
static void seen_add(struct seen_list *seen, int64_t post, bool marked_false, bool clarified)
{
    if (seen->n < (int)ARRAY_SIZE(seen->ids)) {
        seen->marked_false[seen->n] = marked_false;
        seen->clarified[seen->n] = clarified;
        seen->ids[seen->n++] = post;
    }
}

/* A post: on its organisation; its author, and once published its audience,
 * are parties. */
static bool post_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT org_id, org_path, author_id, audience_path, state = "
                                  "'published' FROM posts WHERE id = ? AND deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st), published = false;
    const char *audience = NULL;
    if (found) {
        req_locate_row(req, st, o, false);
        o->party = db_int(st, 2) == req->who->account_id ? PARTY_AUTHOR : 0;
        audience = arena_strdup(&req->arena, db_text(st, 3));
        published = db_int(st, 4) != 0;
    }
    db_done(st);
    if (published && audience_sees(req, audience))
        o->party |= PARTY_AUDIENCE;
    return found;
}

/* Seen by reviewers of its organisation, its author and, once published,
 * its audience; reviewing it needs post.review (403 to those who only see it). */
static const struct object_kind post_kind = {
    .name = "post",
    .not_found = ERR_POST_NOT_FOUND,
    .see_perm = PERM_POST_REVIEW,
    .see_party = PARTY_AUTHOR | PARTY_AUDIENCE,
    .forbidden = ERR_FORBIDDEN,
    .locate = post_locate,
};

/* The post of an object route (authorised by the dispatcher): its state and
 * whether the caller reviews it. 0 or post.not_found. */
static int post_get(struct req *req, int64_t id, bool *reviewer, const char **state)
{
    const char *path = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT state, org_path FROM posts WHERE id = ? AND deleted_at "
                                  "IS NULL",
                                  "i", id);
    if (db_next(st)) {
        *state = arena_strdup(&req->arena, db_text(st, 0));
        path = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    if (!path)
        return req_fail(req, ERR_POST_NOT_FOUND, NULL);
    *reviewer = principal_can(req->who, PERM_POST_REVIEW, path);
    return 0;
}

/* Writes the post with its comments; returns status. */
static int post_respond(struct req *req, int64_t id, bool reviewer, int status)
{
    struct jw *j = req_data(req);
    struct db_stmt *st =
        db_query(req->db, "SELECT " POST_COLUMNS POST_FROM "WHERE p.id = ?", "i", id);
    if (!db_next(st)) {
        db_done(st);
        BUG("post %" PRId64 " vanished", id);
    }
    post_write(req, j, st, reviewer);
    db_done(st);
    jw_key(j, "commentList");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT c.id, a.name, c.text, c.created_at FROM post_comments c JOIN accounts a "
                  "ON a.id = c.author_id WHERE c.post_id = ? ORDER BY c.id LIMIT 500",
                  "i", id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "authorName", db_text(st, 1));
        jw_kv_str(j, "text", db_text(st, 2));
        jw_kv_time(j, "createdAt", db_int(st, 3));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return status;
}

/* The search index entry of a post: there while published. */
static void post_index(struct req *req, int64_t id)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT kind, org_id, org_path, audience_path, title, text, "
                                  "created_at, state, deleted_at FROM posts WHERE id = ?",
                                  "i", id);
    if (db_next(st) && !strcmp(db_text(st, 7), "published") && db_isnull(st, 8)) {
        const char *kind = arena_strdup(&req->arena, db_text(st, 0));
        int64_t org = db_int(st, 1), created = db_int(st, 6);
        const char *path = arena_strdup(&req->arena, db_text(st, 2));
        const char *aud = arena_strdup(&req->arena, db_text(st, 3));
        const char *title = arena_strdup(&req->arena, db_text(st, 4));
        const char *text = arena_strdup(&req->arena, db_text(st, 5));
        db_done(st);
        search_index_put_doc(req->db, kind, id, org, path, aud, 0, title, text, created);
        return;
    }
    const char *kind = db_text(st, 0) ? arena_strdup(&req->arena, db_text(st, 0)) : NULL;
    db_done(st);
    if (kind)
        search_index_drop(req->db, kind, id);
}

/* ---- writing posts ---- */

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"kind", P_ENUM, P_REQUIRED, 0, 0, post_kinds},
    {"visibility", P_ENUM, 0, 0, 0, post_visibilities},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 60},
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 2000},
    {"photos", P_STR, 0, 0, 500},
    {"photoIds", P_IDS, 0, 0, 9},
    {"tags", P_STR, 0, 0, 100},
    {NULL},
};

/* The audience path of a post of org at path: the branch, its parent, or
 * the county above it (the root when there is none). */
static const char *audience_for(struct req *req, const char *path, const char *visibility)
{
    if (!strcmp(visibility, "branch"))
        return path;
    if (!strcmp(visibility, "siblings")) {
        size_t n = strlen(path);
        char *p = arena_strdup(&req->arena, path);
        if (n < 2)
            return p;
        char *slash = p + n - 2;
        while (slash > p && *slash != '/')
            slash--;
        slash[1] = '\0';
        return p;
    }
    const char *county = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT path FROM orgs WHERE substr(?, 1, length(path)) = path "
                                  "AND (level = 'county' OR parent_id IS NULL) ORDER BY depth DESC "
                                  "LIMIT 1",
                                  "s", path);
    if (db_next(st))
        county = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    return county ? county : path;
}

/* Who may post kind news (or experience) in org: news from a member of the
 * branch or its leaders, experience from its leaders. 0 with *path set, or
 * org.not_found (org out of sight) / auth.forbidden (seen, not allowed). */
static int post_may_create(struct req *req, int64_t org, bool news, const char **path)
{
    int64_t my_branch = 0;
    if (req->who->member_id)
        db_get_int(req->db, &my_branch,
                   "SELECT org_id FROM members WHERE id = ? AND deleted_at IS NULL AND status "
                   "IN " ROSTER_STATUSES,
                   "i", req->who->member_id);
    *path = org_path(req->db, &req->arena, org);
    bool leader = *path && principal_can(req->who, PERM_CHANNEL_ANSWER, *path);
    if (!*path || (!leader && my_branch != org && !principal_can(req->who, PERM_ORG_READ, *path)))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (!leader && (!news || my_branch != org))
        return req_fail(req, ERR_FORBIDDEN, "only the branch's leaders publish %s here",
                        news ? "news" : "experience posts");
    return 0;
}

/* The visibility (defaulted), text, title and tags of a new post; 0 or a
 * field error. */
static int post_fields_check(struct req *req, bool news, const char **vis, const char **tags)
{
    *vis = req_body_str(req, "visibility");
    if (!*vis)
        *vis = news ? "branch" : "siblings";
    if (news && strcmp(*vis, "branch"))
        return req_fail_field(req, ERR_INVALID, "visibility", "news is for the branch only");
    bool bad;
    *tags = tags_normalise(req, req_body_str(req, "tags"), &bad);
    if (bad)
        return req_fail_field(req, ERR_INVALID, "tags", "at most 5 tags of 1 to 10 characters");
    return 0;
}

/*
 * POST /api/v1/posts {orgId, kind: news | experience, visibility, title,
 * text, photos: "ref,ref", photoIds: [stored images, at most 9], tags: "a,b"}
 * -> 201 the post (state published, or
 * pending when it waits for review). news: a member of the branch orgId (or
 * channel.answer there), visible to the branch; experience: channel.answer
 * on orgId, visibility siblings (default) or county. Errors: org.not_found,
 * request.invalid (blank text, tags, news with another visibility),
 * auth.forbidden (a member posting experience), file.not_found,
 * file.not_attachable, request.invalid (photoIds: not an image).
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    const char *kind = req_body_str(req, "kind"), *path, *vis, *tags;
    bool news = !strcmp(kind, "news");
    int rc = post_may_create(req, org, news, &path);
    if (rc || (rc = post_fields_check(req, news, &vis, &tags)))
        return rc;
    const char *photos = req_body_str(req, "photos");
    if (photos && !*photos)
        photos = NULL;
    const struct value *photo_ids = req_body(req, "photoIds");
    for (size_t i = 0; i < photo_ids->n; i++) {
        struct file_info info;
        if ((rc = files_check_attachable(req, photo_ids->ids[i], path, "photoIds", &info)))
            return rc;
        if (strcmp(info.kind, "image"))
            return req_fail_field(req, ERR_INVALID, "photoIds", "file %" PRId64 " is not an image",
                                  photo_ids->ids[i]);
    }
    const char *flags = flagged_words(req, req_body_str(req, "title"), req_body_str(req, "text"));
    int64_t published = 0;
    db_get_int(req->db, &published,
               "SELECT COUNT(*) FROM posts WHERE author_id = ? AND state = 'published' AND "
               "deleted_at IS NULL",
               "i", req->who->account_id);
    bool reviewer = principal_can(req->who, PERM_POST_REVIEW, path);
    const char *reason = flags ? "word_list" : !published && !reviewer ? "new_author" : NULL;
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO posts (org_id, org_path, audience_path, kind, visibility, author_id, "
            "title, text, photos, tags, state, flagged_words, review_reason, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "issssisssssssiii", org, path, audience_for(req, path, vis), kind, vis,
            req->who->account_id, req_body_str(req, "title"), req_body_str(req, "text"), photos,
            tags, reason ? "pending" : "published", flags, reason, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    for (size_t i = 0; i < photo_ids->n; i++)
        files_attach(req, photo_ids->ids[i], "post", id);
    post_index(req, id);
    if (flags)
        req_audit(req, "post.flagged", org, arena_printf(&req->arena, "post:%" PRId64, id), "ok",
                  "word list");
    return post_respond(req, id, reviewer, 201);
}

/* ---- reading ---- */

static const struct param list_query[] = {
    {"kind", P_ENUM, 0, 0, 0, post_kinds},
    {"orgId", P_ID},
    {"tag", P_STR, 0, 1, 10},
    PAGE_PARAMS,
    {NULL},
};

/*
 * For a caller whose roles all sit on branches or below (members, branch
 * leaders): every audience path they see, as a list — each prefix of
 * their branch's and roles' paths (inside) and every organisation under their
 * roles (above). The feed then reads their posts through the audience index
 * instead of walking all posts. NULL for a caller with a role higher up, who
 * sees a large share of the posts anyway.
 */
static const struct db_list *narrow_audiences(struct req *req)
{
    const struct principal *p = req->who;
    for (size_t i = 0; i < p->nroles; i++) {
        const char *lv = p->roles[i].org_level;
        if (!lv || (strcmp(lv, "branch") && strcmp(lv, "general_branch") && strcmp(lv, "group")))
            return NULL;
    }
    struct db_list *l = arena_alloc(&req->arena, sizeof(*l));
    db_list_init(l, &req->arena);
    const char *member_path = NULL;
    if (p->member_id) {
        struct db_stmt *st =
            db_query(req->db, "SELECT org_path FROM members WHERE id = ? AND deleted_at IS NULL",
                     "i", p->member_id);
        if (db_next(st))
            member_path = arena_strdup(&req->arena, db_text(st, 0));
        db_done(st);
    }
    for (size_t i = 0; i <= p->nroles; i++) {
        const char *path = i < p->nroles ? p->roles[i].org_path : member_path;
        if (!path)
            continue;
        for (size_t k = 1; path[k]; k++)
            if (path[k] == '/')
                db_list_strn(l, path, k + 1);
        if (i == p->nroles)
            break;
        struct db_stmt *st =
            db_query(req->db, "SELECT path FROM orgs WHERE path > ? AND path < ? LIMIT 1000", "ss",
                     path, org_path_end(&req->arena, path));
        while (db_next(st))
            db_list_str(l, db_text(st, 0));
        db_done(st);
    }
    return l;
}

/* The feed's filters: after, kind, orgId subtree, tag. */
#define LIST_FILTERS                                                                               \
    "p.deleted_at IS NULL AND (? = 0 OR p.id < ?) AND p.kind = COALESCE(?, p.kind) AND (? IS "     \
    "NULL OR (p.org_path >= ? AND p.org_path < ?)) AND (? IS NULL OR p.tags LIKE '%,' || ? || "    \
    "',%') "

static int list_run(struct req *req, struct seen_list *seen)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct audience a;
    audience_of(req, &a);
    int64_t org = req_query_int(req, "orgId", 0), ok = 0;
    const char *path = org ? org_path(req->db, &req->arena, org) : NULL;
    /* A filter names an organisation within the caller's reach: inside one of
     * their organisations, or in the same county (posts go at most to a
     * county), never a party group; anything else answers as missing. */
    if (path)
        db_get_int(req->db, &ok,
                   "SELECT (SELECT level FROM orgs WHERE id = ?) <> 'group' AND (EXISTS (SELECT 1 "
                   "FROM {list} v WHERE substr(?, 1, length(v.value)) = v.value) OR EXISTS "
                   "(SELECT 1 FROM {list} v JOIN orgs c ON c.level = 'county' AND c.deleted_at "
                   "IS NULL AND substr(v.value, 1, length(c.path)) = c.path WHERE substr(?, 1, "
                   "length(c.path)) = c.path))",
                   "ilsls", org, &a.inside, path, &a.inside, path);
    if (org && !ok)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *tag = req_query_str(req, "tag");
    const struct db_list *review = perm_paths(req, PERM_POST_REVIEW);
    struct page pg;
    page_begin(req, &pg);
    const struct db_list *narrow = narrow_audiences(req);
    const char *kind = req_query_str(req, "kind"),
               *end = path ? org_path_end(&req->arena, path) : NULL;
    struct db_stmt *st;
    if (narrow)
        st = db_query(req->db,
                      "SELECT " POST_COLUMNS POST_FROM
                      "WHERE p.id IN (SELECT id FROM posts WHERE audience_path IN (SELECT value "
                      "FROM {list}) AND state = 'published' UNION ALL SELECT id FROM posts "
                      "WHERE author_id = ?) AND " LIST_FILTERS "ORDER BY p.id DESC LIMIT ?",
                      "liiissssssi", narrow, req->who->account_id, after, after, kind, path, path,
                      end, tag, tag, (int64_t)pg.limit + 1);
    else
        st = db_query(req->db,
                      "SELECT " POST_COLUMNS POST_FROM "WHERE (p.author_id = ? OR (p.state = "
                      "'published' AND " AUDIENCE_SQL(
                          "p.audience_path") ")) AND " LIST_FILTERS "ORDER BY p.id DESC LIMIT ?",
                      "illiissssssi", req->who->account_id, &a.inside, &a.above, after, after, kind,
                      path, path, end, tag, tag, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        bool reviewer = false;
        struct db_stmt *chk = db_query(req->db,
                                       "SELECT EXISTS (SELECT 1 FROM {list} r WHERE "
                                       "substr(?, 1, length(r.value)) = r.value)",
                                       "ls", review, db_text(st, POST_COL_ORG_PATH));
        if (db_next(chk))
            reviewer = db_int(chk, 0) != 0;
        db_done(chk);
        post_write(req, pg.j, st, reviewer);
        jw_obj_end(pg.j);
        if (!strcmp(db_text(st, POST_COL_STATE), "published"))
            seen_add(seen, db_int(st, POST_COL_ID), !db_isnull(st, POST_COL_FALSE_AT),
                     !db_isnull(st, POST_COL_CLARIFIED_AT));
        page_mark_id(&pg, db_int(st, POST_COL_ID));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/posts?kind=&orgId=&tag=&after=&limit= -> {items, next}: the
 * posts the caller sees, newest first: published ones of an audience they
 * are inside or above, and their own in any state. orgId: only posts of
 * that subtree. Listing a published post records that the caller saw it.
 * Any logged-in caller. Errors: org.not_found.
 */
static int h_list(struct req *req)
{
    return with_seen(req, list_run);
}

static int get_run(struct req *req, struct seen_list *seen)
{
    bool reviewer;
    const char *state;
    int rc = post_get(req, req_id(req), &reviewer, &state);
    if (rc)
        return rc;
    if (!strcmp(state, "published")) {
        int64_t f = 0, c = 0;
        struct db_stmt *st = db_query(
            req->db,
            "SELECT false_at IS NOT NULL, clarified_at IS NOT NULL FROM posts WHERE id = ?", "i",
            req_id(req));
        if (db_next(st)) {
            f = db_int(st, 0);
            c = db_int(st, 1);
        }
        db_done(st);
        seen_add(seen, req_id(req), f, c);
    }
    return post_respond(req, req_id(req), reviewer, 200);
}

/*
 * GET /api/v1/posts/{id} -> the post with commentList. The author, a
 * reviewer, or its audience once published (recorded as seen). Errors:
 * post.not_found.
 */
static int h_get(struct req *req)
{
    return with_seen(req, get_run);
}

static const struct param comment_body[] = {
    {"text", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 500},
    {NULL},
};

/*
 * POST /api/v1/posts/{id}/comments {text} -> 201 the post with commentList.
 * Whoever sees a published post. Errors: post.not_found, post.state (not
 * published), request.invalid.
 */
static int h_comment(struct req *req)
{
    int64_t id = req_id(req);
    bool reviewer;
    const char *state;
    int rc = post_get(req, id, &reviewer, &state);
    if (rc)
        return rc;
    if (strcmp(state, "published"))
        return req_fail(req, ERR_POST_STATE, "comments open when the post is published");
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO post_comments (post_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
            "iisi", id, req->who->account_id, req_body_str(req, "text"), now);
    db_exec(req->db,
            "UPDATE posts SET comments = comments + 1, updated_at = ?, seq = ? WHERE id = ?", "iii",
            now, db_next_seq(req->db), id);
    return post_respond(req, id, reviewer, 201);
}

static const struct param report_body[] = {
    {"reason", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {NULL},
};

/*
 * POST /api/v1/posts/{id}/reports {reason} -> 201 {id, postId, reason,
 * createdAt}: the post goes to its organisation's review queue. Whoever
 * sees it. Errors: post.not_found, post.reported (an open report of the
 * caller's exists), request.invalid.
 */
static int h_report(struct req *req)
{
    int64_t id = req_id(req);
    bool reviewer;
    const char *state;
    int rc = post_get(req, id, &reviewer, &state);
    if (rc)
        return rc;
    int64_t open = 0;
    db_get_int(req->db, &open,
               "SELECT COUNT(*) FROM post_reports WHERE post_id = ? AND account_id = ? AND "
               "resolved_at IS NULL",
               "ii", id, req->who->account_id);
    if (open)
        return req_fail(req, ERR_POST_REPORTED, NULL);
    int64_t now = now_sec();
    db_exec(
        req->db,
        "INSERT INTO post_reports (post_id, account_id, reason, created_at) VALUES (?, ?, ?, ?)",
        "iisi", id, req->who->account_id, req_body_str(req, "reason"), now);
    int64_t rid = db_last_id(req->db);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", rid);
    jw_kv_int(j, "postId", id);
    jw_kv_str(j, "reason", req_body_str(req, "reason"));
    jw_kv_time(j, "createdAt", now);
    jw_obj_end(j);
    return 201;
}

/* ---- review ---- */

static const struct param queue_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/reviews?orgId=&after=&limit= -> {items: [post + {reports:
 * [{reason, createdAt}], openReports}], next}: the review queue of the
 * subtree, oldest first: posts waiting for review and published posts with
 * open reports. post.review on orgId. Errors: org.not_found.
 */
static int h_queue(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " POST_COLUMNS POST_FROM
        "WHERE p.org_path >= ? AND p.org_path < ? AND p.deleted_at IS NULL AND p.id > ? AND "
        "(p.state = 'pending' OR (p.state = 'published' AND EXISTS (SELECT 1 FROM post_reports r "
        "WHERE r.post_id = p.id AND r.resolved_at IS NULL))) ORDER BY p.id LIMIT ?",
        "ssii", path, org_path_end(&req->arena, path), after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        int64_t id = db_int(st, POST_COL_ID);
        post_write(req, pg.j, st, true);
        jw_key(pg.j, "reports");
        jw_arr_begin(pg.j);
        struct db_stmt *r = db_query(req->db,
                                     "SELECT reason, created_at FROM post_reports WHERE post_id = "
                                     "? AND resolved_at IS NULL ORDER BY id LIMIT 50",
                                     "i", id);
        int n = 0;
        while (db_next(r)) {
            jw_obj_begin(pg.j);
            jw_kv_str(pg.j, "reason", db_text(r, 0));
            jw_kv_time(pg.j, "createdAt", db_int(r, 1));
            jw_obj_end(pg.j);
            n++;
        }
        db_done(r);
        jw_arr_end(pg.j);
        jw_kv_int(pg.j, "openReports", n);
        jw_obj_end(pg.j);
        page_mark_id(&pg, id);
    }
    return page_end(&pg, st);
}

static const struct param review_body[] = {
    {"decision", P_ENUM, P_REQUIRED, 0, 0, review_decisions},
    {"reason", P_STR, P_NONBLANK, 1, 200},
    {"text", P_STR, P_MULTILINE | P_NONBLANK, 1, 1000},
    {NULL},
};

/* Tells by SMS (their choice permitting) each member whose account saw post
 * id that it was corrected or clarified (kind): once per post, kind and
 * member. The members are read first, then each message is queued. */
static void corrections_sms(struct req *req, int64_t id, const char *kind)
{
    const char *title = "";
    struct db_stmt *st = db_query(req->db, "SELECT title FROM posts WHERE id = ?", "i", id);
    if (db_next(st))
        title = arena_strdup(&req->arena, db_text(st, 0));
    db_done(st);
    struct buf members;
    buf_init_arena(&members, &req->arena);
    st = db_query(req->db,
                  "SELECT DISTINCT a.member_id FROM post_seen s JOIN accounts a ON a.id = "
                  "s.account_id WHERE s.post_id = ? AND a.member_id IS NOT NULL",
                  "i", id);
    while (db_next(st)) {
        int64_t m = db_int(st, 0);
        buf_add(&members, &m, sizeof(m));
    }
    db_done(st);
    const int64_t *m = (const void *)members.data; /* a buf is allocated aligned */
    const char *vars[4] = {title};
    for (size_t i = 0; i < members.len / sizeof(*m); i++)
        sms_to_member(
            req->db, m[i], SMS_CORRECTION, true, vars,
            arena_printf(&req->arena, "correction:%" PRId64 ":%s:m:%" PRId64, id, kind, m[i]));
}

/* Delivers a correction or clarification to every account that saw the
 * post (the author too, if they did); returns how many. */
static int64_t corrections_deliver(struct req *req, int64_t id, const char *kind, const char *text)
{
    db_exec(req->db,
            "INSERT INTO post_corrections (post_id, account_id, kind, text, created_at) SELECT "
            "post_id, account_id, ?, ?, ? FROM post_seen WHERE post_id = ?",
            "ssii", kind, text, now_sec(), id);
    int64_t n = db_changes(req->db);
    posts_live_correction(req->db, id, kind);
    corrections_sms(req, id, kind);
    return n;
}

/* Applies decision d to post id (in state, with open reports); *delivered
 * gets how many accounts a correction reached. 0 or the error status. */
static int review_apply(struct req *req, int64_t id, const char *d, const char *state, int64_t open,
                        int64_t *delivered)
{
    int64_t now = now_sec();
    const char *reason = req_body_str(req, "reason"), *text = req_body_str(req, "text");
    bool pending = !strcmp(state, "pending"), published = !strcmp(state, "published");
    bool is_false = !strcmp(d, "false");
    *delivered = 0;
    if (!strcmp(d, "approve")) {
        if (!pending && !(published && open))
            return req_fail(req, ERR_POST_STATE, "nothing waits for a decision on this post");
        db_exec(req->db, "UPDATE posts SET state = 'published' WHERE id = ?", "i", id);
        return 0;
    }
    if (!strcmp(d, "reject")) {
        if (!reason)
            return req_fail_field(req, ERR_INVALID, "reason", "a rejection needs a reason");
        if (!pending && !published)
            return req_fail(req, ERR_POST_STATE, "the post was rejected already");
        db_exec(req->db, "UPDATE posts SET state = 'rejected', reject_reason = ? WHERE id = ?",
                "si", reason, id);
        return 0;
    }
    if (!text)
        return req_fail_field(req, ERR_INVALID, "text", "the %s needs a text",
                              is_false ? "correction" : "clarification");
    if (!published)
        return req_fail(req, ERR_POST_STATE, "only a published post can be %s",
                        is_false ? "marked false" : "clarified");
    if (is_false) {
        int64_t already = 0;
        db_get_int(req->db, &already, "SELECT false_at IS NOT NULL FROM posts WHERE id = ?", "i",
                   id);
        if (already)
            return req_fail(req, ERR_POST_STATE, "the post is marked false already");
        db_exec(req->db, "UPDATE posts SET false_at = ?, correction = ? WHERE id = ?", "isi", now,
                text, id);
    } else {
        db_exec(req->db, "UPDATE posts SET clarification = ?, clarified_at = ? WHERE id = ?", "sii",
                text, now, id);
    }
    *delivered = corrections_deliver(req, id, is_false ? "false" : "clarification", text);
    return 0;
}

/*
 * POST /api/v1/posts/{id}/review {decision, reason, text} -> the post.
 * approve: a waiting post is published (or reports on a published one are
 * dismissed); reject {reason}: a waiting or published post is taken down;
 * clarify {text}: an official clarification is attached to a published
 * post and delivered to everyone who saw it; false {text}: the published
 * post is marked false with the correction, delivered to everyone who saw
 * it. Open reports are resolved by any decision. post.review on the post's
 * organisation; audited. Errors: post.not_found, auth.forbidden, post.state,
 * request.invalid (reason / text missing).
 */
static int h_review(struct req *req)
{
    int64_t id = req_id(req), now = now_sec();
    bool reviewer;
    const char *state;
    int rc = post_get(req, id, &reviewer, &state);
    if (rc)
        return rc;
    int64_t org = 0, open = 0, delivered;
    db_get_int(req->db, &org, "SELECT org_id FROM posts WHERE id = ?", "i", id);
    const char *d = req_body_str(req, "decision"), *reason = req_body_str(req, "reason");
    db_get_int(req->db, &open,
               "SELECT COUNT(*) FROM post_reports WHERE post_id = ? AND resolved_at IS NULL", "i",
               id);
    if ((rc = review_apply(req, id, d, state, open, &delivered)))
        return rc;
    db_exec(req->db,
            "UPDATE posts SET reviewed_by = ?, reviewed_at = ?, updated_at = ?, seq = ? WHERE id = "
            "?",
            "iiiii", req->who->account_id, now, now, db_next_seq(req->db), id);
    db_exec(req->db,
            "UPDATE post_reports SET resolved_at = ?, resolution = ? WHERE post_id = ? AND "
            "resolved_at IS NULL",
            "isi", now, d, id);
    post_index(req, id);
    req_audit(req, arena_printf(&req->arena, "post.review.%s", d), org,
              arena_printf(&req->arena, "post:%" PRId64, id), "ok",
              "%s%s; %" PRId64 " reports resolved; %" PRId64 " accounts notified",
              reason ? "reason: " : "", reason ? reason : "", open, delivered);
    posts_live_decision(req->db, id, d);
    return post_respond(req, id, true, 200);
}

/* ---- corrections delivered to me ---- */

/*
 * GET /api/v1/me/corrections?after=&limit= -> {items: [{id, postId,
 * postTitle, kind: false | clarification, text, createdAt, read}], unread,
 * next}: corrections of posts the caller had seen, newest first. Any
 * logged-in caller.
 */
static int h_my_corrections(struct req *req)
{
    int64_t after, unread = 0;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    db_get_int(req->db, &unread,
               "SELECT COUNT(*) FROM post_corrections WHERE account_id = ? AND read_at IS NULL",
               "i", req->who->account_id);
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT c.id, c.post_id, p.title, c.kind, c.text, c.created_at, c.read_at IS NOT NULL FROM "
        "post_corrections c JOIN posts p ON p.id = c.post_id WHERE c.account_id = ? AND (? = 0 OR "
        "c.id < ?) ORDER BY c.id DESC LIMIT ?",
        "iiii", req->who->account_id, after, after, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        jw_obj_begin(pg.j);
        jw_kv_int(pg.j, "id", db_int(st, 0));
        jw_kv_int(pg.j, "postId", db_int(st, 1));
        jw_kv_str(pg.j, "postTitle", db_text(st, 2));
        jw_kv_str(pg.j, "kind", db_text(st, 3));
        jw_kv_str(pg.j, "text", db_text(st, 4));
        jw_kv_time(pg.j, "createdAt", db_int(st, 5));
        jw_kv_bool(pg.j, "read", db_int(st, 6) != 0);
        jw_obj_end(pg.j);
        page_mark_id(&pg, db_int(st, 0));
    }
    db_done(st);
    jw_arr_end(pg.j);
    jw_kv_str(pg.j, "next", pg.more && pg.last ? cursor_encode(&req->arena, pg.last) : NULL);
    jw_kv_int(pg.j, "unread", unread);
    jw_obj_end(pg.j);
    return 200;
}

/*
 * POST /api/v1/me/corrections/{id}/read -> {id, read: true}. Only the
 * caller's own. Errors: post.correction_not_found.
 */
static int h_correction_read(struct req *req)
{
    db_exec(req->db,
            "UPDATE post_corrections SET read_at = COALESCE(read_at, ?) WHERE id = ? AND "
            "account_id = ?",
            "iii", now_sec(), req_id(req), req->who->account_id);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_POST_CORRECTION_NOT_FOUND, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", req_id(req));
    jw_kv_bool(j, "read", true);
    jw_obj_end(j);
    return 200;
}

/* ---- the word list ---- */

/*
 * GET /api/v1/wordlist -> {items: [{id, word, createdAt}]}: the deployment's
 * word list. wordlist.admin anywhere.
 */
static int h_words(struct req *req)
{
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    struct db_stmt *st =
        db_query(req->db, "SELECT id, word, created_at FROM word_list ORDER BY id LIMIT 5000", "");
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "word", db_text(st, 1));
        jw_kv_time(j, "createdAt", db_int(st, 2));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

static const struct param word_body[] = {
    {"word", P_STR, P_REQUIRED | P_NONBLANK, 1, 20},
    {NULL},
};

/*
 * POST /api/v1/wordlist {word} -> 201 {id, word, createdAt}: posts with the
 * word wait for review from now on. wordlist.admin anywhere; audited.
 * Errors: wordlist.exists, request.invalid.
 */
static int h_word_add(struct req *req)
{
    const char *w = req_body_str(req, "word");
    int64_t dup = 0, now = now_sec();
    db_get_int(req->db, &dup, "SELECT COUNT(*) FROM word_list WHERE lower(word) = lower(?)", "s",
               w);
    if (dup)
        return req_fail(req, ERR_WORD_EXISTS, NULL);
    db_exec(req->db, "INSERT INTO word_list (word, added_by, created_at) VALUES (?, ?, ?)", "sii",
            w, req->who->account_id, now);
    int64_t id = db_last_id(req->db);
    req_audit(req, "wordlist.add", 0, arena_printf(&req->arena, "word:%" PRId64, id), "ok", NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_kv_str(j, "word", w);
    jw_kv_time(j, "createdAt", now);
    jw_obj_end(j);
    return 201;
}

/*
 * DELETE /api/v1/wordlist/{id} -> {id, deleted: true}. wordlist.admin
 * anywhere; audited. Errors: wordlist.not_found.
 */
static int h_word_delete(struct req *req)
{
    db_exec(req->db, "DELETE FROM word_list WHERE id = ?", "i", req_id(req));
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_WORD_NOT_FOUND, NULL);
    req_audit(req, "wordlist.delete", 0, arena_printf(&req->arena, "word:%" PRId64, req_id(req)),
              "ok", NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", req_id(req));
    jw_kv_bool(j, "deleted", true);
    jw_obj_end(j);
    return 200;
}

/*
 * GET /api/v1/posts/{id}/files/{fileId}?download= -> a photo of the post
 * (Range, ETag: as GET /files/{id}/content). Errors: post.not_found,
 * file.not_found. As GET /posts/{id}: its author, its audience once
 * published, post.review on its organisation.
 */
static int h_file(struct req *req)
{
    return files_send_attached(req, "post", req->obj.id, req->path_ids[1]);
}

const struct route posts_routes[] = {
    {"POST", "/api/v1/posts", h_create, SCOPE_LOGIN, PERM_NONE, NULL, NULL, create_body, 0},
    {"GET", "/api/v1/posts", h_list, SCOPE_LOGIN, PERM_NONE, NULL, list_query, NULL, 0},
    {"GET", "/api/v1/posts/{id}/files/{id}", h_file, SCOPE_OBJECT, PERM_POST_REVIEW, NULL,
     files_download_query, NULL, ROUTE_RAW, &post_kind, PARTY_AUTHOR | PARTY_AUDIENCE},
    {"GET", "/api/v1/posts/{id}", h_get, SCOPE_OBJECT, PERM_POST_REVIEW, NULL, NULL, NULL, 0,
     &post_kind, PARTY_AUTHOR | PARTY_AUDIENCE},
    {"POST", "/api/v1/posts/{id}/comments", h_comment, SCOPE_OBJECT, PERM_POST_REVIEW, NULL, NULL,
     comment_body, 0, &post_kind, PARTY_AUTHOR | PARTY_AUDIENCE},
    {"POST", "/api/v1/posts/{id}/reports", h_report, SCOPE_OBJECT, PERM_POST_REVIEW, NULL, NULL,
     report_body, 0, &post_kind, PARTY_AUTHOR | PARTY_AUDIENCE},
    {"POST", "/api/v1/posts/{id}/review", h_review, SCOPE_OBJECT, PERM_POST_REVIEW, NULL, NULL,
     review_body, ROUTE_SEEN_FORBIDS, &post_kind},
    {"GET", "/api/v1/reviews", h_queue, SCOPE_QUERY_ORG, PERM_POST_REVIEW, "orgId", queue_query,
     NULL, 0},
    {"GET", "/api/v1/me/corrections", h_my_corrections, SCOPE_LOGIN, PERM_NONE, NULL, page_query,
     NULL, 0},
    {"POST", "/api/v1/me/corrections/{id}/read", h_correction_read, SCOPE_LOGIN, PERM_NONE, NULL,
     NULL, NULL, 0},
    {"GET", "/api/v1/wordlist", h_words, SCOPE_LOGIN, PERM_WORDLIST_ADMIN, NULL, NULL, NULL, 0},
    {"POST", "/api/v1/wordlist", h_word_add, SCOPE_LOGIN, PERM_WORDLIST_ADMIN, NULL, NULL,
     word_body, 0},
    {"DELETE", "/api/v1/wordlist/{id}", h_word_delete, SCOPE_LOGIN, PERM_WORDLIST_ADMIN, NULL, NULL,
     NULL, 0},
    {NULL},
};
