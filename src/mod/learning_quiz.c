/*
 * learning_quiz.c - question banks (single, multiple, true/false, fill-in,
 * each with an explanation; imported from XLSX/CSV all or nothing) and
 * quizzes taken from them: practice (nothing scored is kept), self-tests
 * (the score is the person's own) and exams an organisation sets for its
 * subtree, with a time limit from the start that the server enforces, one
 * attempt per person counted exactly once (online, offline later, or entered
 * from paper by the secretary), review of wrong answers, and figures per
 * branch that never name a person or a score.
 *
 * Exactly once: an exam's attempt is unique per person (quiz_attempts_exam_*),
 * and its submission turns it from started to submitted inside the write
 * transaction, so of concurrent submissions one counts and the others answer
 * quiz.submitted; a replay with the same Idempotency-Key answers the first
 * answer again (core/idem.c). A practice or self-test submission carries the
 * client's key for its taking (quiz_attempts_key): sent again after a lost
 * answer, or from the offline queue twice, it answers the stored result.
 */
#include "app.h"
#include "core/roster.h"
#include "core/sheet_in.h"
#include "mod/learning.h"
#include "mod/orgs.h"
#include "mod/search.h"
#include "routes.h"

#include <ctype.h>
#include <strings.h>

static const char *const question_types[] = {"single", "multiple", "truefalse", "fill", NULL};
static const char *const quiz_modes[] = {"practice", "selftest", "exam", NULL};

#define MAX_OPTIONS LEARN_MAX_OPTIONS
#define BANK_MAX_QUESTIONS 2000
#define QUIZ_MAX_QUESTIONS 200
/* A submission this many seconds after an exam's deadline is still taken
 * (the answer was on its way when the time ran out); later ones are refused. */
#define EXAM_GRACE 30

/* ---- questions: checking and marking ---- */

/* The spellings of true and false a bank or an answer may use. */
static const char *truth_of(const char *s)
{
    static const char *const yes[] = {"true", "对", "正确", "√", "是", "T", "Y", NULL};
    static const char *const no[] = {"false", "错", "错误", "×", "否", "F", "N", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcasecmp(s, yes[i]))
            return "true";
    for (int i = 0; no[i]; i++)
        if (!strcasecmp(s, no[i]))
            return "false";
    return NULL;
}

/* Letters of a choice answer, upper case, in order, each once (arena); NULL
 * when a character is not a letter among the first n (spaces and commas are
 * allowed between them). */
static const char *letters_of(struct arena *a, const char *s, size_t n)
{
    bool seen[MAX_OPTIONS] = {false};
    for (; *s; s++) {
        if (*s == ' ' || *s == ',' || *s == '\t')
            continue;
        int c = toupper((unsigned char)*s) - 'A';
        if (c < 0 || (size_t)c >= n)
            return NULL;
        seen[c] = true;
    }
    char *out = arena_alloc(a, MAX_OPTIONS + 1), *p = out;
    for (size_t i = 0; i < n; i++)
        if (seen[i])
            *p++ = (char)('A' + i);
    *p = 0;
    return out;
}

const char *learn_question_check(struct arena *a, const struct learn_question *q, const char **key,
                                 const char **field)
{
    *field = "answer";
    bool choice = !strcmp(q->type, "single") || !strcmp(q->type, "multiple");
    if (choice && q->noptions < 2) {
        *field = "options";
        return "a choice question has 2 to 8 options";
    }
    if (!choice && q->noptions) {
        *field = "options";
        return "only a choice question has options";
    }
    if (choice) {
        const char *l = letters_of(a, q->answer, q->noptions);
        if (!l || !*l)
            return arena_printf(a, "the answer is letters among A to %c",
                                (char)('A' + q->noptions - 1));
        if (!strcmp(q->type, "single") && strlen(l) != 1)
            return "a single-choice answer is one letter";
        *key = l;
    } else if (!strcmp(q->type, "truefalse")) {
        if (!(*key = truth_of(q->answer)))
            return "the answer is 对 or 错 (true or false)";
    } else {
        if (!*q->answer)
            return "a fill-in question needs its answer (alternatives separated by |)";
        *key = q->answer;
    }
    return NULL;
}

bool learn_answer_right(struct arena *a, const char *type, const char *key, size_t noptions,
                        const char *answer)
{
    if (!strcmp(type, "single") || !strcmp(type, "multiple")) {
        const char *l = letters_of(a, answer, noptions);
        return l && !strcmp(l, key);
    }
    if (!strcmp(type, "truefalse")) {
        const char *t = truth_of(answer);
        return t && !strcmp(t, key);
    }
    /* fill: any of the alternatives, spaces at both ends aside */
    while (*answer == ' ')
        answer++;
    size_t n = strlen(answer);
    while (n && answer[n - 1] == ' ')
        n--;
    if (!n)
        return false;
    for (const char *p = key;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && !memcmp(p, answer, n))
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

static int64_t options_count(const char *json)
{
    /* the stored options list is written by the jw writer: count its strings */
    int64_t n = 0;
    bool in = false;
    for (const char *p = json; *p; p++) {
        if (*p == '\\' && in)
            p++;
        else if (*p == '"')
            in = !in, n += in;
    }
    return n;
}

static int64_t question_insert(struct db *db, struct arena *a, int64_t bank,
                               const struct learn_question *q, const char *key)
{
    struct buf b;
    struct jw j;
    buf_init_arena(&b, a);
    jw_init(&j, &b);
    jw_arr_begin(&j);
    for (size_t i = 0; i < q->noptions; i++)
        jw_str(&j, q->options[i]);
    jw_arr_end(&j);
    int64_t pos = 0;
    db_get_int(db, &pos, "SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE bank_id = ?",
               "i", bank);
    db_exec(db,
            "INSERT INTO questions (bank_id, position, type, stem, options, answer, explanation, "
            "file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "iisssssIi", bank, pos, q->type, q->stem, b.data, key,
            q->explanation ? q->explanation : "", q->file_id, now_sec());
    return db_last_id(db);
}

/* ---- banks ---- */

static bool bank_locate(struct req *req, int64_t id, struct object_ref *o)
{
    return req_locate(req,
                      "SELECT org_id, org_path FROM question_banks WHERE id = ? AND deleted_at IS "
                      "NULL",
                      id, o);
}

/* Question banks are the content staff's: learning.publish on the organisation. */
static const struct object_kind bank_kind = {
    .name = "bank",
    .not_found = ERR_BANK_NOT_FOUND,
    .see_perm = PERM_LEARNING_PUBLISH,
    .locate = bank_locate,
};

#define QUESTION_COLS(F, C)                                                                        \
    F(Q_COL_ID, "q.id")                                                                            \
    C(Q_COL_TYPE, "q.type")                                                                        \
    C(Q_COL_STEM, "q.stem")                                                                        \
    C(Q_COL_OPTIONS, "q.options")                                                                  \
    C(Q_COL_ANSWER, "q.answer")                                                                    \
    C(Q_COL_EXPLANATION, "q.explanation")                                                          \
    C(Q_COL_FILE_ID, "q.file_id")
enum question_col { DB_COLUMN_ENUM(QUESTION_COLS) };
#define QUESTION_COLUMNS DB_COLUMNS(QUESTION_COLS)

/* A question; with_key: its answer and explanation too. */
static void write_question(struct jw *j, struct db_stmt *st, bool with_key)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, Q_COL_ID));
    jw_kv_str(j, "type", db_text(st, Q_COL_TYPE));
    jw_kv_str(j, "stem", db_text(st, Q_COL_STEM));
    jw_key(j, "options");
    jw_raw(j, db_text(st, Q_COL_OPTIONS), db_text_len(st, Q_COL_OPTIONS));
    jw_kv_id(j, "fileId", db_int(st, Q_COL_FILE_ID));
    if (with_key) {
        jw_kv_str(j, "answer", db_text(st, Q_COL_ANSWER));
        jw_kv_str(j, "explanation", db_text(st, Q_COL_EXPLANATION));
    }
    jw_obj_end(j);
}

