/*
 * import.c - bulk import of a roster from CSV or XLSX as branches keep it:
 * a header row names the columns (Chinese or English, in any order), every
 * row is validated as a member record, and either every row is stored or
 * none (one transaction; after the first bad row nothing more is written,
 * but the rest is still checked so the report lists every bad row).
 * Used by POST /api/v1/imports and `zhibu import`. Also the template.
 */
#include "app.h"
#include "core/sheet_in.h"
#include "core/sheet_out.h"
#include "mod/import.h"
#include "mod/members.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"
#include "routes.h"

#define IMPORT_MAX_ERRORS 200      /* rows reported; all are counted */
#define IMPORT_BULK_MIN_ROWS 20000 /* fewer rows are always counted row by row */

/* The columns: the record field, whether required, and the header names
 * accepted for it (the first is the one the template uses). */
enum col {
    C_NAME,
    C_GENDER,
    C_ETHNICITY,
    C_BIRTH,
    C_IDNUM,
    C_NATIVE,
    C_EDUCATION,
    C_OCCUPATION,
    C_PHONE,
    C_ADDRESS,
    C_JOINED,
    C_FULL,
    C_CATEGORY,
    C_BRANCH,
    C_GROUP,
    C_MIGRANT,
    C_MIGRANT_PLACE,
    C_MIGRANT_SINCE,
    C_LOST,
    C_LOST_SINCE,
    C_DUES_YUAN,
    C_PAID_THROUGH,
    C__COUNT
};

static const struct column {
    const char *field;
    bool required;
    const char *names[5];
    const char *example;
} columns[C__COUNT] = {
    [C_NAME] = {"name", true, {"姓名", "name"}, "张三"},
    [C_GENDER] = {"gender", true, {"性别", "gender"}, "男"},
    [C_ETHNICITY] = {"ethnicity", false, {"民族", "ethnicity"}, "汉族"},
    [C_BIRTH] = {"birthDate", true, {"出生日期", "birthDate", "出生年月"}, "1970-05-01"},
    [C_IDNUM] = {"idNumber",
                 true,
                 {"身份证号", "idNumber", "公民身份号码", "身份证号码"},
                 "110101197005010013"},
    [C_NATIVE] = {"nativePlace", false, {"籍贯", "nativePlace"}, "贵州省云岭县"},
    [C_EDUCATION] = {"education", false, {"学历", "education"}, "初中"},
    [C_OCCUPATION] = {"occupation", true, {"职业", "occupation"}, "农民"},
    [C_PHONE] = {"phone", false, {"手机号", "phone", "手机号码", "联系电话"}, "13800138000"},
    [C_ADDRESS] = {"address", false, {"家庭住址", "address", "住址"}, "东岭镇下湾村3组"},
    [C_JOINED] = {"joinedAt", true, {"入党日期", "joinedAt", "入党时间"}, "1995-07-01"},
    [C_FULL] = {"fullAt", false, {"转正日期", "fullAt", "转正时间"}, "1996-07-01"},
    [C_CATEGORY] = {"category", true, {"人员类别", "category", "党员类别"}, "正式党员"},
    [C_BRANCH] = {"orgId", false, {"所在党支部", "branch", "党支部"}, ""},
    [C_GROUP] = {"groupId", false, {"党小组", "group"}, ""},
    [C_MIGRANT] = {"migrant", false, {"流动党员", "migrant"}, "否"},
    [C_MIGRANT_PLACE] = {"migrantPlace", false, {"外出地点", "migrantPlace", "流入地"}, ""},
    [C_MIGRANT_SINCE] = {"migrantSince", false, {"外出日期", "migrantSince"}, ""},
    [C_LOST] = {"lostContact", false, {"失联", "lostContact"}, "否"},
    [C_LOST_SINCE] = {"lostContactSince", false, {"失联日期", "lostContactSince"}, ""},
    [C_DUES_YUAN] = {"duesFen",
                     false,
                     {"月交党费(元)", "duesYuan", "月交党费（元）", "党费标准"},
                     "0.5"},
    [C_PAID_THROUGH] = {"duesPaidThrough", false, {"党费交至", "duesPaidThrough"}, ""},
};

