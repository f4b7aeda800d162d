/*
 * org_counts.c - the statistics counters kept on the organisation tree
 * (table org_counts): every dimension of a member counted on its branch and
 * each ancestor, in the transaction of the write that changed it
 * (members_rec.c calls org_counts_member); events by month; carrying a
 * subtree's counts when an organisation moves; the full recount; the
 * member totals on the organisations themselves (orgs.members_total); and
 * the access figures of the members' accounts (dims 'access', 'acted_day').
 */
#include "app.h"
#include "core/roster.h"
#include "mod/access.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"

/* The counted dimensions of a member (status counted or not, the 'status'
 * dimension is kept for every member on a roster or off it). */
struct dim_value {
    const char *dim, *key;
};

static size_t member_dims(const struct member_rec *m, struct dim_value *out, char year[8])
{
    size_t n = 0;
    out[n++] = (struct dim_value){"status", m->status};
    if (!member_status_counted(m->status))
        return n;
    snprintf(year, 8, "%.4s", m->birth_date);
    out[n++] = (struct dim_value){"total", "all"};
    out[n++] = (struct dim_value){"category", m->category};
    out[n++] = (struct dim_value){"gender", m->gender};
    out[n++] = (struct dim_value){"birth_year", year};
    out[n++] = (struct dim_value){"birth_day", m->birth_date};
    out[n++] = (struct dim_value){"education", m->education ? m->education : ""};
    out[n++] = (struct dim_value){"ethnicity", m->ethnicity ? m->ethnicity : ""};
    out[n++] = (struct dim_value){"occupation", m->occupation};
    out[n++] = (struct dim_value){"migrant", m->migrant ? "1" : "0"};
    out[n++] = (struct dim_value){"lost_contact", m->lost_contact ? "1" : "0"};
    out[n++] = (struct dim_value){"added_how", m->added_how};
    out[n++] = (struct dim_value){"paid_through", m->dues_paid_through ? m->dues_paid_through : ""};
    return n;
}

/* ---- the access figures of a member's account ---- */

/* What an account counts for on its member's branch: an account (not
 * disabled), activated, and the instant of its last real action (0: none;
 * counted for activated accounts only). */
struct access_state {
    bool has, activated;
    int64_t last;
};

/* Deletes the 'acted_day' row of day on every organisation of path where it
 * is at zero: a day no account's last action is on any more (the day keys
 * would otherwise grow by one row a day and organisation, forever). */
static void acted_day_drop_zero(struct db *db, const char *path, const char *day)
{
    for (const char *p = path; *p == '/' && p[1]; p = strchr(p + 1, '/'))
        db_exec(db,
                "DELETE FROM org_counts WHERE org_id = ? AND dim = 'acted_day' AND key = ? AND "
                "n = 0",
                "is", (int64_t)strtoll(p + 1, NULL, 10), day);
}

static void access_add(struct db *db, const char *path, const struct access_state *s, int64_t delta)
{
    if (!s->has)
        return;
    org_counts_add(db, path, "access", "accounts", delta);
    if (!s->activated)
        return;
    org_counts_add(db, path, "access", "activated", delta);
    if (!s->last)
        return;
    char day[11];
    date_from_days(beijing_day(s->last), day);
    org_counts_add(db, path, "access", "acted", delta);
    org_counts_add(db, path, "acted_day", day, delta);
    if (delta < 0)
        acted_day_drop_zero(db, path, day);
}

/* The state of the account of member (has false: none, or disabled). */
static void access_of_member(struct db *db, int64_t member, struct access_state *s)
{
    *s = (struct access_state){0};
    struct db_stmt *st = db_query(db,
                                  "SELECT activated_at IS NOT NULL, COALESCE(last_action_at, 0) "
                                  "FROM accounts WHERE member_id = ? AND disabled_at IS NULL",
                                  "i", member);
    if (db_next(st))
        *s = (struct access_state){true, db_int(st, 0) != 0, db_int(st, 1)};
    db_done(st);
}