static int bank_respond(struct req *req, int64_t id, int status)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT b.id, b.title, b.org_id, o.name, b.created_at, "
                                  "COALESCE(b.review, 'published'), b.review_note FROM "
                                  "question_banks b JOIN orgs o ON o.id = b.org_id WHERE b.id = ?",
                                  "i", id);
    if (!db_next(st)) {
        db_done(st);
        return req_fail(req, ERR_BANK_NOT_FOUND, NULL);
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "title", db_text(st, 1));
    jw_key(j, "org");
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 2));
    jw_kv_str(j, "name", db_text(st, 3));
    jw_obj_end(j);
    jw_kv_time(j, "createdAt", db_int(st, 4));
    jw_kv_str(j, "state", db_text(st, 5));
    if (!db_isnull(st, 6))
        jw_kv_str(j, "reviewNote", db_text(st, 6));
    db_done(st);
    jw_key(j, "questions");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT " QUESTION_COLUMNS " FROM questions q WHERE q.bank_id = ? ORDER BY "
                  "q.position",
                  "i", id);
    while (db_next(st))
        write_question(j, st, true);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return status;
}

static const struct param question_fields[] = {
    {"type", P_ENUM, P_REQUIRED, 0, 0, question_types},
    {"stem", P_STR, P_REQUIRED | P_MULTILINE | P_NONBLANK, 1, 1000},
    {"options", P_STRS, 0, 0, MAX_OPTIONS},
    {"answer", P_STR, P_REQUIRED | P_NONBLANK, 1, 200},
    {"explanation", P_STR, P_MULTILINE, 0, 2000},
    {"fileId", P_ID},
    {NULL},
};

static const struct param bank_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"questions", P_OBJECTS, 0, 0, 200, NULL, question_fields},
    {NULL},
};

/* Question i of the validated list v (declared by the param p). */
static void question_from(const struct value *v, const struct param *p, size_t i,
                          struct learn_question *q)
{
    memset(q, 0, sizeof(*q));
    q->type = value_field(v, p, i, "type")->s;
    q->stem = value_field(v, p, i, "stem")->s;
    q->answer = value_field(v, p, i, "answer")->s;
    q->explanation = value_field(v, p, i, "explanation")->s;
    q->file_id = value_field(v, p, i, "fileId")->i;
    const struct value *o = value_field(v, p, i, "options");
    for (size_t k = 0; o->present && k < o->n; k++)
        q->options[q->noptions++] = o->strs[k];
}

/* Creates a bank of org titled title (waiting for review where configured);
 * its id. */
static int64_t bank_insert(struct req *req, int64_t org, const char *title)
{
    int64_t now = now_sec();
    const char *path = org_path(req->db, &req->arena, org);
    db_exec(req->db,
            "INSERT INTO question_banks (org_id, org_path, title, review, author_id, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "isssiiii", org, path, title, learn_review_needed(req, path) ? "review" : NULL,
            req->who->account_id, now, now, db_next_seq(req->db));
    return db_last_id(req->db);
}

/* Checks and stores the questions of v into bank; 0 or an error status. */
static int questions_store(struct req *req, int64_t bank, const struct value *v,
                           const struct param *p)
{
    for (size_t i = 0; v->present && i < v->n; i++) {
        struct learn_question q;
        question_from(v, p, i, &q);
        const char *key = NULL, *field;
        const char *why = learn_question_check(&req->arena, &q, &key, &field);
        if (why)
            return req_fail_field(req, ERR_QUESTION_INVALID, "questions", "question %zu: %s (%s)",
                                  i + 1, why, field);
        question_insert(req->db, &req->arena, bank, &q, key);
    }
    return 0;
}

/*
 * POST /api/v1/question-banks {orgId, title, questions?: [{type, stem,
 * options?, answer, explanation?, fileId?}]} -> 201 the bank with its
 * questions and answers. answer: a letter (single), letters (multiple), 对/错
 * (truefalse), the text with alternatives separated by | (fill). Errors:
 * org.not_found, question.invalid. learning.publish on orgId.
 */
static int h_bank_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0);
    int64_t id = bank_insert(req, org, req_body_str(req, "title"));
    int rc = questions_store(req, id, req_body(req, "questions"), &bank_body[2]);
    if (rc)
        return rc;
    req_audit(req, "bank.create", org, arena_printf(&req->arena, "bank:%" PRId64, id), "ok", NULL);
    return bank_respond(req, id, 201);
}

/* A bank in a list: {id, title, org, questions (count), state, reviewNote?}
 * from the columns BANK_SUMMARY (b the bank, o its organisation). */
#define BANK_SUMMARY                                                                               \
    "b.id, b.title, b.org_id, o.name, (SELECT COUNT(*) FROM questions q WHERE q.bank_id = b.id), " \
    "COALESCE(b.review, 'published'), b.review_note"
static void write_bank_summary(struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 0));
    jw_kv_str(j, "title", db_text(st, 1));
    jw_key(j, "org");
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, 2));
    jw_kv_str(j, "name", db_text(st, 3));
    jw_obj_end(j);
    jw_kv_int(j, "questions", db_int(st, 4));
    jw_kv_str(j, "state", db_text(st, 5));
    if (!db_isnull(st, 6))
        jw_kv_str(j, "reviewNote", db_text(st, 6));
    jw_obj_end(j);
}

static const struct param bank_list_query[] = {{"orgId", P_ID, P_REQUIRED}, PAGE_PARAMS, {NULL}};

/*
 * GET /api/v1/question-banks?orgId=&after=&limit= -> {items: [{id, title,
 * org, questions}], next}: the banks of orgId, the organisations above it
 * the caller manages, and those below it. learning.publish on orgId.
 */