const char *import_column_name(int i)
{
    return i >= 0 && i < C__COUNT ? columns[i].names[0] : NULL;
}

/* Whether s is blank (only spaces, including the ideographic one). */
static bool blank(const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        if (!strncmp(s, "\u3000", 3)) {
            s += 2;
            continue;
        }
        return false;
    }
    return true;
}

/* A copy without leading and trailing spaces (arena). */
static char *trimmed(struct arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return arena_strndup(a, s, n);
}

/* Dates as people type them: 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日,
 * 20200105. NULL if it is none of those. */
static const char *norm_date(struct arena *a, const char *s)
{
    int y = 0, m = 0, d = 0, n = 0;
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8)
        sscanf(s, "%4d%2d%2d", &y, &m, &d);
    else if (sscanf(s, "%d-%d-%d%n", &y, &m, &d, &n) == 3 && !s[n])
        ;
    else if (sscanf(s, "%d/%d/%d%n", &y, &m, &d, &n) == 3 && !s[n])
        ;
    else if (sscanf(s, "%d.%d.%d%n", &y, &m, &d, &n) == 3 && !s[n])
        ;
    else if (sscanf(s, "%d年%d月%d日%n", &y, &m, &d, &n) == 3 && !s[n])
        ;
    else
        return NULL;
    char *out = arena_printf(a, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    int yy, mm, dd;
    return date_parse(out, &yy, &mm, &dd) ? out : NULL;
}

static const char *norm_month(struct arena *a, const char *s)
{
    int y = 0, m = 0, n = 0;
    if ((sscanf(s, "%d-%d%n", &y, &m, &n) == 2 && !s[n]) ||
        (sscanf(s, "%d/%d%n", &y, &m, &n) == 2 && !s[n]) ||
        (sscanf(s, "%d.%d%n", &y, &m, &n) == 2 && !s[n]) ||
        (sscanf(s, "%d年%d月%n", &y, &m, &n) == 2 && !s[n])) {
        char *out = arena_printf(a, "%04d-%02d", y % 10000, m % 100);
        int yy, mm;
        return month_parse(out, &yy, &mm) ? out : NULL;
    }
    return NULL;
}

/* 是/否 and friends; -1 if neither. */
static int norm_bool(const char *s)
{
    static const char *const yes[] = {"是", "yes", "y", "1", "true", "TRUE", "Y", "Yes", NULL};
    static const char *const no[] = {"否", "no", "n", "0", "false", "FALSE", "N", "No", NULL};
    if (member_enum_ok(yes, s))
        return 1;
    if (member_enum_ok(no, s) || !*s)
        return 0;
    return -1;
}

/* "0.5" yuan -> 50 fen; -1 if not an amount with at most two decimals. */
static int64_t yuan_to_fen(const char *s)
{
    int64_t yuan = 0, fen = 0;
    int digits = 0;
    const char *p = s;
    if (!*p)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((yuan = yuan * 10 + (*p - '0')) > 1000000)
            return -1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
            fen = fen * 10 + (*p - '0');
        if (digits == 1)
            fen *= 10;
    }
    return *p ? -1 : yuan * 100 + fen;
}

/* ---- the job ---- */

struct branch_ref {
    int64_t id;
    const char *path;
    const char *name; /* its own name */
    const char *rel; /* names from below the import organisation: "东岭镇党委/下湾村党支部" */
};

struct idset {
    uint64_t *slots;
    size_t cap, n;
};

/* Whether the set held the 64-bit key already (0 is never stored). */
static bool idset_add(struct idset *s, uint64_t key)
{
    key |= 1;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                for (size_t j = s->slots[i] & (cap - 1);; j = (j + 1) & (cap - 1))
                    if (!slots[j]) {
                        slots[j] = s->slots[i];
                        break;
                    }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    for (size_t j = key & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (!s->slots[j]) {
            s->slots[j] = key;
            s->n++;
            return false;
        }
        if (s->slots[j] == key)
            return true;
    }
}

