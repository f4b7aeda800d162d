/*
 * stats.c - dynamic statistics of an organisation's subtree, always current:
 * read from the counters kept on the tree (org_counts, maintained in the
 * same transaction as every member write by members_rec.c), so a province's
 * root answers as fast as a village. Age bands are exact to the day; dues
 * arrears are counted against last month.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/dues.h"
#include "mod/orgs.h"
#include "routes.h"

struct count {
    const char *key;
    int64_t n;
};

struct counts {
    struct count *v;
    size_t n, cap;
};

static void counts_add(struct arena *a, struct counts *c, const char *key, int64_t n)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].key, key)) {
            c->v[i].n += n;
            return;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct count *v = arena_alloc(a, cap * sizeof(*v));
        if (c->n)
            memcpy(v, c->v, c->n * sizeof(*v));
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct count){arena_strdup(a, key), n};
}

static int64_t counts_get(const struct counts *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].key, key))
            return c->v[i].n;
    return 0;
}

static int by_count_desc(const void *x, const void *y)
{
    const struct count *a = x, *b = y;
    if (a->n != b->n)
        return a->n < b->n ? 1 : -1;
    return strcmp(a->key, b->key);
}

/* [{name: key, count: n}, ...] biggest first, leaving out empty keys and zeros. */
static void write_list(struct jw *j, const char *name, const char *keyname, struct counts *c)
{
    if (c->n) /* c->v is NULL for an organisation without members: qsort(NULL) is undefined */
        qsort(c->v, c->n, sizeof(*c->v), by_count_desc);
    jw_key(j, name);
    jw_arr_begin(j);
    for (size_t i = 0; i < c->n; i++) {
        if (!c->v[i].n || !*c->v[i].key)
            continue;
        jw_obj_begin(j);
        jw_kv_str(j, keyname, c->v[i].key);
        jw_kv_int(j, "count", c->v[i].n);
        jw_obj_end(j);
    }
    jw_arr_end(j);
}

/* Age bands exact to the day: whole birth years are banded from the
 * 'birth_year' counters; the three boundary years split by 'birth_day'. */
static void age_bands(struct req *req, int64_t org, const struct counts *years, int64_t band[4])
{
    char today[11];
    date_today(today);
    int y = atoi(today);
    static const int edge[3] = {35, 46, 61}; /* first age of bands 1, 2, 3 */
    for (size_t i = 0; i < years->n; i++) {
        int by = atoi(years->v[i].key), b = 0;
        for (int e = 0; e < 3; e++)
            if (by < y - edge[e])
                b = e + 1;
        bool boundary = false;
        for (int e = 0; e < 3; e++)
            boundary |= by == y - edge[e];
        if (!boundary)
            band[b] += years->v[i].n;
    }
    for (int e = 0; e < 3; e++) {
        const char *lo = arena_printf(&req->arena, "%04d-", y - edge[e]);
        const char *hi = arena_printf(&req->arena, "%04d.", y - edge[e]);
        struct db_stmt *st = db_query(req->db,
                                      "SELECT key, n FROM org_counts WHERE org_id = ? AND dim = "
                                      "'birth_day' AND key >= ? AND key < ? AND n <> 0",
                                      "iss", org, lo, hi);
        while (db_next(st)) {
            /* reached the edge age this year already: in band e + 1 */
            bool reached = strcmp(db_text(st, 0) + 4, today + 4) <= 0;
            band[reached ? e + 1 : e] += db_int(st, 1);
        }
        db_done(st);
    }
}

/*
 * GET /api/v1/orgs/{id}/stats -> live figures of the members in the subtree
 * (statuses normal, retired, temporarily out): {orgId, members, full,
 * probationary, female, male, migrant, lostContact, branches, ageBands,
 * occupations, educations, ethnicities, addedHow, statuses, dues, pipeline,
 * series (24 months of joins and transfers), children (drill-down)}.
 * Errors: org.not_found. roster.read.
 */