static int h_bank_list(struct req *req)
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
        "SELECT " BANK_SUMMARY " FROM question_banks b JOIN orgs o ON o.id = b.org_id WHERE "
        "b.deleted_at IS NULL AND b.id < ? AND (substr(b.org_path, 1, length(?)) = ? OR "
        "(substr(?, 1, length(b.org_path)) = b.org_path AND EXISTS (SELECT 1 FROM {list} r "
        "WHERE substr(b.org_path, 1, length(r.value)) = r.value))) ORDER BY b.id DESC LIMIT ?",
        "isssli", after ? after : INT64_MAX, path, path, path,
        perm_paths(req, PERM_LEARNING_PUBLISH), (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        write_bank_summary(pg.j, st);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/question-banks/{id} -> the bank with every question, its
 * answer and explanation. Errors: bank.not_found. learning.publish on its
 * organisation.
 */
static int h_bank_get(struct req *req)
{
    return bank_respond(req, req->obj.id, 200);
}

/*
 * POST /api/v1/question-banks/{id}/questions {type, stem, options?, answer,
 * explanation?, fileId?} -> 201 the bank. Errors: bank.not_found,
 * question.invalid. learning.publish on its organisation.
 */
static int h_question_add(struct req *req)
{
    struct learn_question q = {
        .type = req_body_str(req, "type"),
        .stem = req_body_str(req, "stem"),
        .answer = req_body_str(req, "answer"),
        .explanation = req_body_str(req, "explanation"),
        .file_id = req_body_int(req, "fileId", 0),
    };
    const struct value *o = req_body(req, "options");
    for (size_t k = 0; o->present && k < o->n; k++)
        q.options[q.noptions++] = o->strs[k];
    const char *key = NULL, *field;
    const char *why = learn_question_check(&req->arena, &q, &key, &field);
    if (why)
        return req_fail_field(req, ERR_QUESTION_INVALID, field, "%s", why);
    question_insert(req->db, &req->arena, req->obj.id, &q, key);
    db_exec(req->db, "UPDATE question_banks SET updated_at = ?, seq = ? WHERE id = ?", "iii",
            now_sec(), db_next_seq(req->db), req->obj.id);
    return bank_respond(req, req->obj.id, 201);
}

/* ---- import ---- */

/* The columns of an import file, found by their headings in the first row. */
enum bank_col { BC_TYPE, BC_STEM, BC_ANSWER, BC_EXPLANATION, BC_OPTION };
static const char *const bank_headings[] = {"题型", "题干", "答案", "解析"};

static const char *type_of(const char *s)
{
    static const char *const names[][2] = {
        {"单选", "single"},     {"单选题", "single"},  {"多选", "multiple"},
        {"多选题", "multiple"}, {"判断", "truefalse"}, {"判断题", "truefalse"},
        {"填空", "fill"},       {"填空题", "fill"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(s, names[i][0]))
            return names[i][1];
    for (int i = 0; question_types[i]; i++)
        if (!strcmp(s, question_types[i]))
            return question_types[i];
    return NULL;
}

struct import_row {
    long row;
    struct learn_question q;
    const char *key;
};

struct bank_import {
    struct import_row *rows;
    size_t nrows, cap;
    struct buf report; /* the errors as JSON objects, comma separated */
    struct jw j;
    size_t nerrors;
};

static void import_fault(struct bank_import *im, long row, const char *column, const char *why)
{
    im->nerrors++;
    if (im->nerrors > 100)
        return;
    jw_obj_begin(&im->j);
    jw_kv_int(&im->j, "row", row);
    jw_kv_str(&im->j, "column", column);
    jw_kv_str(&im->j, "message", why);
    jw_obj_end(&im->j);
}

/* Trims spaces (ASCII and U+3000) at both ends of a cell (arena copy). */
static const char *cell_trim(struct arena *a, const char *s)
{
    for (;;) {
        if (*s == ' ')
            s++;
        else if (!strncmp(s, "\xe3\x80\x80", 3))
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && s[n - 1] == ' ')
            n--;
        else if (n >= 3 && !memcmp(s + n - 3, "\xe3\x80\x80", 3))
            n -= 3;
        else
            break;
    }
    return arena_strndup(a, s, n);
}

/* Reads every row of r into im, checking each; false when the file itself
 * cannot be read (its reason recorded as a fault). */
static void import_read(struct arena *a, struct sheet_reader *r, struct bank_import *im)
{
    int col[BC_OPTION + MAX_OPTIONS];
    for (size_t i = 0; i < sizeof(col) / sizeof(col[0]); i++)
        col[i] = -1;
    const char *const *cells;
    size_t n;
    int rc;
    bool head = false;
    while ((rc = sheet_next(r, &cells, &n)) == 1) {
        long row = sheet_row(r);
        if (!n)
            continue;
        if (!head) {
            for (size_t c = 0; c < n; c++) {
                const char *h = cell_trim(a, cells[c]);
                for (int k = 0; k < BC_OPTION; k++)
                    if (!strcmp(h, bank_headings[k]))
                        col[k] = (int)c;
                if (!strncmp(h, "选项", strlen("选项")) && strlen(h) == strlen("选项") + 1) {
                    int o = toupper((unsigned char)h[strlen("选项")]) - 'A';
                    if (o >= 0 && o < MAX_OPTIONS)
                        col[BC_OPTION + o] = (int)c;
                }
            }
            head = true;
            for (int k = 0; k < BC_OPTION; k++)
                if (k != BC_EXPLANATION && col[k] < 0)
                    import_fault(im, row, bank_headings[k],
                                 "the heading row lacks this column (题型, 题干, 选项A.., 答案, "
                                 "解析)");
            if (im->nerrors)
                return;
            continue;
        }
#define CELL(k) (col[k] >= 0 && (size_t)col[k] < n ? cell_trim(a, cells[col[k]]) : "")
        bool blank = true;
        for (size_t c = 0; c < n && blank; c++)
            blank = !*cell_trim(a, cells[c]);
        if (blank)
            continue;
        if (im->nrows == BANK_MAX_QUESTIONS) {
            import_fault(im, row, NULL, "a bank holds at most 2000 questions");
            return;
        }
        struct import_row *ir = &im->rows[im->nrows];
        memset(ir, 0, sizeof(*ir));
        ir->row = row;
        ir->q.type = type_of(CELL(BC_TYPE));
        ir->q.stem = CELL(BC_STEM);
        ir->q.answer = CELL(BC_ANSWER);
        ir->q.explanation = CELL(BC_EXPLANATION);
        bool gap = false;
        for (int o = 0; o < MAX_OPTIONS; o++) {
            const char *opt = CELL(BC_OPTION + o);
            if (!*opt) {
                gap = true;
                continue;
            }
            if (gap) {
                import_fault(im, row, arena_printf(a, "选项%c", 'A' + o),
                             "options are filled from A on, without gaps");
                break;
            }
            ir->q.options[ir->q.noptions++] = opt;
        }
#undef CELL
        const char *field = NULL, *why = NULL;
        if (!ir->q.type) {
            field = "题型", why = "the type is 单选, 多选, 判断 or 填空";
        } else if (!*ir->q.stem) {
            field = "题干", why = "the question is empty";
        } else if (utf8_chars(ir->q.stem, strlen(ir->q.stem)) > 1000) {
            field = "题干", why = "the question is longer than 1000 characters";
        } else if ((why = learn_question_check(a, &ir->q, &ir->key, &field))) {
            field = !strcmp(field, "options") ? "选项A" : "答案";
        }
        if (why)
            import_fault(im, row, field, why);
        im->nrows++;
    }
    if (rc < 0)
        import_fault(im, sheet_row(r), NULL, sheet_error(r));
    else if (!head)
        import_fault(im, 1, NULL, "the file is empty");
}

static const struct param import_query[] = {{"dryRun", P_BOOL}, {NULL}};

/*
 * Reads the request's file as questions and stores them in bank, or, when
 * bank is 0, in a new bank of org titled title — in the request's write
 * transaction, so a refused file leaves no bank and no question behind.
 * Answers {bankId, rows, imported, errors: []} (201; 200 for a dry run,
 * which stores nothing), or 422 import.invalid with the report.
 */
static int bank_import(struct req *req, int64_t bank, int64_t org, const char *title)
{
    char why[200];
    struct sheet_reader *r = sheet_open_fd(req->body_fd, why, sizeof(why));
    if (!r)
        return req_fail(req, ERR_IMPORT_INVALID, "%s", why);
    struct bank_import im = {0};
    im.rows = arena_calloc(&req->arena, BANK_MAX_QUESTIONS, sizeof(*im.rows));
    buf_init_arena(&im.report, &req->arena);
    jw_init(&im.j, &im.report);
    jw_obj_begin(&im.j);
    jw_key(&im.j, "errors");
    jw_arr_begin(&im.j);
    import_read(&req->arena, r, &im);
    sheet_close(r);
    jw_arr_end(&im.j);
    jw_kv_int(&im.j, "rows", (int64_t)im.nrows);
    const struct value *dry = req_query(req, "dryRun");
    bool dry_run = dry && dry->present && dry->i;
    if (im.nerrors) {
        jw_kv_int(&im.j, "imported", 0);
        jw_obj_end(&im.j);
        req_audit(req, "bank.import", org,
                  bank ? arena_printf(&req->arena, "bank:%" PRId64, bank) : "bank:new", "failed",
                  "%zu rows, %zu errors", im.nrows, im.nerrors);
        req_fail(req, ERR_IMPORT_INVALID, "%zu of the rows have errors; nothing was imported",
                 im.nerrors);
        req_fail_details(req, "report", im.report.data);
        return 422;
    }
    if (!dry_run) {
        if (!bank)
            bank = bank_insert(req, org, title);
        for (size_t i = 0; i < im.nrows; i++)
            question_insert(req->db, &req->arena, bank, &im.rows[i].q, im.rows[i].key);
        db_exec(req->db, "UPDATE question_banks SET updated_at = ?, seq = ? WHERE id = ?", "iii",
                now_sec(), db_next_seq(req->db), bank);
    }
    jw_kv_id(&im.j, "bankId", bank);
    jw_kv_int(&im.j, "imported", dry_run ? 0 : (int64_t)im.nrows);
    jw_obj_end(&im.j);
    req_audit(req, "bank.import", org,
              bank ? arena_printf(&req->arena, "bank:%" PRId64, bank) : "bank:new", "ok",
              "%zu rows%s", im.nrows, dry_run ? " checked (dry run)" : "");
    struct jw *j = req_data(req);
    jw_raw(j, im.report.data, im.report.len);
    return dry_run ? 200 : 201;
}

/*
 * POST /api/v1/question-banks/{id}/import?dryRun= (body: an XLSX or CSV
 * file) -> 201 {bankId, rows, imported, errors: []} (200 for a dry run): the
 * first row names the columns 题型 (单选/多选/判断/填空), 题干, 选项A..选项H,
 * 答案, 解析; every row is a question added to the bank. Any bad row: 422
 * import.invalid with {rows, imported: 0, errors: [{row, column, message}]}
 * as "report" in the error object, and nothing stored. Errors:
 * bank.not_found, import.invalid. learning.publish on the bank's
 * organisation.
 */
static int h_import(struct req *req)
{
    return bank_import(req, req->obj.id, req->obj.org_id, NULL);
}

static const struct param import_new_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"dryRun", P_BOOL},
    {NULL},
};