static void import_error(struct import_job *job, long row, const char *column, const char *field,
                         const char *fmt, ...) PRINTF_LIKE(5, 6);

static void import_error(struct import_job *job, long row, const char *column, const char *field,
                         const char *fmt, ...)
{
    job->nerrors++;
    if (job->nerrors > IMPORT_MAX_ERRORS)
        return;
    struct import_error *e = arena_alloc(job->a, sizeof(*e));
    va_list ap;
    va_start(ap, fmt);
    char msg[300];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    e->row = row;
    e->column = column ? arena_strdup(job->a, column) : NULL;
    e->field = field;
    e->message = arena_strdup(job->a, msg);
    e->next = NULL;
    *job->errors_tail = e;
    job->errors_tail = &e->next;
}

/* Loads the open branches of the subtree with their names relative to it. */
static size_t load_branches(struct import_job *job, struct branch_ref **out)
{
    struct db_stmt *st = db_query(
        job->db,
        "SELECT id, path, name, level, parent_id FROM orgs WHERE path >= ? AND path < ? AND "
        "deleted_at IS NULL AND closed_at IS NULL AND level <> 'group' ORDER BY path",
        "ss", job->org_path, org_path_end(job->a, job->org_path));
    size_t n = 0, cap = 64;
    struct branch_ref *all = xmalloc(cap * sizeof(*all));
    bool *is_branch = xmalloc(cap);
    while (db_next(st)) {
        if (n == cap) {
            cap *= 2;
            all = xrealloc(all, cap * sizeof(*all));
            is_branch = xrealloc(is_branch, cap);
        }
        all[n].id = db_int(st, 0);
        all[n].path = arena_strdup(job->a, db_text(st, 1));
        all[n].name = arena_strdup(job->a, db_text(st, 2));
        const char *level = db_text(st, 3);
        is_branch[n] = !strcmp(level, "branch") || !strcmp(level, "general_branch");
        /* ORDER BY path puts a parent before its children: find it backwards. */
        all[n].rel = all[n].name;
        if (n) {
            int64_t parent = db_int(st, 4);
            for (size_t k = n; k-- > 0;)
                if (all[k].id == parent) {
                    all[n].rel = all[k].id == job->org_id
                                     ? all[n].name
                                     : arena_printf(job->a, "%s/%s", all[k].rel, all[n].name);
                    break;
                }
        }
        n++;
    }
    db_done(st);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (is_branch[i])
            all[m++] = all[i];
    free(is_branch);
    *out = all;
    return m;
}

static int by_rel(const void *x, const void *y)
{
    return strcmp((*(const struct branch_ref *const *)x)->rel,
                  (*(const struct branch_ref *const *)y)->rel);
}

static int by_name(const void *x, const void *y)
{
    return strcmp((*(const struct branch_ref *const *)x)->name,
                  (*(const struct branch_ref *const *)y)->name);
}

/* Sorted views of the branches for binary search (a province has 20,000+). */
static void index_branches(struct import_job *job)
{
    size_t n = job->nbranches;
    job->by_rel = xmalloc((n ? n : 1) * sizeof(*job->by_rel));
    job->by_name = xmalloc((n ? n : 1) * sizeof(*job->by_name));
    for (size_t i = 0; i < n; i++)
        job->by_rel[i] = job->by_name[i] = &job->branches[i];
    qsort(job->by_rel, n, sizeof(*job->by_rel), by_rel);
    qsort(job->by_name, n, sizeof(*job->by_name), by_name);
}

/* The branch a row names: by its relative path, or its own name when that is
 * unique. NULL with a message when it cannot be told. */
