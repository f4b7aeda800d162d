/*
 * meetings_calendar.c - what organisational life requires and whether a
 * branch keeps to it: the meeting types with their required frequency (the
 * DOMAIN.md defaults, overridden per organisation by its admin for its
 * subtree), and the compliance calendar of a branch with the roll-up of a
 * township, county or province (green / amber / red per type).
 *
 * Compliance without scanning meetings: closing a meeting (meetings.c) keeps
 * meeting_last (branch, type) -> the month of the latest meeting held, and
 * org_counts dim "mtg.<type>" counts branches per such month on every
 * organisation of the branch's path. A colour depends on that month and the
 * period: green when held in the current period, amber when not yet but in
 * the previous one, red when a whole period passed without one (or never).
 * A roll-up reads one statement of counters per child organisation.
 */
#include "app.h"
#include "mod/meetings.h"
#include "mod/meetings_calendar.h"
#include "mod/orgs.h"
#include "routes.h"
#include <limits.h>

/* ---- types and rules ---- */

const char *const meeting_types[MTG_NTYPES + 1] = {
    "branch_assembly", "committee",    "group_meeting",     "party_lecture",
    "theme_day",       "life_meeting", "democratic_review", NULL};
/* What the calendar tracks: the types, and the lectures the secretary gives. */
static const char *const calendar_items[MTG_NITEMS + 1] = {
    "branch_assembly",   "committee",         "group_meeting",
    "party_lecture",     "theme_day",         "life_meeting",
    "democratic_review", "secretary_lecture", NULL};
#define SECRETARY_LECTURE 7
/* DOMAIN.md: assembly and lecture quarterly, committee, group meeting and the
 * theme day monthly, organisational life meeting and democratic review yearly;
 * the secretary gives at least one party lecture a year. */
static const int mtg_default_period[MTG_NITEMS] = {3, 1, 1, 3, 1, 12, 12, 12};
#define MTG_LEAVE_CUTOFF_MIN 20
#define MTG_CHECKIN_WINDOW_MIN 20

static const char *const rule_keys[] = {"branch_assembly",
                                        "committee",
                                        "group_meeting",
                                        "party_lecture",
                                        "theme_day",
                                        "life_meeting",
                                        "democratic_review",
                                        "secretary_lecture",
                                        "leaveCutoffMin",
                                        "checkinWindowMin",
                                        NULL};

/* The index of a calendar item, -1 if none. */
static int item_index(const char *t)
{
    for (int i = 0; i < MTG_NITEMS; i++)
        if (!strcmp(calendar_items[i], t))
            return i;
    return -1;
}

static void rules_default(struct meeting_rules *r)
{
    memset(r, 0, sizeof(*r));
    memcpy(r->period, mtg_default_period, sizeof(r->period));
    r->leave_cutoff_min = MTG_LEAVE_CUTOFF_MIN;
    r->checkin_window_min = MTG_CHECKIN_WINDOW_MIN;
}

static void rules_apply(struct meeting_rules *r, int64_t org, const char *key, int value)
{
    int t = item_index(key);
    if (t >= 0) {
        r->period[t] = value;
        r->set_at[t] = org;
    } else if (!strcmp(key, "leaveCutoffMin")) {
        r->leave_cutoff_min = value;
        r->set_at[MTG_NITEMS] = org;
    } else if (!strcmp(key, "checkinWindowMin")) {
        r->checkin_window_min = value;
        r->set_at[MTG_NITEMS + 1] = org;
    }
}

void meeting_rules_for(struct db *db, const char *path, struct meeting_rules *r)
{
    rules_default(r);
    struct db_stmt *st = db_query(
        db,
        "SELECT r.org_id, r.key, r.value FROM meeting_rules r JOIN orgs "
        "o ON o.id = r.org_id WHERE substr(?, 1, length(o.path)) = o.path ORDER BY o.depth",
        "s", path);
    while (db_next(st))
        rules_apply(r, db_int(st, 0), db_text(st, 1), (int)db_int(st, 2));
    db_done(st);
}