/*
 * POST /api/v1/question-banks/import?orgId=&title=&dryRun= (body: a file as
 * above) -> 201 {bankId, rows, imported, errors: []}: a new bank of orgId
 * with the file's questions, created in the same transaction, all or
 * nothing: a refused file (422 import.invalid with the report) leaves no
 * bank. A dry run checks the file and creates nothing (bankId null).
 * Errors: org.not_found, import.invalid, request.invalid. learning.publish
 * on orgId.
 */
static int h_import_new(struct req *req)
{
    return bank_import(req, 0, req_query_int(req, "orgId", 0), req_query_str(req, "title"));
}

/* ---- quizzes ---- */

struct quiz {
    int64_t id, org_id, time_limit, opens_at, closes_at;
    const char *org_path, *mode, *title, *track;
    const char *review, *review_note; /* NULL once published */
};

static bool quiz_load(struct req *req, int64_t id, struct quiz *q)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, org_id, org_path, mode, title, track, time_limit, "
                                  "opens_at, closes_at, review, review_note FROM quizzes WHERE "
                                  "id = ? AND deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found)
        *q = (struct quiz){
            .id = db_int(st, 0),
            .org_id = db_int(st, 1),
            .org_path = arena_strdup(&req->arena, db_text(st, 2)),
            .mode = arena_strdup(&req->arena, db_text(st, 3)),
            .title = arena_strdup(&req->arena, db_text(st, 4)),
            .track = arena_strdup(&req->arena, db_text(st, 5)),
            .time_limit = db_int(st, 6),
            .opens_at = db_int(st, 7),
            .closes_at = db_int(st, 8),
            .review = db_isnull(st, 9) ? NULL : arena_strdup(&req->arena, db_text(st, 9)),
            .review_note = db_isnull(st, 10) ? NULL : arena_strdup(&req->arena, db_text(st, 10)),
        };
    db_done(st);
    return found;
}

static bool quiz_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct quiz q;
    if (!quiz_load(req, id, &q))
        return false;
    o->org_id = q.org_id;
    o->org_path = q.org_path;
    /* its audience takes part once it is published (not while it waits for review) */
    if (!q.review && learn_sees(req, q.org_path, q.track))
        o->party = PARTY_AUDIENCE;
    return true;
}

/* An exam outside one's reach answers exactly like a missing one. */
static const struct object_kind quiz_kind = {
    .name = "quiz",
    .not_found = ERR_QUIZ_NOT_FOUND,
    .see_perm = PERM_LEARNING_PUBLISH,
    .see_party = PARTY_AUDIENCE,
    .locate = quiz_locate,
};

/* Who takes a quiz: the member record, else the account (staff without one). */
struct taker {
    int64_t account_id, member_id;
};

static struct taker taker_of(const struct principal *p)
{
    return (struct taker){p->account_id, p->member_id};
}

/* The person's exam attempt: id, started, deadline, submitted (0: none). */
struct attempt {
    int64_t id, started_at, deadline, submitted_at;
    const char *origin;
};

static bool exam_attempt(struct req *req, int64_t quiz, struct taker t, struct attempt *a)
{
    struct db_stmt *st =
        t.member_id ? db_query(req->db,
                               "SELECT id, started_at, deadline, submitted_at, origin FROM "
                               "quiz_attempts WHERE quiz_id = ? AND exam = 1 AND member_id = ?",
                               "ii", quiz, t.member_id)
                    : db_query(req->db,
                               "SELECT id, started_at, deadline, submitted_at, origin FROM "
                               "quiz_attempts WHERE quiz_id = ? AND exam = 1 AND member_id IS "
                               "NULL AND account_id = ?",
                               "ii", quiz, t.account_id);
    bool found = db_next(st);
    if (found)
        *a = (struct attempt){db_int(st, 0), db_int(st, 1), db_int(st, 2), db_int(st, 3),
                              arena_strdup(&req->arena, db_text(st, 4))};
    db_done(st);
    return found;
}

static void write_quiz(struct req *req, struct jw *j, const struct quiz *q, bool questions)
{
    struct attempt a = {0};
    bool exam = !strcmp(q->mode, "exam");
    bool has = exam && exam_attempt(req, q->id, taker_of(req->who), &a);
    bool manage = principal_can(req->who, PERM_LEARNING_PUBLISH, q->org_path);
    jw_obj_begin(j);
    jw_kv_int(j, "id", q->id);
    jw_kv_str(j, "title", q->title);
    jw_kv_str(j, "mode", q->mode);
    jw_kv_str(j, "track", q->track);
    jw_kv_str(j, "state", q->review ? q->review : "published");
    if (q->review_note)
        jw_kv_str(j, "reviewNote", q->review_note);
    struct db_stmt *st = db_query(req->db, "SELECT name FROM orgs WHERE id = ?", "i", q->org_id);
    jw_key(j, "org");
    jw_obj_begin(j);
    jw_kv_int(j, "id", q->org_id);
    jw_kv_str(j, "name", db_next(st) ? db_text(st, 0) : NULL);
    db_done(st);
    jw_obj_end(j);
    int64_t n = 0;
    db_get_int(req->db, &n, "SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = ?", "i", q->id);
    jw_kv_int(j, "questionCount", n);
    if (exam) {
        jw_kv_int(j, "timeLimitMinutes", q->time_limit / 60);
        jw_kv_time(j, "opensAt", q->opens_at);
        jw_kv_time(j, "closesAt", q->closes_at);
    }
    jw_key(j, "mine");
    if (!has) {
        jw_null(j);
    } else {
        jw_obj_begin(j);
        jw_kv_time(j, "startedAt", a.started_at);
        jw_kv_time(j, "deadline", a.deadline);
        jw_kv_time(j, "submittedAt", a.submitted_at);
        jw_kv_str(j, "origin", a.origin);
        jw_obj_end(j);
    }
    jw_kv_bool(j, "canManage", manage);
    /* An exam shows its questions once started (its time runs from then);
     * those who set it see them to print the paper. */
    if (questions && (!exam || manage || (has && !a.submitted_at))) {
        jw_key(j, "questions");
        jw_arr_begin(j);
        st = db_query(req->db,
                      "SELECT " QUESTION_COLUMNS " FROM quiz_questions x JOIN questions q ON "
                      "q.id = x.question_id WHERE x.quiz_id = ? ORDER BY x.position",
                      "i", q->id);
        while (db_next(st))
            write_question(j, st, false);
        db_done(st);
        jw_arr_end(j);
    }
    jw_obj_end(j);
}

static int quiz_respond(struct req *req, int64_t id, int status)
{
    struct quiz q;
    if (!quiz_load(req, id, &q))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    write_quiz(req, req_data(req), &q, true);
    return status;
}

static const struct param quiz_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"bankId", P_ID, P_REQUIRED},
    {"mode", P_ENUM, P_REQUIRED, 0, 0, quiz_modes},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    {"questionIds", P_IDS, 0, 1, QUIZ_MAX_QUESTIONS},
    {"timeLimitMinutes", P_INT, 0, 1, 300},
    {"opensAt", P_TIME},
    {"closesAt", P_TIME},
    {NULL},
};