static const struct branch_ref *find_branch(struct import_job *job, const char *text,
                                            const char **why)
{
    struct branch_ref key = {.rel = text, .name = text};
    const struct branch_ref *kp = &key;
    struct branch_ref **hit =
        bsearch(&kp, job->by_rel, job->nbranches, sizeof(*job->by_rel), by_rel);
    if (hit)
        return *hit;
    hit = bsearch(&kp, job->by_name, job->nbranches, sizeof(*job->by_name), by_name);
    if (hit) {
        bool twin = (hit > job->by_name && !strcmp(hit[-1]->name, text)) ||
                    (hit + 1 < job->by_name + job->nbranches && !strcmp(hit[1]->name, text));
        if (!twin)
            return *hit;
    }
    *why = hit ? "two branches have this name: write the township too, e.g. 东岭镇党委/下湾村党支部"
               : "no open branch of this name under the organisation";
    return NULL;
}

static int64_t find_group(struct import_job *job, int64_t branch, const char *name)
{
    int64_t id = 0;
    db_get_int(job->db, &id,
               "SELECT id FROM orgs WHERE parent_id = ? AND level = 'group' AND name = ? AND "
               "deleted_at IS NULL AND closed_at IS NULL",
               "is", branch, name);
    return id;
}

/* How many cells of a row name a known column. */
static int known_columns(struct import_job *job, const char *const *cells, size_t n)
{
    int known = 0;
    for (size_t i = 0; i < n; i++) {
        const char *h = trimmed(job->row, cells[i]);
        for (int c = 0; c < C__COUNT; c++)
            for (int k = 0; k < 5 && columns[c].names[k]; k++)
                if (!strcmp(h, columns[c].names[k]))
                    known++;
    }
    return known;
}

/* Maps the header row to columns; false (with errors) if it is not usable. */
static bool read_header(struct import_job *job, const char *const *cells, size_t n, int *colof)
{
    for (int c = 0; c < C__COUNT; c++)
        colof[c] = -1;
    for (size_t i = 0; i < n; i++) {
        const char *h = trimmed(job->a, cells[i]);
        if (!*h)
            continue;
        bool known = false;
        for (int c = 0; c < C__COUNT && !known; c++)
            for (int k = 0; k < 5 && columns[c].names[k]; k++)
                if (!strcmp(h, columns[c].names[k])) {
                    if (colof[c] >= 0)
                        import_error(job, 1, h, columns[c].field, "the column appears twice");
                    colof[c] = (int)i;
                    known = true;
                    break;
                }
        if (!known)
            job->ignored_columns++;
    }
    for (int c = 0; c < C__COUNT; c++)
        if (columns[c].required && colof[c] < 0)
            import_error(job, 1, columns[c].names[0], columns[c].field,
                         "the column %s is missing (download the template)", columns[c].names[0]);
    if (!job->branch_id && colof[C_BRANCH] < 0)
        import_error(job, 1, columns[C_BRANCH].names[0], "orgId",
                     "importing into a township or county needs the column 所在党支部");
    return job->nerrors == 0;
}

#define CELL(c) (colof[c] >= 0 && (size_t)colof[c] < n ? trimmed(job->row, cells[colof[c]]) : "")

/* One data row: builds and checks the record, stores it if all is well so
 * far. */