void org_counts_account(struct db *db, int64_t account, int64_t delta)
{
    struct access_state s = {0};
    char *path = NULL;
    struct db_stmt *st = db_query(
        db,
        "SELECT m.org_path, a.activated_at IS NOT NULL, COALESCE(a.last_action_at, 0) FROM "
        "accounts a JOIN members m ON m.id = a.member_id WHERE a.id = ? AND a.disabled_at IS NULL "
        "AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES,
        "i", account);
    if (db_next(st)) {
        path = xstrdup(db_text(st, 0));
        s = (struct access_state){true, db_int(st, 1) != 0, db_int(st, 2)};
    }
    db_done(st);
    if (path)
        access_add(db, path, &s, delta);
    free(path);
}

/* ---- members_total on the tree ---- */

void org_total_add(struct db *db, const char *path, int64_t delta)
{
    for (const char *s = path; *s == '/' && s[1]; s = strchr(s + 1, '/'))
        db_exec(db, "UPDATE orgs SET members_total = members_total + ? WHERE id = ?", "ii", delta,
                (int64_t)strtoll(s + 1, NULL, 10));
}

/*
 * Member counts kept on the tree (orgs.members_total): org_counts_member()
 * adjusts them in the same transaction as every member write (delta +1/-1 on
 * the branch's path and, when set, the party group); org_members_recount()
 * recomputes every total from the members table (the end of a recount).
 */
static void org_members_adjust(struct db *db, const char *path, int64_t group_id, int64_t delta)
{
    org_total_add(db, path, delta);
    if (group_id)
        db_exec(db, "UPDATE orgs SET members_total = members_total + ? WHERE id = ?", "ii", delta,
                group_id);
}

static int org_members_recount(struct db *db)
{
    int64_t depth = 0;
    db_get_int(db, &depth, "SELECT COALESCE(MAX(depth), 0) FROM orgs", "");
    /* Members sit on branches: their own count first, groups by assignment... */
    db_exec(db,
            "UPDATE orgs SET members_total = CASE WHEN level = 'group' THEN (SELECT COUNT(*) "
            "FROM members m WHERE m.group_id = orgs.id AND m.deleted_at IS NULL AND m.status "
            "IN " ROSTER_STATUSES
            ") ELSE (SELECT COUNT(*) FROM members m WHERE m.org_id = orgs.id AND "
            "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES ") END",
            "");
    /* ...then each level adds its children's totals, deepest first (a group's
     * members are already counted in its branch). */
    for (int64_t d = depth - 1; d >= 0; d--)
        db_exec(db,
                "UPDATE orgs SET members_total = members_total + (SELECT COALESCE(SUM(c.members_"
                "total), 0) FROM orgs c WHERE c.parent_id = orgs.id AND c.level <> 'group' AND "
                "c.deleted_at IS NULL) WHERE depth = ?",
                "i", d);
    return db_failed(db);
}

/* ---- counters ---- */

void org_counts_add(struct db *db, const char *path, const char *dim, const char *key,
                    int64_t delta)
{
    for (const char *s = path; *s == '/' && s[1]; s = strchr(s + 1, '/'))
        db_exec(db,
                "INSERT INTO org_counts (org_id, dim, key, n) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + excluded.n",
                "issi", (int64_t)strtoll(s + 1, NULL, 10), dim, key, delta);
}

void org_counts_member(struct db *db, const struct member_rec *m, int64_t delta)
{
    struct dim_value dims[16];
    char year[8];
    size_t n = member_dims(m, dims, year);
    for (size_t i = 0; i < n; i++)
        org_counts_add(db, m->org_path, dims[i].dim, dims[i].key, delta);
    if (member_status_counted(m->status)) {
        /* The monthly standards summed per paid-through month: with the
         * 'paid_through' counts, the dues owed in a subtree (dues.c). */
        org_counts_add(db, m->org_path, "dues_fen",
                       m->dues_paid_through ? m->dues_paid_through : "", delta * m->dues_fen);
        org_members_adjust(db, m->org_path, m->group_id, delta);
        struct access_state acc;
        access_of_member(db, m->id, &acc);
        access_add(db, m->org_path, &acc, delta);
    }
}

/*
 * The recount streams the members in path order (the members_path index):
 * the members of a branch, then of its siblings, come together, so a stack
 * of one tally per level of the path suffices. When the path leaves an
 * organisation its tally is written and added to its parent's. Each row of
 * org_counts is written once, without any sort or upsert: a province of a
 * million members recounts in seconds.
 */
struct tally_entry {
    uint64_t hash;
    const char *dim, *key;
    int64_t n;
};