/*
 * POST /api/v1/quizzes {orgId, bankId, mode, title, track?, questionIds?,
 * timeLimitMinutes?, opensAt?, closesAt?} -> 201 the quiz (with its
 * questions, no answers): published to the subtree of orgId. questionIds
 * chooses questions of the bank in order (default: the whole bank, at most
 * 200). An exam needs timeLimitMinutes; it may be started between opensAt
 * and closesAt. Errors: org.not_found, bank.not_found (a bank the caller
 * does not manage), request.invalid. learning.publish on orgId.
 */
static int h_quiz_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0), bank = req_body_int(req, "bankId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    const char *mode = req_body_str(req, "mode"), *track = req_body_str(req, "track");
    struct object_ref o = {0};
    if (!bank_locate(req, bank, &o) || !principal_can(req->who, PERM_LEARNING_PUBLISH, o.org_path))
        return req_fail_field(req, ERR_BANK_NOT_FOUND, "bankId", NULL);
    int64_t waits;
    if (db_get_int(req->db, &waits,
                   "SELECT 1 FROM question_banks WHERE id = ? AND review IS NOT NULL", "i", bank))
        return req_fail_field(req, ERR_BANK_STATE, "bankId",
                              "the bank waits for review (or was sent back): no quiz from it yet");
    bool exam = !strcmp(mode, "exam");
    int64_t limit = req_body_int(req, "timeLimitMinutes", 0) * 60;
    int64_t opens = req_body_int(req, "opensAt", 0), closes = req_body_int(req, "closesAt", 0);
    if (exam != (limit > 0))
        return req_fail_field(req, ERR_INVALID, "timeLimitMinutes",
                              "an exam has a time limit; practice and self-tests have none");
    if (!exam && (opens || closes))
        return req_fail_field(req, ERR_INVALID, opens ? "opensAt" : "closesAt",
                              "only an exam opens and closes");
    if (opens && closes && closes <= opens)
        return req_fail_field(req, ERR_INVALID, "closesAt", "closes before it opens");
    int64_t now = now_sec();
    db_exec(req->db,
            "INSERT INTO quizzes (org_id, org_path, bank_id, mode, track, title, time_limit, "
            "opens_at, closes_at, review, author_id, published_at, created_at, updated_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isisssIIIsiiiii", org, path, bank, mode, track ? track : "member",
            req_body_str(req, "title"), limit, opens, closes,
            learn_review_needed(req, path) ? "review" : NULL, req->who->account_id, now, now, now,
            db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    const struct value *ids = req_body(req, "questionIds");
    if (ids->present) {
        for (size_t i = 0; i < ids->n; i++) {
            int64_t v;
            if (!db_get_int(req->db, &v, "SELECT 1 FROM questions WHERE id = ? AND bank_id = ?",
                            "ii", ids->ids[i], bank))
                return req_fail_field(req, ERR_INVALID, "questionIds",
                                      "question %" PRId64 " is not in the bank", ids->ids[i]);
            db_exec(req->db,
                    "INSERT INTO quiz_questions (quiz_id, position, question_id) VALUES (?, ?, ?)",
                    "iii", id, (int64_t)i + 1, ids->ids[i]);
        }
    } else {
        db_exec(req->db,
                "INSERT INTO quiz_questions (quiz_id, position, question_id) SELECT ?, position, "
                "id FROM questions WHERE bank_id = ? ORDER BY position LIMIT ?",
                "iii", id, bank, (int64_t)QUIZ_MAX_QUESTIONS);
    }
    int64_t n = 0;
    db_get_int(req->db, &n, "SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = ?", "i", id);
    if (!n)
        return req_fail_field(req, ERR_INVALID, "bankId", "the bank has no questions");
    req_audit(req, "quiz.publish", org, arena_printf(&req->arena, "quiz:%" PRId64, id), "ok",
              "%s, %" PRId64 " questions", mode, n);
    return quiz_respond(req, id, 201);
}

static const struct param quiz_list_query[] = {
    {"mode", P_ENUM, 0, 0, 0, quiz_modes},
    {"track", P_ENUM, 0, 0, 0, learning_tracks},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/quizzes?mode=&track=&after=&limit= -> {items, next}: the
 * quizzes and exams published to the caller (and those they manage), newest
 * first, each with the caller's own exam state (mine). Any logged-in caller.
 */
static int h_quiz_list(struct req *req)
{
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct learn_scope s;
    learn_scope_of(req, &s);
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT id FROM quizzes z WHERE deleted_at IS NULL AND review IS NULL AND id < ? AND (? IS "
        "NULL OR mode = ?) "
        "AND (? IS NULL OR track = ?) AND (track = 'member' OR ? = 1 OR EXISTS (SELECT 1 FROM "
        "{list} r WHERE substr(z.org_path, 1, length(r.value)) = r.value)) AND " LEARN_SEES_SQL(
            "z.org_path") " ORDER BY id DESC LIMIT ?",
        "issssillli", after ? after : INT64_MAX, req_query_str(req, "mode"),
        req_query_str(req, "mode"), req_query_str(req, "track"), req_query_str(req, "track"),
        (int64_t)s.staff, s.manage, &s.inside, s.manage, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct quiz q;
        int64_t id = db_int(st, 0);
        if (quiz_load(req, id, &q))
            write_quiz(req, pg.j, &q, false);
        page_mark_id(&pg, id);
    }
    return page_end(&pg, st);
}

/*
 * GET /api/v1/quizzes/{id} -> the quiz with its questions (never the
 * answers) and the caller's exam state. An exam shows its questions to a
 * taker once started and until submitted, and to those who set it (to print
 * the paper). Errors: quiz.not_found (also outside one's reach). Its
 * audience, and learning.publish.
 */
static int h_quiz_get(struct req *req)
{
    return quiz_respond(req, req->obj.id, 200);
}

/* Whether the caller may take an exam: a member record on a roster, or a
 * role (staff) under the exam's organisation, or above it for staff. */
static bool may_take(struct req *req)
{
    return req->who->member_id || learn_is_staff(req->who);
}

/*
 * POST /api/v1/quizzes/{id}/start -> the quiz with its questions and mine
 * {startedAt, deadline}: an exam's time starts now (deadline: the time limit
 * from now, at the latest its closing time); starting again answers the same
 * deadline. Practice and self-tests need no start (mine stays null).
 * Errors: quiz.not_found, quiz.closed (before it opens, after it closes),
 * quiz.submitted, quiz.no_member. Its audience, and learning.publish.
 */
static int h_start(struct req *req)
{
    struct quiz q;
    if (!quiz_load(req, req->obj.id, &q))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    if (strcmp(q.mode, "exam"))
        return quiz_respond(req, q.id, 200);
    if (!may_take(req))
        return req_fail(req, ERR_QUIZ_NO_MEMBER, NULL);
    struct taker t = taker_of(req->who);
    struct attempt a;
    if (exam_attempt(req, q.id, t, &a)) {
        if (a.submitted_at)
            return req_fail(req, ERR_QUIZ_SUBMITTED, NULL);
        return quiz_respond(req, q.id, 200);
    }
    int64_t now = now_sec();
    if ((q.opens_at && now < q.opens_at) || (q.closes_at && now >= q.closes_at))
        return req_fail(req, ERR_QUIZ_CLOSED, NULL);
    int64_t deadline = now + q.time_limit;
    if (q.closes_at && deadline > q.closes_at)
        deadline = q.closes_at;
    db_exec(req->db,
            "INSERT INTO quiz_attempts (quiz_id, account_id, member_id, exam, started_at, "
            "deadline, created_at, updated_at, seq) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
            "iiIiiiii", q.id, t.account_id, t.member_id, now, deadline, now, now,
            db_next_seq(req->db));
    req_valid_until(req, deadline);
    return quiz_respond(req, q.id, 201);
}

static const struct param answer_fields[] = {
    {"questionId", P_ID, P_REQUIRED},
    {"answer", P_STR, 0, 0, 200},
    {NULL},
};

static const struct param submit_body[] = {
    {"key", P_STR, 0, 8, 64},
    {"offline", P_BOOL},
    {"answers", P_OBJECTS, P_REQUIRED, 0, QUIZ_MAX_QUESTIONS, NULL, answer_fields},
    {NULL},
};

/* Marks the answers v (declared by p) of quiz against its questions and
 * stores them for attempt; returns the number right. Answers to questions
 * outside the quiz are refused (request.invalid, *rc set). */
static int64_t answers_mark(struct req *req, int64_t quiz, int64_t attempt, const struct value *v,
                            const struct param *p, int *rc)
{
    int64_t right = 0;
    *rc = 0;
    for (size_t i = 0; i < v->n; i++) {
        int64_t qid = value_field(v, p, i, "questionId")->i;
        const char *ans = value_field(v, p, i, "answer")->s;
        struct db_stmt *st = db_query(req->db,
                                      "SELECT q.type, q.answer, q.options FROM quiz_questions x "
                                      "JOIN questions q ON q.id = x.question_id WHERE x.quiz_id = "
                                      "? AND q.id = ?",
                                      "ii", quiz, qid);
        if (!db_next(st)) {
            db_done(st);
            *rc = req_fail_field(req, ERR_INVALID, "answers",
                                 "question %" PRId64 " is not in this quiz", qid);
            return 0;
        }
        bool ok = learn_answer_right(&req->arena, db_text(st, 0), db_text(st, 1),
                                     (size_t)options_count(db_text(st, 2)), ans ? ans : "");
        db_done(st);
        right += ok;
        db_exec(req->db,
                "INSERT INTO attempt_answers (attempt_id, question_id, answer, correct) VALUES (?, "
                "?, ?, ?) ON CONFLICT (attempt_id, question_id) DO UPDATE SET answer = "
                "excluded.answer, correct = excluded.correct",
                "iisi", attempt, qid, ans ? ans : "", (int64_t)ok);
    }
    return right;
}

/* The result of an attempt, for the person who took it: every question of
 * the quiz with their answer, whether it was right, the right answer and
 * the explanation. */
static bool result_write(struct req *req, struct jw *j, int64_t attempt)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT a.id, a.quiz_id, q.mode, a.origin, a.submitted_at, "
                                  "a.score, a.total, (SELECT COUNT(*) FROM attempt_answers r "
                                  "WHERE r.attempt_id = a.id AND r.correct = 1) FROM "
                                  "quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id WHERE a.id "
                                  "= ?",
                                  "i", attempt);
    if (!db_next(st)) {
        db_done(st);
        return false;
    }
    int64_t quiz = db_int(st, 1);
    jw_obj_begin(j);
    jw_kv_int(j, "attemptId", db_int(st, 0));
    jw_kv_int(j, "quizId", quiz);
    jw_kv_str(j, "mode", db_text(st, 2));
    jw_kv_str(j, "origin", db_text(st, 3));
    jw_kv_time(j, "submittedAt", db_int(st, 4));
    /* practice keeps no score: the number right is shown now, not stored */
    jw_kv_bool(j, "scoreKept", !db_isnull(st, 5));
    jw_kv_int(j, "score", db_int(st, 7));
    jw_kv_int(j, "total", db_int(st, 6));
    db_done(st);
    jw_key(j, "items");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT " QUESTION_COLUMNS ", r.answer, r.correct FROM quiz_questions x JOIN "
                  "questions q ON q.id = x.question_id LEFT JOIN attempt_answers r ON "
                  "r.attempt_id = ? AND r.question_id = q.id WHERE x.quiz_id = ? ORDER BY "
                  "x.position",
                  "ii", attempt, quiz);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "questionId", db_int(st, Q_COL_ID));
        jw_kv_str(j, "type", db_text(st, Q_COL_TYPE));
        jw_kv_str(j, "stem", db_text(st, Q_COL_STEM));
        jw_key(j, "options");
        jw_raw(j, db_text(st, Q_COL_OPTIONS), db_text_len(st, Q_COL_OPTIONS));
        jw_kv_str(j, "answer",
                  db_isnull(st, Q_COL_FILE_ID + 1) ? NULL : db_text(st, Q_COL_FILE_ID + 1));
        jw_kv_bool(j, "correct", db_int(st, Q_COL_FILE_ID + 2));
        jw_kv_str(j, "rightAnswer", db_text(st, Q_COL_ANSWER));
        jw_kv_str(j, "explanation", db_text(st, Q_COL_EXPLANATION));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return true;
}