static void import_row(struct import_job *job, long row, const char *const *cells, size_t n,
                       const int *colof, struct idset *seen)
{
    struct arena *a = job->row;
    size_t mark_errors = job->nerrors;
#define BAD(c, ...) import_error(job, row, columns[c].names[0], columns[c].field, __VA_ARGS__)
    struct member_rec m = {
        .status = "normal", .added_how = "other", .dues_basis = "farmer", .dues_fen = 20};
    if (job->branch_id) {
        m.org_id = job->branch_id;
        m.org_path = job->org_path;
        const char *b = CELL(C_BRANCH);
        if (*b && strcmp(b, job->branch_name))
            BAD(C_BRANCH, "the file names another branch than the one importing");
    } else {
        const char *why = NULL, *b = CELL(C_BRANCH);
        const struct branch_ref *ref = *b ? find_branch(job, b, &why) : NULL;
        if (!*b)
            BAD(C_BRANCH, "the branch is required");
        else if (!ref)
            BAD(C_BRANCH, "%s", why);
        else {
            m.org_id = ref->id;
            m.org_path = ref->path;
        }
    }
    m.name = CELL(C_NAME);
    const char *g = CELL(C_GENDER);
    m.gender = !strcmp(g, "男") || !strcmp(g, "male")     ? "male"
               : !strcmp(g, "女") || !strcmp(g, "female") ? "female"
                                                          : g;
    const char *v;
    if (*(v = CELL(C_ETHNICITY)))
        m.ethnicity = v;
    if (*(v = CELL(C_BIRTH)) && !(m.birth_date = norm_date(a, v)))
        BAD(C_BIRTH, "not a date (e.g. 1970-05-01)");
    if (*(v = CELL(C_IDNUM)))
        m.id_number = v;
    if (*(v = CELL(C_NATIVE)))
        m.native_place = v;
    if (*(v = CELL(C_EDUCATION)))
        m.education = v;
    m.occupation = CELL(C_OCCUPATION);
    if (*(v = CELL(C_PHONE)))
        m.phone = v;
    if (*(v = CELL(C_ADDRESS)))
        m.address = v;
    if (*(v = CELL(C_JOINED)) && !(m.joined_at = norm_date(a, v)))
        BAD(C_JOINED, "not a date (e.g. 1995-07-01)");
    if (*(v = CELL(C_FULL)) && !(m.full_at = norm_date(a, v)))
        BAD(C_FULL, "not a date (e.g. 1996-07-01)");
    const char *cat = CELL(C_CATEGORY);
    m.category = !strcmp(cat, "正式党员") || !strcmp(cat, "正式") || !strcmp(cat, "full") ? "full"
                 : !strcmp(cat, "预备党员") || !strcmp(cat, "预备") || !strcmp(cat, "probationary")
                     ? "probationary"
                     : cat;
    int flag = norm_bool(CELL(C_MIGRANT));
    if (flag < 0)
        BAD(C_MIGRANT, "write 是 or 否");
    m.migrant = flag == 1;
    if (*(v = CELL(C_MIGRANT_PLACE)))
        m.migrant_place = v;
    if (*(v = CELL(C_MIGRANT_SINCE)) && !(m.migrant_since = norm_date(a, v)))
        BAD(C_MIGRANT_SINCE, "not a date");
    flag = norm_bool(CELL(C_LOST));
    if (flag < 0)
        BAD(C_LOST, "write 是 or 否");
    m.lost_contact = flag == 1;
    if (*(v = CELL(C_LOST_SINCE)) && !(m.lost_contact_since = norm_date(a, v)))
        BAD(C_LOST_SINCE, "not a date");
    if (*(v = CELL(C_DUES_YUAN))) {
        int64_t fen = yuan_to_fen(v);
        if (fen <= 0)
            BAD(C_DUES_YUAN, "an amount in yuan, e.g. 0.5");
        else
            m.dues_fen = fen;
        if (fen > 100)
            m.dues_basis = !strcmp(m.occupation, "退休人员") ? "retiree" : "salary";
    }
    if (*(v = CELL(C_PAID_THROUGH)) && !(m.dues_paid_through = norm_month(a, v)))
        BAD(C_PAID_THROUGH, "a month, e.g. 2026-10");
    if (*(v = CELL(C_GROUP)) && m.org_id && !(m.group_id = find_group(job, m.org_id, v)))
        BAD(C_GROUP, "no party group of this name in the branch");
    if (job->nerrors != mark_errors)
        return;
    if (!m.id_number) {
        BAD(C_IDNUM, "the ID number is required");
        return;
    }
    const char *field;
    const char *why = member_validate(&m, &field);
    if (why) {
        int c = 0;
        while (c < C__COUNT && strcmp(columns[c].field, field))
            c++;
        import_error(job, row, c < C__COUNT ? columns[c].names[0] : field, field, "%s", why);
        return;
    }
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("member.id", m.id_number, h);
    uint64_t key;
    memcpy(&key, h, sizeof(key));
    if (idset_add(seen, key)) {
        BAD(C_IDNUM, "the same ID number is on an earlier row of the file");
        return;
    }
    const char *holder_path;
    int64_t holder = member_id_holder(job->db, a, m.id_number, 0, &holder_path);
    if (holder && member_id_in_reach(job->who, holder, holder_path)) {
        BAD(C_IDNUM, "a member with this ID number is already registered");
        return;
    }
    if (holder) {
        /* Registered where the caller may not look: a dry run says nothing
         * (a new number would pass too); the import itself cannot store it. */
        job->beyond++;
        if (!job->dry_run) {
            BAD(C_IDNUM, "this ID number cannot be imported here without an administrator's "
                         "review (a member who moves comes through a transfer)");
            return;
        }
    }
#undef BAD
    if (job->nerrors || job->dry_run)
        return;
    if (!member_insert_ex(job->db, a, &m, job->actor, "imported", !job->bulk))
        import_error(job, row, NULL, NULL, "the store failed");
    else
        job->imported++;
}