struct tally {
    int64_t org_id;
    struct arena keys;
    struct tally_entry *v;
    size_t cap, n;
};

static uint64_t tally_hash(const char *dim, const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dim; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h | 1;
}

static void tally_add(struct tally *t, const char *dim, const char *key, int64_t n)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct tally_entry *v = xcalloc(cap, sizeof(*v));
        for (size_t i = 0; i < t->cap; i++)
            if (t->v[i].hash)
                for (size_t k = t->v[i].hash & (cap - 1);; k = (k + 1) & (cap - 1))
                    if (!v[k].hash) {
                        v[k] = t->v[i];
                        break;
                    }
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    uint64_t h = tally_hash(dim, key);
    for (size_t k = h & (t->cap - 1);; k = (k + 1) & (t->cap - 1)) {
        struct tally_entry *e = &t->v[k];
        if (!e->hash) {
            /* dim names are static strings; keys are copied */
            *e = (struct tally_entry){h, dim, arena_strdup(&t->keys, key), n};
            t->n++;
            return;
        }
        if (e->hash == h && !strcmp(e->dim, dim) && !strcmp(e->key, key)) {
            e->n += n;
            return;
        }
    }
}

/* Writes t's rows for its organisation, adds them to parent (if any) and
 * empties t. */
static void tally_flush(struct db *db, struct tally *t, struct tally *parent)
{
    for (size_t i = 0; i < t->cap; i++) {
        struct tally_entry *e = &t->v[i];
        if (!e->hash || !e->n)
            continue;
        db_exec(db, "INSERT INTO org_counts (org_id, dim, key, n) VALUES (?, ?, ?, ?)", "issi",
                t->org_id, e->dim, e->key, e->n);
        if (parent)
            tally_add(parent, e->dim, e->key, e->n);
    }
    free(t->v);
    t->v = NULL;
    t->cap = t->n = 0;
    arena_release(&t->keys);
    arena_init(&t->keys);
}

/* access_add() into a tally. */
static void access_tally(struct tally *t, const struct access_state *s)
{
    if (!s->has)
        return;
    tally_add(t, "access", "accounts", 1);
    if (!s->activated)
        return;
    tally_add(t, "access", "activated", 1);
    if (!s->last)
        return;
    char day[11];
    date_from_days(beijing_day(s->last), day);
    tally_add(t, "access", "acted", 1);
    tally_add(t, "acted_day", day, 1);
}

#define TALLY_DEPTH 16