static int result_respond(struct req *req, int64_t attempt, int status)
{
    if (!result_write(req, req_data(req), attempt))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    return status;
}

/*
 * POST /api/v1/quizzes/{id}/submit {key?, offline?, answers: [{questionId,
 * answer}]} -> 201 the result {attemptId, quizId, mode, origin, submittedAt,
 * scoreKept, score, total, items: [{questionId, stem, options, answer,
 * correct, rightAnswer, explanation}]}, for the caller alone. Practice keeps
 * no score; a self-test keeps it for the person; an exam needs its start,
 * counts once and is refused after its deadline. key (8..64 characters, the
 * client's for this taking; offline: taken without a connection) makes a
 * practice or self-test submission count once: sent again it answers the
 * stored result (200). Errors: quiz.not_found, quiz.not_started,
 * quiz.deadline_passed, quiz.submitted, quiz.no_member, request.invalid.
 * Its audience, and learning.publish.
 */
static int h_submit(struct req *req)
{
    struct quiz q;
    if (!quiz_load(req, req->obj.id, &q))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    const char *key = req_body_str(req, "key");
    const struct value *off = req_body(req, "offline"), *answers = req_body(req, "answers");
    const char *origin = off->present && off->i ? "offline" : "online";
    struct taker t = taker_of(req->who);
    int64_t now = now_sec(), id, total = 0;
    db_get_int(req->db, &total, "SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = ?", "i", q.id);
    if (!strcmp(q.mode, "exam")) {
        struct attempt a;
        if (!may_take(req))
            return req_fail(req, ERR_QUIZ_NO_MEMBER, NULL);
        if (!exam_attempt(req, q.id, t, &a))
            return req_fail(req, ERR_QUIZ_NOT_STARTED, NULL);
        if (a.submitted_at)
            return req_fail(req, ERR_QUIZ_SUBMITTED, NULL);
        if (now > a.deadline + EXAM_GRACE) {
            req_audit(req, "quiz.late", q.org_id, arena_printf(&req->arena, "quiz:%" PRId64, q.id),
                      "denied", "%" PRId64 " s after the deadline", now - a.deadline);
            return req_fail(req, ERR_QUIZ_DEADLINE, NULL);
        }
        id = a.id;
    } else {
        if (key) {
            int64_t prior;
            if (db_get_int(req->db, &prior,
                           "SELECT id FROM quiz_attempts WHERE account_id = ? AND client_key = ? "
                           "AND quiz_id = ?",
                           "isi", t.account_id, key, q.id))
                return result_respond(req, prior, 200);
            if (db_get_int(req->db, &prior,
                           "SELECT id FROM quiz_attempts WHERE account_id = ? AND client_key = ?",
                           "is", t.account_id, key))
                return req_fail_field(req, ERR_INVALID, "key", "the key was used for another quiz");
        }
        db_exec(req->db,
                "INSERT INTO quiz_attempts (quiz_id, account_id, member_id, client_key, origin, "
                "started_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iiIssiiii", q.id, t.account_id, t.member_id, key, origin, now, now, now,
                db_next_seq(req->db));
        id = db_last_id(req->db);
    }
    int rc;
    int64_t right = answers_mark(req, q.id, id, answers, &submit_body[2], &rc);
    if (rc)
        return rc;
    bool keep = strcmp(q.mode, "practice");
    db_exec(req->db,
            "UPDATE quiz_attempts SET submitted_at = ?, score = CASE WHEN ? THEN ? END, total = "
            "?, origin = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiiisiii", now, (int64_t)keep, right, total, origin, now, db_next_seq(req->db), id);
    return result_respond(req, id, 201);
}