int import_members(struct import_job *job, struct sheet_reader *r)
{
    job->errors_tail = &job->errors;
    int colof[C__COUNT], titles = 0;
    bool header = false;
    struct idset seen = {0};
    int64_t last_report = 0;
    const char *const *cells;
    size_t n;
    int rc;
    if (!job->branch_id) {
        job->nbranches = load_branches(job, &job->branches);
        index_branches(job);
    }
    struct arena row_arena;
    arena_init(&row_arena);
    job->row = &row_arena;
    while ((rc = sheet_next(r, &cells, &n)) == 1) {
        bool empty = true;
        for (size_t i = 0; i < n && empty; i++)
            empty = blank(cells[i]);
        if (empty)
            continue;
        long row = sheet_row(r);
        if (!header) {
            /* Rosters kept in Excel often start with a title row (下湾村党员花名册)
             * or two: the header is the first row that names a known column. */
            if (!known_columns(job, cells, n) && ++titles <= 5)
                continue;
            header = true;
            if (!read_header(job, cells, n, colof))
                break;
            continue;
        }
        job->rows++;
        /* Row values live in a scratch arena; errors are copied to the job's. */
        import_row(job, row, cells, n, colof, &seen);
        arena_release(&row_arena);
        arena_init(&row_arena);
        if (job->progress && mono_us() - last_report > 200000) {
            last_report = mono_us();
            job->progress(job->progress_ctx, sheet_progress(r), job->rows, job->nerrors);
        }
    }
    arena_release(&row_arena);
    free(seen.slots);
    free(job->branches);
    free(job->by_rel);
    free(job->by_name);
    job->branches = NULL;
    job->by_rel = job->by_name = NULL;
    if (rc < 0)
        import_error(job, sheet_row(r), NULL, NULL, "%s", sheet_error(r));
    else if (!header && !titles)
        import_error(job, 1, NULL, NULL, "the file is empty: no header row");
    else if (!header)
        read_header(job, NULL, 0, colof); /* no row names a known column: say which are missing */
    else if (!job->rows && !job->nerrors)
        import_error(job, 2, NULL, NULL, "the file has a header but no members");
    if (job->progress)
        job->progress(job->progress_ctx, 1.0, job->rows, job->nerrors);
    if (job->nerrors || job->dry_run) {
        job->imported = 0; /* the caller rolls back what was written */
        return job->nerrors ? -1 : 0;
    }
    if (job->bulk && org_counts_recount(job->db))
        return -1;
    return db_failed(job->db) ? -1 : 0;
}