static int h_stats(struct req *req)
{
    int64_t id = req_id(req);
    const char *path = org_path(req->db, &req->arena, id);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct arena *a = &req->arena;
    struct counts total = {0}, category = {0}, gender = {0}, years = {0}, education = {0},
                  ethnicity = {0}, occupation = {0}, migrant = {0}, lost = {0}, added = {0},
                  paid = {0}, status = {0}, stage = {0}, joined = {0}, tin = {0}, tout = {0};
    static const char *const dims[] = {"total",        "category",  "gender",       "birth_year",
                                       "education",    "ethnicity", "occupation",   "migrant",
                                       "lost_contact", "added_how", "paid_through", "status",
                                       "stage",        "joined",    "transfer_in",  "transfer_out"};
    struct counts *into[] = {&total,      &category, &gender, &years, &education, &ethnicity,
                             &occupation, &migrant,  &lost,   &added, &paid,      &status,
                             &stage,      &joined,   &tin,    &tout};
    /* Named dimensions only: seeks into the primary key, never through the
     * thousands of 'birth_day' rows of a big subtree. */
    struct db_stmt *st = db_query(
        req->db,
        "SELECT dim, key, n FROM org_counts WHERE org_id = ? AND dim IN ('total', 'category', "
        "'gender', 'birth_year', 'education', 'ethnicity', 'occupation', 'migrant', "
        "'lost_contact', 'added_how', 'paid_through', 'status', 'stage', 'joined', "
        "'transfer_in', 'transfer_out') AND n <> 0",
        "i", id);
    while (db_next(st)) {
        const char *dim = db_text(st, 0);
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++)
            if (!strcmp(dim, dims[i])) {
                counts_add(a, into[i], db_text(st, 1), db_int(st, 2));
                break;
            }
    }
    db_done(st);
    int64_t n = counts_get(&total, "all"), prob = counts_get(&category, "probationary");
    int64_t female = counts_get(&gender, "female");
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", id);
    jw_kv_int(j, "members", n);
    jw_kv_int(j, "full", n - prob);
    jw_kv_int(j, "probationary", prob);
    jw_kv_int(j, "female", female);
    jw_kv_int(j, "male", n - female);
    jw_kv_int(j, "migrant", counts_get(&migrant, "1"));
    jw_kv_int(j, "lostContact", counts_get(&lost, "1"));
    int64_t branches = 0;
    db_get_int(req->db, &branches,
               "SELECT COUNT(*) FROM orgs WHERE path >= ? AND path < ? AND level = 'branch' AND "
               "deleted_at IS NULL AND closed_at IS NULL",
               "ss", path, org_path_end(a, path));
    jw_kv_int(j, "branches", branches);

    int64_t band[4] = {0};
    age_bands(req, id, &years, band);
    static const char *const bands[] = {"under35", "35to45", "46to60", "over60"};
    jw_key(j, "ageBands");
    jw_arr_begin(j);
    for (int b = 0; b < 4; b++) {
        jw_obj_begin(j);
        jw_kv_str(j, "band", bands[b]);
        jw_kv_int(j, "count", band[b]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    write_list(j, "occupations", "occupation", &occupation);
    write_list(j, "educations", "education", &education);
    write_list(j, "ethnicities", "ethnicity", &ethnicity);
    write_list(j, "addedHow", "addedHow", &added);
    /* The 'status' dimension counts every member, on a roster or off it (the
     * recount's check); the figures here are the rosters' only. */
    for (size_t i = 0; i < status.n; i++)
        if (!member_status_counted(status.v[i].key))
            status.v[i].n = 0;
    write_list(j, "statuses", "status", &status);

    /* Dues arrears against last month (the current month is not yet due). */
    int64_t paid_up = 0, behind = 0, warn = 0, alert = 0, lapsed = 0, never = 0;
    char last[8];
    dues_last_month(last);
    for (size_t i = 0; i < paid.n; i++) {
        if (!*paid.v[i].key) {
            never += paid.v[i].n;
            continue;
        }
        int u = month_diff(paid.v[i].key, last);
        int64_t c = paid.v[i].n;
        if (u <= 0)
            paid_up += c;
        else if (u < DUES_WARN_MONTHS)
            behind += c;
        else if (u < DUES_ALERT_MONTHS)
            warn += c;
        else if (u < DUES_LAPSE_MONTHS)
            alert += c;
        else
            lapsed += c;
    }
    jw_key(j, "dues");
    jw_obj_begin(j);
    jw_kv_int(j, "paidUp", paid_up);
    jw_kv_int(j, "behind", behind);
    jw_kv_int(j, "warning", warn);
    jw_kv_int(j, "alert", alert);
    jw_kv_int(j, "lapsed", lapsed);
    jw_kv_int(j, "neverPaid", never);
    jw_obj_end(j);

    static const char *const stages[] = {"applicant", "activist", "target", "probationary"};
    jw_key(j, "pipeline");
    jw_obj_begin(j);
    for (size_t i = 0; i < ARRAY_SIZE(stages); i++)
        jw_kv_int(j, stages[i], counts_get(&stage, stages[i]));
    jw_obj_end(j);

    /* The last 24 months, oldest first. */
    jw_key(j, "series");
    jw_arr_begin(j);
    int ly, lm;
    month_parse(last, &ly, &lm);
    for (int k = 22; k >= -1; k--) {
        int mm = ly * 12 + (lm - 1) - k;
        const char *month = month_str(a, mm);
        jw_obj_begin(j);
        jw_kv_str(j, "month", month);
        jw_kv_int(j, "joined", counts_get(&joined, month));
        jw_kv_int(j, "transferIn", counts_get(&tin, month));
        jw_kv_int(j, "transferOut", counts_get(&tout, month));
        jw_obj_end(j);
    }
    jw_arr_end(j);

    /* Drill-down: the same headline figures for each child organisation. */
    jw_key(j, "children");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT o.id, o.name, o.level, o.members_total, "
                  "(SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = 'migrant' AND "
                  "c.key = '1'), (SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = "
                  "'category' AND c.key = 'probationary'), (SELECT SUM(n) FROM org_counts c WHERE "
                  "c.org_id = o.id AND c.dim = 'paid_through' AND c.key <> '' AND c.key <= ?), "
                  "(SELECT SUM(n) FROM org_counts c WHERE c.org_id = o.id AND c.dim = 'stage' AND "
                  "c.key IN ('applicant', 'activist', 'target', 'probationary')) "
                  "FROM orgs o WHERE o.parent_id = ? AND o.level <> 'group' AND o.deleted_at IS "
                  "NULL ORDER BY o.id",
                  "si", month_minus(a, last, DUES_WARN_MONTHS), id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_kv_str(j, "level", db_text(st, 2));
        jw_kv_int(j, "members", db_int(st, 3));
        jw_kv_int(j, "migrant", db_int(st, 4));
        jw_kv_int(j, "probationary", db_int(st, 5));
        jw_kv_int(j, "duesWarning", db_int(st, 6));
        jw_kv_int(j, "pipeline", db_int(st, 7));
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

const struct route stats_routes[] = {
    {"GET", "/api/v1/orgs/{id}/stats", h_stats, SCOPE_PATH_ORG, PERM_ROSTER_READ, NULL, NULL, NULL,
     ROUTE_CACHE},
    {NULL},
};