/*
 * GET /api/v1/quizzes/{id}/mine -> {attempts: [{attemptId, submittedAt,
 * origin, scoreKept, score, total}], review: the latest result (as submit
 * answers it) or null}: the caller's own takings, to review wrong answers.
 * An exam's review shows once it is submitted. Errors: quiz.not_found. Its
 * audience, and learning.publish.
 */
static int h_mine(struct req *req)
{
    struct taker t = taker_of(req->who);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT id, submitted_at, origin, score, total FROM quiz_attempts WHERE quiz_id = ? AND "
        "submitted_at IS NOT NULL AND (account_id = ? OR (member_id = ? AND member_id IS NOT "
        "NULL)) ORDER BY submitted_at DESC, id DESC LIMIT 50",
        "iiI", req->obj.id, t.account_id, t.member_id);
    int64_t latest = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "attempts");
    jw_arr_begin(j);
    while (db_next(st)) {
        if (!latest)
            latest = db_int(st, 0);
        jw_obj_begin(j);
        jw_kv_int(j, "attemptId", db_int(st, 0));
        jw_kv_time(j, "submittedAt", db_int(st, 1));
        jw_kv_str(j, "origin", db_text(st, 2));
        jw_kv_bool(j, "scoreKept", !db_isnull(st, 3));
        jw_key(j, "score");
        if (db_isnull(st, 3))
            jw_null(j);
        else
            jw_int(j, db_int(st, 3));
        jw_kv_int(j, "total", db_int(st, 4));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_key(j, "review");
    if (!latest || !result_write(req, j, latest))
        jw_null(j);
    jw_obj_end(j);
    return 200;
}

static const struct param paper_body[] = {
    {"memberId", P_ID, P_REQUIRED},
    {"answers", P_OBJECTS, P_REQUIRED, 0, QUIZ_MAX_QUESTIONS, NULL, answer_fields},
    {NULL},
};

/*
 * POST /api/v1/quizzes/{id}/paper {memberId, answers: [{questionId,
 * answer}]} -> 201 {quizId, memberId, origin: "paper", submittedAt}: the
 * answers a member wrote on the printed exam, entered afterwards by their
 * branch: counted as the member's own, once (an exam the member submitted
 * already, online or from paper, answers quiz.submitted; one started online
 * and not submitted is replaced). The answer holds no score: it is the
 * member's to see. Errors: quiz.not_found, quiz.not_exam, member.not_found
 * (not on a roster under the exam, or outside the caller's learning.publish),
 * quiz.submitted, request.invalid. Its audience (the branch's secretary), and
 * learning.publish; learning.publish on the member's branch in the handler.
 */
static int h_paper(struct req *req)
{
    struct quiz q;
    if (!quiz_load(req, req->obj.id, &q))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    int64_t mid = req_body_int(req, "memberId", 0), account = 0, now = now_sec();
    struct db_stmt *st = db_query(req->db,
                                  "SELECT m.org_path, (SELECT a.id FROM accounts a WHERE "
                                  "a.member_id = m.id) FROM members m WHERE m.id = ? AND "
                                  "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES,
                                  "i", mid);
    const char *path = db_next(st) ? arena_strdup(&req->arena, db_text(st, 0)) : NULL;
    account = path ? db_int(st, 1) : 0;
    db_done(st);
    if (strcmp(q.mode, "exam"))
        return req_fail(req, ERR_QUIZ_NOT_EXAM, NULL);
    if (!path || strncmp(path, q.org_path, strlen(q.org_path)) ||
        !principal_can(req->who, PERM_LEARNING_PUBLISH, path))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    struct attempt a;
    int64_t id;
    if (exam_attempt(req, q.id, (struct taker){account, mid}, &a)) {
        if (a.submitted_at)
            return req_fail(req, ERR_QUIZ_SUBMITTED, NULL);
        id = a.id;
        db_exec(req->db, "DELETE FROM attempt_answers WHERE attempt_id = ?", "i", id);
    } else {
        db_exec(req->db,
                "INSERT INTO quiz_attempts (quiz_id, account_id, member_id, exam, started_at, "
                "created_at, updated_at, seq) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                "iIiiiii", q.id, account, mid, now, now, now, db_next_seq(req->db));
        id = db_last_id(req->db);
    }
    int rc;
    int64_t right = answers_mark(req, q.id, id, req_body(req, "answers"), &paper_body[1], &rc);
    if (rc)
        return rc;
    int64_t total = 0;
    db_get_int(req->db, &total, "SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = ?", "i", q.id);
    db_exec(req->db,
            "UPDATE quiz_attempts SET submitted_at = ?, score = ?, total = ?, origin = 'paper', "
            "entered_by = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiiiiii", now, right, total, req->who->account_id, now, db_next_seq(req->db), id);
    req_audit(req, "quiz.paper", q.org_id, arena_printf(&req->arena, "quiz:%" PRId64, q.id), "ok",
              "member:%" PRId64, mid);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "quizId", q.id);
    jw_kv_int(j, "memberId", mid);
    jw_kv_str(j, "origin", "paper");
    jw_kv_time(j, "submittedAt", now);
    jw_obj_end(j);
    return 201;
}

static const struct param quiz_figures_query[] = {{"orgId", P_ID}, {NULL}};

/*
 * GET /api/v1/quizzes/{id}/figures?orgId= -> {quizId, orgId, branches:
 * [{orgId, name, level, members, submitted, online, offline, paper}],
 * questions: [{questionId, stem, answered, correct}]}: participation per
 * organisation below orgId (default: the quiz's), and how often each
 * question was answered right (to improve the bank). Counts only: never a
 * person or a person's score, never a ranking. Errors: quiz.not_found (also
 * without learning.publish on orgId, or orgId outside the quiz). Its
 * audience, and learning.publish; learning.publish on orgId in the handler.
 */