void import_choose_bulk(struct import_job *job, int64_t file_bytes)
{
    /* A roster row is ~150 bytes in a CSV (XLSX packs tighter: counted the same,
     * erring towards row-by-row). Recounting costs a pass over every member of
     * the deployment; counting row by row costs ~60 small writes per row. */
    int64_t rows = file_bytes / 150, members = 0;
    db_get_int(job->db, &members, "SELECT COUNT(*) FROM members", "");
    job->bulk = rows > IMPORT_BULK_MIN_ROWS && rows > members / 2;
}

int import_job_init(struct import_job *job, struct db *db, struct arena *a, int64_t org_id)
{
    memset(job, 0, sizeof(*job));
    job->db = db;
    job->a = a;
    job->org_id = org_id;
    struct db_stmt *st =
        db_query(db,
                 "SELECT path, level, name, closed_at IS NOT NULL FROM orgs WHERE id = ? AND "
                 "deleted_at IS NULL",
                 "i", org_id);
    bool found = db_next(st), closed = false;
    if (found) {
        job->org_path = arena_strdup(a, db_text(st, 0));
        const char *level = db_text(st, 1);
        if (!strcmp(level, "branch") || !strcmp(level, "general_branch")) {
            job->branch_id = org_id;
            job->branch_name = arena_strdup(a, db_text(st, 2));
        }
        closed = db_int(st, 3) != 0;
        job->is_group = !strcmp(level, "group");
    }
    db_done(st);
    if (!found)
        return ERR_ORG_NOT_FOUND;
    if (closed)
        return ERR_ORG_CLOSED;
    return -1;
}

static void import_report_write(const struct import_job *job, struct jw *j)
{
    jw_obj_begin(j);
    jw_kv_int(j, "rows", job->rows);
    jw_kv_int(j, "imported", job->imported);
    jw_kv_bool(j, "dryRun", job->dry_run);
    jw_kv_int(j, "ignoredColumns", job->ignored_columns);
    jw_kv_int(j, "errorCount", (int64_t)job->nerrors);
    jw_key(j, "errors");
    jw_arr_begin(j);
    for (const struct import_error *e = job->errors; e; e = e->next) {
        jw_obj_begin(j);
        jw_kv_int(j, "row", e->row);
        jw_kv_str(j, "column", e->column);
        jw_kv_str(j, "field", e->field);
        jw_kv_str(j, "message", e->message);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
}

/* ---- API ---- */

static const struct param import_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"dryRun", P_BOOL},
    {NULL},
};