int org_counts_recount(struct db *db)
{
    db_next_seq(db); /* a change: cached statistics are rendered again */
    /* Events and the meetings' counters (meetings.c) are not member dimensions. */
    db_exec(db,
            "DELETE FROM org_counts WHERE dim NOT IN ('transfer_in', 'transfer_out') "
            "AND dim NOT LIKE 'mtg.%'",
            "");
    struct tally stack[TALLY_DEPTH];
    for (int d = 0; d < TALLY_DEPTH; d++) {
        memset(&stack[d], 0, sizeof(stack[d]));
        arena_init(&stack[d].keys);
    }
    int depth = 0; /* levels in use */
    /* The members with their account (the access figures): last actions first
     * brought up to what the action tables hold. */
    access_last_actions_recount(db);
    struct db_stmt *st = db_query(
        db,
        "SELECT m.org_path, m.status, m.category, m.gender, m.birth_date, m.education, "
        "m.ethnicity, m.occupation, m.migrant, m.lost_contact, m.added_how, m.dues_paid_through, "
        "m.dues_fen, m.joined_at, a.id IS NOT NULL, a.activated_at IS NOT NULL, "
        "COALESCE(a.last_action_at, 0) FROM members m LEFT JOIN accounts a ON a.member_id = m.id "
        "AND a.disabled_at IS NULL WHERE m.deleted_at IS NULL ORDER BY m.org_path",
        "");
    while (db_next(st)) {
        const char *path = db_text(st, 0);
        int64_t ids[TALLY_DEPTH];
        int n = 0;
        for (const char *p = path; *p == '/' && p[1] && n < TALLY_DEPTH; p = strchr(p + 1, '/'))
            ids[n++] = strtoll(p + 1, NULL, 10);
        int k = 0;
        while (k < depth && k < n && stack[k].org_id == ids[k])
            k++;
        for (int d = depth - 1; d >= k; d--)
            tally_flush(db, &stack[d], d ? &stack[d - 1] : NULL);
        for (int d = k; d < n; d++)
            stack[d].org_id = ids[d];
        depth = n;
        if (!n)
            continue;
        struct member_rec m = {
            .status = db_text(st, 1),
            .category = db_text(st, 2),
            .gender = db_text(st, 3),
            .birth_date = db_text(st, 4),
            .education = db_isnull(st, 5) ? NULL : db_text(st, 5),
            .ethnicity = db_isnull(st, 6) ? NULL : db_text(st, 6),
            .occupation = db_text(st, 7),
            .migrant = db_int(st, 8) != 0,
            .lost_contact = db_int(st, 9) != 0,
            .added_how = db_text(st, 10),
            .dues_paid_through = db_isnull(st, 11) ? NULL : db_text(st, 11),
            .dues_fen = db_int(st, 12),
        };
        struct tally *t = &stack[n - 1];
        struct dim_value dims[16];
        char year[8];
        size_t nd = member_dims(&m, dims, year);
        for (size_t i = 0; i < nd; i++)
            tally_add(t, dims[i].dim, dims[i].key, 1);
        if (member_status_counted(m.status)) {
            tally_add(t, "dues_fen", m.dues_paid_through ? m.dues_paid_through : "", m.dues_fen);
            struct access_state acc = {db_int(st, 14) != 0, db_int(st, 15) != 0, db_int(st, 16)};
            access_tally(t, &acc);
        }
        char month[8];
        snprintf(month, sizeof(month), "%.7s", db_text(st, 13));
        tally_add(t, "joined", month, 1);
    }
    db_done(st);
    for (int d = depth - 1; d >= 0; d--)
        tally_flush(db, &stack[d], d ? &stack[d - 1] : NULL);
    for (int d = 0; d < TALLY_DEPTH; d++)
        arena_release(&stack[d].keys);
    /* Applicants are few: counted along their paths directly. */
    struct arena a;
    arena_init(&a);
    struct stage {
        const char *path, *stage;
        int64_t n;
        struct stage *next;
    } *stages = NULL;
    st = db_query(db,
                  "SELECT org_path, stage, COUNT(*) FROM applicants WHERE deleted_at IS NULL "
                  "GROUP BY 1, 2",
                  "");
    while (db_next(st)) {
        struct stage *x = arena_alloc(&a, sizeof(*x));
        *x = (struct stage){arena_strdup(&a, db_text(st, 0)), arena_strdup(&a, db_text(st, 1)),
                            db_int(st, 2), stages};
        stages = x;
    }
    db_done(st);
    for (struct stage *x = stages; x; x = x->next)
        org_counts_add(db, x->path, "stage", x->stage, x->n);
    arena_release(&a);
    return db_failed(db) ? -1 : org_members_recount(db);
}

void org_counts_move(struct db *db, int64_t org_id, const char *old_parent_path,
                     const char *new_parent_path)
{
    struct db_stmt *st =
        db_query(db, "SELECT dim, key, n FROM org_counts WHERE org_id = ? AND n <> 0", "i", org_id);
    struct arena a;
    arena_init(&a);
    struct row {
        const char *dim, *key;
        int64_t n;
        struct row *next;
    } *rows = NULL;
    while (db_next(st)) {
        struct row *r = arena_alloc(&a, sizeof(*r));
        r->dim = arena_strdup(&a, db_text(st, 0));
        r->key = arena_strdup(&a, db_text(st, 1));
        r->n = db_int(st, 2);
        r->next = rows;
        rows = r;
    }
    db_done(st);
    for (struct row *r = rows; r; r = r->next) {
        org_counts_add(db, old_parent_path, r->dim, r->key, -r->n);
        org_counts_add(db, new_parent_path, r->dim, r->key, r->n);
        if (!strcmp(r->dim, "acted_day"))
            acted_day_drop_zero(db, old_parent_path, r->key);
    }
    arena_release(&a);
}

void org_counts_event(struct db *db, const char *path, const char *dim, int64_t t)
{
    char month[8];
    month_format(month_of(t), month);
    org_counts_add(db, path, dim, month, 1);
}