static int h_quiz_figures(struct req *req)
{
    struct quiz q;
    if (!quiz_load(req, req->obj.id, &q))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    int64_t org = req_query_int(req, "orgId", q.org_id);
    const char *path = org_path(req->db, &req->arena, org);
    if (!path || strncmp(path, q.org_path, strlen(q.org_path)) ||
        !principal_can(req->who, PERM_LEARNING_PUBLISH, path))
        return req_fail(req, ERR_QUIZ_NOT_FOUND, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "quizId", q.id);
    jw_kv_int(j, "orgId", org);
    jw_key(j, "branches");
    size_t n;
    struct learn_tally *t = learn_tally_orgs(req, org, &n);
    learn_tally_members(req, t, n, path, 0);
    const char *end = org_path_end(&req->arena, path);
    /* one pass over the quiz's attempts, grouped by branch and origin */
    struct db_stmt *st = db_query(
        req->db,
        "SELECT m.org_path, a.origin, COUNT(*) FROM quiz_attempts a JOIN members m ON m.id = "
        "a.member_id WHERE a.quiz_id = ? AND a.submitted_at IS NOT NULL AND m.org_path >= ? AND "
        "m.org_path < ? GROUP BY m.org_path, a.origin",
        "iss", q.id, path, end);
    while (db_next(st)) {
        const char *origin = db_text(st, 1);
        learn_tally_add(t, n, db_text(st, 0), 1, db_int(st, 2));
        learn_tally_add(t, n, db_text(st, 0),
                        !strcmp(origin, "online")    ? 2
                        : !strcmp(origin, "offline") ? 3
                                                     : 4,
                        db_int(st, 2));
    }
    db_done(st);
    jw_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", t[i].id);
        jw_kv_str(j, "name", t[i].name);
        jw_kv_str(j, "level", t[i].level);
        jw_kv_int(j, "members", t[i].count[0]);
        jw_kv_int(j, "submitted", t[i].count[1]);
        jw_kv_int(j, "online", t[i].count[2]);
        jw_kv_int(j, "offline", t[i].count[3]);
        jw_kv_int(j, "paper", t[i].count[4]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    /* how often each question was answered right: one pass grouped by question */
    int64_t qids[QUIZ_MAX_QUESTIONS], answered[QUIZ_MAX_QUESTIONS], right[QUIZ_MAX_QUESTIONS];
    size_t nq = 0;
    st = db_query(req->db,
                  "SELECT r.question_id, COUNT(*), SUM(r.correct) FROM quiz_attempts a JOIN "
                  "members m ON m.id = a.member_id JOIN attempt_answers r ON r.attempt_id = a.id "
                  "WHERE a.quiz_id = ? AND a.submitted_at IS NOT NULL AND m.org_path >= ? AND "
                  "m.org_path < ? GROUP BY r.question_id",
                  "iss", q.id, path, end);
    while (db_next(st) && nq < QUIZ_MAX_QUESTIONS) {
        qids[nq] = db_int(st, 0);
        answered[nq] = db_int(st, 1);
        right[nq++] = db_int(st, 2);
    }
    db_done(st);
    jw_key(j, "questions");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT q.id, q.stem FROM quiz_questions x JOIN questions q ON q.id = "
                  "x.question_id WHERE x.quiz_id = ? ORDER BY x.position",
                  "i", q.id);
    while (db_next(st)) {
        int64_t id = db_int(st, 0), a = 0, r = 0;
        for (size_t i = 0; i < nq; i++)
            if (qids[i] == id)
                a = answered[i], r = right[i];
        jw_obj_begin(j);
        jw_kv_int(j, "questionId", id);
        jw_kv_str(j, "stem", db_text(st, 1));
        jw_kv_int(j, "answered", a);
        jw_kv_int(j, "correct", r);
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- review where configured ---- */

static const struct learn_review_kind bank_review = {
    .name = "bank",
    .waiting = "SELECT 1 FROM question_banks WHERE id = ? AND review = 'review'",
    .decide = "UPDATE question_banks SET review = CASE WHEN ? THEN NULL ELSE 'rejected' END, "
              "review_note = ?, reviewed_by = ?, updated_at = ?, seq = ? WHERE id = ?",
    .not_waiting = ERR_BANK_STATE,
    .respond = bank_respond,
};

static const struct learn_review_kind quiz_review = {
    .name = "quiz",
    .waiting = "SELECT 1 FROM quizzes WHERE id = ? AND review = 'review'",
    .decide = "UPDATE quizzes SET review = CASE WHEN ? THEN NULL ELSE 'rejected' END, "
              "review_note = ?, reviewed_by = ?, updated_at = ?, seq = ? WHERE id = ?",
    .published = "UPDATE quizzes SET published_at = ? WHERE id = ?",
    .not_waiting = ERR_QUIZ_STATE,
    .respond = quiz_respond,
};

/*
 * POST /api/v1/question-banks/{id}/approve -> the bank, quizzes may now be
 * set from it. POST /api/v1/question-banks/{id}/reject {reason} -> the bank,
 * sent back. Errors: bank.not_found, bank.state (not waiting for review).
 * POST /api/v1/quizzes/{id}/approve -> the quiz, published now (its audience
 * sees it). POST /api/v1/quizzes/{id}/reject {reason} -> the quiz, sent back.
 * Errors: quiz.not_found, quiz.state. learning.publish on the organisation
 * above the item's, as for lessons.
 */
static int h_bank_approve(struct req *req)
{
    return learn_review_decide(req, &bank_review, true);
}

static int h_bank_reject(struct req *req)
{
    return learn_review_decide(req, &bank_review, false);
}

static int h_quiz_approve(struct req *req)
{
    return learn_review_decide(req, &quiz_review, true);
}

static int h_quiz_reject(struct req *req)
{
    return learn_review_decide(req, &quiz_review, false);
}

int learn_quiz_reviews(struct req *req, struct page *pg, const char *path, int64_t after,
                       bool banks)
{
    struct db_stmt *st;
    if (banks) {
        st = db_query(req->db,
                      "SELECT " BANK_SUMMARY " FROM question_banks b JOIN orgs o ON o.id = "
                      "b.org_id WHERE b.review = 'review' AND b.deleted_at IS NULL AND "
                      "substr(b.org_path, 1, length(?)) = ? AND b.id > ? ORDER BY b.id LIMIT ?",
                      "ssii", path, path, after, (int64_t)pg->limit + 1);
        while (page_next(pg, st)) {
            write_bank_summary(pg->j, st);
            page_mark_id(pg, db_int(st, 0));
        }
        return page_end(pg, st);
    }
    st = db_query(req->db,
                  "SELECT id FROM quizzes WHERE review = 'review' AND deleted_at IS NULL AND "
                  "substr(org_path, 1, length(?)) = ? AND id > ? ORDER BY id LIMIT ?",
                  "ssii", path, path, after, (int64_t)pg->limit + 1);
    while (page_next(pg, st)) {
        struct quiz q;
        int64_t id = db_int(st, 0);
        if (quiz_load(req, id, &q))
            write_quiz(req, pg->j, &q, false);
        page_mark_id(pg, id);
    }
    return page_end(pg, st);
}

const struct route learning_quiz_routes[] = {
    {"POST", "/api/v1/question-banks", h_bank_create, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH,
     "orgId", NULL, bank_body, 0},
    {"GET", "/api/v1/question-banks", h_bank_list, SCOPE_QUERY_ORG, PERM_LEARNING_PUBLISH, "orgId",
     bank_list_query, NULL, 0},
    {"GET", "/api/v1/question-banks/{id}", h_bank_get, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, NULL, 0, &bank_kind},
    {"POST", "/api/v1/question-banks/{id}/questions", h_question_add, SCOPE_OBJECT,
     PERM_LEARNING_PUBLISH, NULL, NULL, question_fields, 0, &bank_kind},
    {"POST", "/api/v1/question-banks/import", h_import_new, SCOPE_QUERY_ORG, PERM_LEARNING_PUBLISH,
     "orgId", import_new_query, NULL, ROUTE_UPLOAD},
    {"POST", "/api/v1/question-banks/{id}/approve", h_bank_approve, SCOPE_OBJECT,
     PERM_LEARNING_PUBLISH, NULL, NULL, NULL, 0, &bank_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/question-banks/{id}/reject", h_bank_reject, SCOPE_OBJECT,
     PERM_LEARNING_PUBLISH, NULL, NULL, learn_reject_body, 0, &bank_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/question-banks/{id}/import", h_import, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, import_query, NULL, ROUTE_UPLOAD, &bank_kind},
    {"POST", "/api/v1/quizzes", h_quiz_create, SCOPE_BODY_ORG, PERM_LEARNING_PUBLISH, "orgId", NULL,
     quiz_body, 0},
    {"GET", "/api/v1/quizzes", h_quiz_list, SCOPE_LOGIN, PERM_NONE, NULL, quiz_list_query, NULL, 0},
    {"GET", "/api/v1/quizzes/{id}", h_quiz_get, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     NULL, 0, &quiz_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/quizzes/{id}/start", h_start, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     NULL, 0, &quiz_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/quizzes/{id}/submit", h_submit, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL,
     NULL, submit_body, 0, &quiz_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/quizzes/{id}/approve", h_quiz_approve, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, NULL, NULL, 0, &quiz_kind, 0, SIDE_PARENT},
    {"POST", "/api/v1/quizzes/{id}/reject", h_quiz_reject, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, NULL, learn_reject_body, 0, &quiz_kind, 0, SIDE_PARENT},
    {"GET", "/api/v1/quizzes/{id}/mine", h_mine, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     NULL, 0, &quiz_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/quizzes/{id}/paper", h_paper, SCOPE_OBJECT, PERM_LEARNING_PUBLISH, NULL, NULL,
     paper_body, 0, &quiz_kind, PARTY_AUDIENCE},
    {"GET", "/api/v1/quizzes/{id}/figures", h_quiz_figures, SCOPE_OBJECT, PERM_LEARNING_PUBLISH,
     NULL, quiz_figures_query, NULL, 0, &quiz_kind, PARTY_AUDIENCE},
    {NULL},
};