/* Checks the caller's request and opens the file; 0 or an error status. */
static int import_start(struct req *req, struct import_job *job, struct sheet_reader **r)
{
    int err = import_job_init(job, req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (err >= 0)
        return req_fail(req, err, NULL);
    if (job->is_group)
        return req_fail_field(req, ERR_INVALID, "orgId", "import into the branch of the group");
    int rc = req_rate_limit(req, "member.import", cfg.imports_per_hour);
    if (rc)
        return rc;
    const struct value *dry = req_query(req, "dryRun");
    job->dry_run = dry && dry->present && dry->i;
    job->actor = req->who->account_id;
    job->who = req->who;
    char why[200];
    if (!(*r = sheet_open_fd(req->body_fd, why, sizeof(why))))
        return req_fail(req, ERR_IMPORT_INVALID, "%s", why);
    import_choose_bulk(job, req->body_size);
    return 0;
}

/* Reads (and unless a dry run, stores) every row; 0, 422 when a row is at
 * fault (the report is in job), or the status of another error. */
static int import_run(struct req *req, struct import_job *job)
{
    struct sheet_reader *r;
    int rc = import_start(req, job, &r);
    if (rc)
        return rc;
    rc = import_members(job, r);
    sheet_close(r);
    return rc ? 422 : 0;
}

/*
 * A dry run only reads: the whole file is checked here, in a read
 * transaction of its own (ROUTE_READ_FIRST), so that a file of a million
 * rows keeps no other write waiting; the handler then writes the audit row.
 */
struct import_checked {
    struct import_job job;
    int status;
};

static int import_prepare(struct req *req)
{
    const struct value *dry = req_query(req, "dryRun");
    if (!dry || !dry->present || !dry->i)
        return 0;
    struct import_checked *c = arena_calloc(&req->arena, 1, sizeof(*c));
    c->status = import_run(req, &c->job);
    if (c->status && c->status != 422)
        return c->status;
    req->state = c;
    return 0;
}

/*
 * POST /api/v1/imports?orgId=&dryRun= with the file as the body (CSV or
 * XLSX, up to max_upload bytes; the dispatcher spools it to req->body_fd) -> 201 {rows, imported,
 * dryRun, ignoredColumns, errorCount, errors: []} when every row was stored (200 for a dry run).
 * Any bad row: 422 import.invalid with the same report as "report" in the error object, and nothing
 * stored. orgId is a branch (rows go there) or a higher organisation (the column 所在党支部 names
 * each row's branch). An ID number already registered on a record the caller may not reveal passes
 * a dry run (as a new one would) and fails the import. A dry run is checked in a read transaction
 * (import_prepare): it keeps no write waiting. At most imports_per_hour imports (dry runs too) per
 * account, each audited. Errors: org.not_found, org.closed, import.invalid, request.rate_limited.
 * roster.write on orgId.
 */
static int h_import(struct req *req)
{
    struct import_checked *c = req->state, own = {0};
    if (!c) {
        c = &own;
        c->status = import_run(req, &c->job);
        if (c->status && c->status != 422)
            return c->status;
    }
    struct import_job *job = &c->job;
    if (c->status) {
        req_audit(req, "member.import", job->org_id,
                  arena_printf(&req->arena, "org:%" PRId64, job->org_id), "failed",
                  "%ld rows, %zu errors, %ld ID numbers registered beyond the caller's reach",
                  job->rows, job->nerrors, job->beyond);
        req_fail(req, ERR_IMPORT_INVALID, "%zu of the rows have errors; nothing was imported",
                 job->nerrors);
        struct buf b;
        struct jw j;
        buf_init_arena(&b, &req->arena);
        jw_init(&j, &b);
        import_report_write(job, &j);
        req_fail_details(req, "report", b.data);
        return 422;
    }
    req_audit(req, "member.import", job->org_id,
              arena_printf(&req->arena, "org:%" PRId64, job->org_id), "ok",
              "%ld rows%s, %ld ID numbers registered beyond the caller's reach",
              job->dry_run ? job->rows : job->imported, job->dry_run ? " checked (dry run)" : "",
              job->beyond);
    import_report_write(job, req_data(req));
    return job->dry_run ? 200 : 201;
}

static void template_fill(struct sheet_writer *w, void *ctx)
{
    const char *head[C__COUNT], *example[C__COUNT];
    for (int c = 0; c < C__COUNT; c++) {
        head[c] = columns[c].names[0];
        example[c] = columns[c].example;
    }
    sheet_write_header(w, head, C__COUNT);
    sheet_write_row(w, example, C__COUNT);
}

static const struct param template_query[] = {
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {NULL},
};

/*
 * GET /api/v1/imports/template?format=xlsx|csv -> the file (花名册导入模板):
 * the header row and one example row. Any logged-in caller.
 */
static int h_template(struct req *req)
{
    return sheet_respond(req, req_query_str(req, "format"), "花名册导入模板", template_fill, NULL);
}

const struct route import_routes[] = {
    {"POST", "/api/v1/imports", h_import, SCOPE_QUERY_ORG, PERM_ROSTER_WRITE, "orgId", import_query,
     NULL, ROUTE_UPLOAD | ROUTE_READ_FIRST, .prepare = import_prepare},
    {"GET", "/api/v1/imports/template", h_template, SCOPE_LOGIN, PERM_NONE, NULL, template_query,
     NULL, ROUTE_RAW},
    {NULL},
};