/* ---- periods and colours ---- */

enum colour { GREEN, AMBER, RED };
static const char *const colour_names[] = {"green", "amber", "red"};

/* The first month of the period before now's, for a period of p months: a
 * branch founded in it or later has not yet lived a whole period. */
static int young_since(int now, int p)
{
    return period_first_month(now, p) - p;
}

/* The colour of a branch founded in month born whose latest meeting of a
 * type was in month last (-1: never), for a period of p months (0: not
 * required: green). Red only once a whole period of the branch's life passed
 * without one: a branch founded this period or the last is amber (due). */
static enum colour colour_of(int last, int p, int now, int born)
{
    if (p <= 0)
        return GREEN;
    int start = period_first_month(now, p);
    if (last >= start)
        return GREEN;
    if (last >= start - p || born >= young_since(now, p))
        return AMBER;
    return RED;
}

const char *compliance_status(int last, int p, int now)
{
    return colour_names[colour_of(last, p, now, INT_MIN)];
}

/* ---- rules ---- */

static void rules_write(struct jw *j, const struct meeting_rules *r)
{
    jw_key(j, "types");
    jw_arr_begin(j);
    for (int t = 0; t < MTG_NITEMS; t++) {
        jw_obj_begin(j);
        jw_kv_str(j, "type", calendar_items[t]);
        jw_kv_int(j, "periodMonths", r->period[t]);
        jw_kv_int(j, "defaultMonths", mtg_default_period[t]);
        jw_kv_id(j, "setAt", r->set_at[t]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_kv_int(j, "leaveCutoffMin", r->leave_cutoff_min);
    jw_kv_int(j, "checkinWindowMin", r->checkin_window_min);
}

/*
 * GET /api/v1/orgs/{id}/meeting-rules -> {orgId, types: [{type, periodMonths,
 *   defaultMonths, setAt}], leaveCutoffMin, checkinWindowMin}
 * The rules in force at the organisation (the nearest setting on its path).
 * org.read.
 */
static int h_rules_get(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_id(req));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct meeting_rules r;
    meeting_rules_for(req->db, path, &r);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", req_id(req));
    rules_write(j, &r);
    jw_obj_end(j);
    return 200;
}

static const struct param rule_body[] = {
    {"key", P_ENUM, P_REQUIRED, 0, 0, rule_keys},
    {"value", P_INT, 0, 0, 1440},
    {NULL},
};

/*
 * POST /api/v1/orgs/{id}/meeting-rules {key, value|null} -> the rules
 * Sets (or with null clears) a value for the organisation and its subtree:
 * a type's period in months (0: not required; 1, 2, 3, 4, 6 or 12), or
 * leaveCutoffMin / checkinWindowMin (0..1440). org.admin.
 */
static int h_rules_set(struct req *req)
{
    int64_t org = req_id(req);
    const char *key = req_body_str(req, "key");
    const struct value *v = req_body(req, "value");
    if (v->present && item_index(key) >= 0 && v->i != 0 && (v->i > 12 || 12 % v->i != 0))
        return req_fail_field(req, ERR_INVALID, "value",
                              "a period is 0 (not required) or 1, 2, 3, 4, 6 or 12 months");
    if (!v->present && !v->null)
        return req_fail_field(req, ERR_INVALID, "value", "value is required (null clears it)");
    if (v->present)
        db_exec(req->db,
                "INSERT INTO meeting_rules (org_id, key, value, set_by, updated_at) VALUES (?, ?, "
                "?, ?, ?) ON CONFLICT (org_id, key) DO UPDATE SET value = excluded.value, set_by "
                "= excluded.set_by, updated_at = excluded.updated_at",
                "isiii", org, key, v->i, req->who->account_id, now_sec());
    else
        db_exec(req->db, "DELETE FROM meeting_rules WHERE org_id = ? AND key = ?", "is", org, key);
    db_next_seq(req->db);
    req_audit(req, "meeting.rules", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok",
              "%s = %s", key, v->present ? arena_printf(&req->arena, "%" PRId64, v->i) : "default");
    return h_rules_get(req);
}

/* ---- compliance ---- */

const char *meeting_org_level(struct req *req, int64_t id, const char **name)
{
    const char *level = NULL;
    struct db_stmt *st = db_query(
        req->db, "SELECT level, name FROM orgs WHERE id = ? AND deleted_at IS NULL", "i", id);
    if (db_next(st)) {
        level = arena_strdup(&req->arena, db_text(st, 0));
        *name = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    return level;
}

bool meeting_level_holds(const char *level)
{
    return !strcmp(level, "branch") || !strcmp(level, "general_branch");
}

/* The calendar of one branch: per type its period, what was held in it,
 * the latest meeting, the next scheduled one and the colour. */
static void branch_calendar_write(struct req *req, struct jw *j, int64_t org, const char *path)
{
    struct meeting_rules r;
    meeting_rules_for(req->db, path, &r);
    int now = month_today();
    int64_t created = 0;
    db_get_int(req->db, &created, "SELECT created_at FROM orgs WHERE id = ?", "i", org);
    int born = month_of(created);
    const char *last[MTG_NITEMS] = {0}, *held_on[MTG_NITEMS] = {0};
    struct db_stmt *st = db_query(
        req->db, "SELECT type, month, held_on FROM meeting_last WHERE org_id = ?", "i", org);
    while (db_next(st)) {
        int t = item_index(db_text(st, 0));
        if (t >= 0) {
            last[t] = arena_strdup(&req->arena, db_text(st, 1));
            held_on[t] = arena_strdup(&req->arena, db_text(st, 2));
        }
    }
    db_done(st);
    jw_key(j, "types");
    jw_arr_begin(j);
    for (int t = 0; t < MTG_NITEMS; t++) {
        int p = r.period[t];
        int start = period_first_month(now, p > 0 ? p : 12), end = start + (p > 0 ? p : 12);
        int lm = last[t] ? month_index(last[t]) : -1;
        jw_obj_begin(j);
        jw_kv_str(j, "type", calendar_items[t]);
        jw_kv_int(j, "periodMonths", p);
        jw_kv_str(j, "periodStart", month_str(&req->arena, start));
        jw_kv_str(j, "periodEnd", month_str(&req->arena, end - 1));
        int64_t held = 0, next_id = 0, next_at = 0, sec = t == SECRETARY_LECTURE;
        const char *type = sec ? "party_lecture" : calendar_items[t];
        db_get_int(req->db, &held,
                   "SELECT COUNT(*) FROM meetings WHERE org_id = ? AND type = ? AND (? = 0 OR "
                   "by_secretary = 1) AND state = 'closed' AND starts_at >= ? AND starts_at < ? "
                   "AND deleted_at IS NULL",
                   "isiii", org, type, sec, month_start(start), month_start(end));
        st = db_query(req->db,
                      "SELECT id, starts_at FROM meetings WHERE org_id = ? AND type = ? AND (? = 0 "
                      "OR by_secretary = 1) AND state = 'scheduled' AND deleted_at IS NULL ORDER "
                      "BY starts_at LIMIT 1",
                      "isi", org, type, sec);
        if (db_next(st)) {
            next_id = db_int(st, 0);
            next_at = db_int(st, 1);
        }
        db_done(st);
        jw_kv_int(j, "heldInPeriod", held);
        jw_kv_str(j, "lastHeld", held_on[t]);
        jw_kv_id(j, "nextId", next_id);
        jw_kv_time(j, "nextAt", next_at);
        jw_kv_str(j, "status", colour_names[colour_of(lm, p, now, born)]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
}

/* A rule set on an organisation inside a roll-up's subtree. */
struct rule_row {
    int64_t org;
    const char *path;
    int depth, type, value;
};

/* A branch of the roll-up's subtree founded in the last two years (the
 * longest period is 12 months): it is not red before a whole period of its
 * life passed (colour_of). held: bit t when it has held a meeting of type t. */
struct young {
    int64_t id;
    const char *path;
    int born;
    unsigned held;
};

struct rollup {
    struct req *req;
    struct rule_row *rows;
    size_t nrows;
    struct young *young;
    size_t nyoung;
    int now;
};

/* The young branches under path (arena), with the types each has held. */
static void young_load(struct rollup *ru, const char *path)
{
    struct req *req = ru->req;
    size_t cap = 8;
    ru->young = arena_alloc(&req->arena, cap * sizeof(*ru->young));
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT id, path, created_at FROM orgs WHERE level IN ('branch', "
                 "'general_branch') AND path >= ? AND path < ? AND deleted_at IS "
                 "NULL AND closed_at IS NULL AND created_at >= ?",
                 "ssi", path, org_path_end(&req->arena, path), month_start(ru->now - 24));
    while (db_next(st)) {
        if (ru->nyoung == cap) {
            struct young *bigger = arena_alloc(&req->arena, 2 * cap * sizeof(*bigger));
            memcpy(bigger, ru->young, cap * sizeof(*bigger));
            ru->young = bigger;
            cap *= 2;
        }
        ru->young[ru->nyoung++] = (struct young){
            db_int(st, 0), arena_strdup(&req->arena, db_text(st, 1)), month_of(db_int(st, 2)), 0};
    }
    db_done(st);
    for (size_t i = 0; i < ru->nyoung; i++) {
        st = db_query(req->db, "SELECT type FROM meeting_last WHERE org_id = ?", "i",
                      ru->young[i].id);
        while (db_next(st)) {
            int t = item_index(db_text(st, 0));
            if (t >= 0)
                ru->young[i].held |= 1u << t;
        }
        db_done(st);
    }
}

/* The branches under path that never held type t and are too young to be red
 * under a period of p months. */
static int64_t young_count(const struct rollup *ru, const char *path, int t, int p)
{
    int64_t n = 0;
    size_t k = strlen(path);
    for (size_t i = 0; i < ru->nyoung; i++) {
        const struct young *y = &ru->young[i];
        if (!strncmp(y->path, path, k) && !(y->held & (1u << t)) &&
            y->born >= young_since(ru->now, p))
            n++;
    }
    return n;
}

/* The period of type t in force at path, from the rows on its path (the
 * deepest wins); with strict, only strict ancestors of path count. */
static int rollup_period(const struct rollup *ru, const char *path, int t, bool strict)
{
    int p = mtg_default_period[t], depth = -1;
    size_t n = strlen(path);
    for (size_t i = 0; i < ru->nrows; i++) {
        const struct rule_row *r = &ru->rows[i];
        size_t k = strlen(r->path);
        if (r->type != t || k > n || memcmp(r->path, path, k) || (strict && k == n))
            continue;
        if (r->depth > depth) {
            depth = r->depth;
            p = r->value;
        }
    }
    return p;
}

static int64_t branch_count(struct req *req, const char *path)
{
    int64_t n = 0;
    db_get_int(req->db, &n,
               "SELECT COUNT(*) FROM orgs WHERE level IN ('branch', 'general_branch') AND path >= "
               "? AND path < ? AND deleted_at IS NULL AND closed_at IS NULL",
               "ss", path, org_path_end(&req->arena, path));
    return n;
}

/* The "mtg.<type>" counters of one organisation: branches per month of
 * their latest meeting, per type (one statement for all types). */
#define MTG_MAX_MONTHS 64
struct held {
    int n[MTG_NITEMS];
    int month[MTG_NITEMS][MTG_MAX_MONTHS];
    int64_t count[MTG_NITEMS][MTG_MAX_MONTHS];
    int64_t older[MTG_NITEMS]; /* beyond MTG_MAX_MONTHS distinct months: red anyway */
};

static void held_load(struct req *req, int64_t org, struct held *h)
{
    memset(h, 0, sizeof(*h));
    struct db_stmt *st = db_query(req->db,
                                  "SELECT dim, key, n FROM org_counts WHERE org_id = ? AND dim "
                                  ">= 'mtg.' AND dim < 'mtg/' AND n <> 0 ORDER BY dim, key DESC",
                                  "i", org);
    while (db_next(st)) {
        int t = item_index(db_text(st, 0) + 4);
        if (t < 0)
            continue;
        if (h->n[t] == MTG_MAX_MONTHS) {
            h->older[t] += db_int(st, 2);
            continue;
        }
        h->month[t][h->n[t]] = month_index(db_text(st, 1));
        h->count[t][h->n[t]++] = db_int(st, 2);
    }
    db_done(st);
}

/* Adds sign x the colours of the branches under path counted in h
 * (branches in all) for type t under a period of p months into c[3]: those
 * that never held one are red, but for the young (amber). */
static void rollup_add(const struct rollup *ru, const char *path, const struct held *h,
                       int64_t branches, int t, int p, int sign, int64_t c[3])
{
    if (p <= 0) {
        c[GREEN] += sign * branches;
        return;
    }
    int64_t held = h->older[t];
    for (int i = 0; i < h->n[t]; i++) {
        c[colour_of(h->month[t][i], p, ru->now, INT_MIN)] += sign * h->count[t][i];
        held += h->count[t][i];
    }
    int64_t young = young_count(ru, path, t, p);
    c[AMBER] += sign * young;
    c[RED] += sign * (branches - held - young);
}

/* The colour counts per type of the branches under org (path; a branch
 * itself when branch is set): the organisation's own rule, corrected below
 * every organisation of the subtree that sets another one (the difference
 * telescopes). */
static void rollup_org(const struct rollup *ru, int64_t org, const char *path, bool branch,
                       int64_t c[MTG_NITEMS][3], int64_t *branches)
{
    struct held h, hr;
    *branches = branch ? 1 : branch_count(ru->req, path);
    held_load(ru->req, org, &h);
    memset(c, 0, sizeof(int64_t) * MTG_NITEMS * 3);
    size_t n = strlen(path);
    for (int t = 0; t < MTG_NITEMS; t++) {
        rollup_add(ru, path, &h, *branches, t, rollup_period(ru, path, t, false), 1, c[t]);
        for (size_t i = 0; i < ru->nrows; i++) {
            const struct rule_row *r = &ru->rows[i];
            if (r->type != t || strlen(r->path) <= n || strncmp(r->path, path, n))
                continue;
            int64_t b = branch_count(ru->req, r->path);
            held_load(ru->req, r->org, &hr);
            rollup_add(ru, r->path, &hr, b, t, r->value, 1, c[t]);
            rollup_add(ru, r->path, &hr, b, t, rollup_period(ru, r->path, t, true), -1, c[t]);
        }
    }
}

static void counts_write(struct jw *j, int64_t c[MTG_NITEMS][3])
{
    jw_key(j, "types");
    jw_arr_begin(j);
    for (int t = 0; t < MTG_NITEMS; t++) {
        jw_obj_begin(j);
        jw_kv_str(j, "type", calendar_items[t]);
        for (int k = 0; k < 3; k++)
            jw_kv_int(j, colour_names[k], c[t][k]);
        jw_obj_end(j);
    }
    jw_arr_end(j);
}

/*
 * GET /api/v1/orgs/{id}/compliance
 * A branch -> {orgId, name, level, month, branch: true, types: [{type,
 *   periodMonths, periodStart, periodEnd, heldInPeriod, lastHeld, nextId,
 *   nextAt, status}]}
 * Above -> {orgId, name, level, month, branch: false, branches, types:
 *   [{type, green, amber, red}], children: [{id, name, level, branches,
 *   types}]} counting branches per colour. roster.read.
 */
static int h_compliance(struct req *req)
{
    int64_t org = req_id(req);
    const char *name = NULL, *level = meeting_org_level(req, org, &name);
    const char *path = org_path(req->db, &req->arena, org);
    if (!level || !path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", org);
    jw_kv_str(j, "name", name);
    jw_kv_str(j, "level", level);
    jw_kv_str(j, "month", month_str(&req->arena, month_today()));
    jw_kv_bool(j, "branch", meeting_level_holds(level));
    if (meeting_level_holds(level)) {
        branch_calendar_write(req, j, org, path);
        jw_obj_end(j);
        return 200;
    }
    struct rollup ru = {.req = req, .now = month_today()};
    size_t cap = 16;
    ru.rows = arena_alloc(&req->arena, cap * sizeof(*ru.rows));
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT r.org_id, o.path, o.depth, r.key, r.value FROM "
                 "meeting_rules r JOIN orgs o ON o.id = r.org_id WHERE "
                 "substr(?, 1, length(o.path)) = o.path OR (o.path >= ? AND o.path < ?)",
                 "sss", path, path, org_path_end(&req->arena, path));
    while (db_next(st)) {
        int t = item_index(db_text(st, 3));
        if (t < 0)
            continue;
        if (ru.nrows == cap) {
            struct rule_row *bigger = arena_alloc(&req->arena, 2 * cap * sizeof(*ru.rows));
            memcpy(bigger, ru.rows, cap * sizeof(*ru.rows));
            ru.rows = bigger;
            cap *= 2;
        }
        ru.rows[ru.nrows++] =
            (struct rule_row){db_int(st, 0), arena_strdup(&req->arena, db_text(st, 1)),
                              (int)db_int(st, 2), t, (int)db_int(st, 4)};
    }
    db_done(st);
    young_load(&ru, path);
    int64_t c[MTG_NITEMS][3], branches;
    rollup_org(&ru, org, path, false, c, &branches);
    jw_kv_int(j, "branches", branches);
    counts_write(j, c);
    jw_key(j, "children");
    jw_arr_begin(j);
    st = db_query(req->db,
                  "SELECT id, name, level, path FROM orgs WHERE parent_id = ? AND deleted_at IS "
                  "NULL AND closed_at IS NULL AND level <> 'group' ORDER BY id",
                  "i", org);
    struct child {
        int64_t id;
        const char *name, *level, *path;
        struct child *next;
    } *kids = NULL, **tail = &kids;
    while (db_next(st)) {
        struct child *k = arena_calloc(&req->arena, 1, sizeof(*k));
        k->id = db_int(st, 0);
        k->name = arena_strdup(&req->arena, db_text(st, 1));
        k->level = arena_strdup(&req->arena, db_text(st, 2));
        k->path = arena_strdup(&req->arena, db_text(st, 3));
        *tail = k;
        tail = &k->next;
    }
    db_done(st);
    for (struct child *k = kids; k; k = k->next) {
        rollup_org(&ru, k->id, k->path,
                   meeting_level_holds(k->level) && !strcmp(k->level, "branch"), c, &branches);
        jw_obj_begin(j);
        jw_kv_int(j, "id", k->id);
        jw_kv_str(j, "name", k->name);
        jw_kv_str(j, "level", k->level);
        jw_kv_int(j, "branches", branches);
        counts_write(j, c);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

const struct route meetings_calendar_routes[] = {
    {"GET", "/api/v1/orgs/{id}/meeting-rules", h_rules_get, SCOPE_PATH_ORG, PERM_ORG_READ, NULL,
     NULL, NULL, 0},
    {"POST", "/api/v1/orgs/{id}/meeting-rules", h_rules_set, SCOPE_PATH_ORG, PERM_ORG_ADMIN, NULL,
     NULL, rule_body, 0},
    {"GET", "/api/v1/orgs/{id}/compliance", h_compliance, SCOPE_PATH_ORG, PERM_ROSTER_READ, NULL,
     NULL, NULL, ROUTE_CACHE},
    {NULL},
};
