/*
 * polls.c - polls of a branch or party group, or of members chosen by name:
 * single or multiple choice, choosing among the branch's activities, or the
 * democratic review of members (民主评议党员: each member reviewed gets one of
 * 优秀 / 合格 / 基本合格 / 不合格 from each voter).
 *
 * One vote per voter on the list fixed when the poll is created (the write
 * lock and the guarded UPDATE of poll_voters make a second ballot, even a
 * concurrent one, count nothing). An anonymous poll keeps who voted
 * (poll_voters.voted) apart from what was chosen (poll_options.votes,
 * counters): neither carries a time, a sequence or a per-ballot row, the
 * vote's answer holds no tallies, its audit row no choice, and its
 * Idempotency-Key fingerprint leaves the body out (ROUTE_IDEM_NO_BODY), so
 * nothing stored links a voter to a choice.
 *
 * Results are shown after closing, or live when the poll does not hide
 * them. Likes and votes never feed an evaluation (DOMAIN.md): there is no
 * ranking of voters or of polls.
 */
#include "app.h"
#include "core/roster.h"
#include "core/sheet_out.h"
#include "mod/activities.h"
#include "routes.h"

static const char *const poll_kinds[] = {"choice", "review", "activities", NULL};
static const char *const poll_states[] = {"open", "upcoming", "closed", "all", NULL};

/* The ratings of a democratic review, in order, with their labels. */
static const char *const ratings[] = {"excellent", "qualified", "basically_qualified",
                                      "unqualified"};
static const char *const rating_labels[] = {"优秀", "合格", "基本合格", "不合格"};

#define POLL_COLS(F, C)                                                                            \
    F(POLL_COL_ID, "p.id")                                                                         \
    C(POLL_COL_ORG_ID, "p.org_id")                                                                 \
    C(POLL_COL_ORG_NAME, "o.name")                                                                 \
    C(POLL_COL_ORG_PATH, "p.org_path")                                                             \
    C(POLL_COL_KIND, "p.kind")                                                                     \
    C(POLL_COL_TITLE, "p.title")                                                                   \
    C(POLL_COL_DESCRIPTION, "p.description")                                                       \
    C(POLL_COL_MIN_CHOICES, "p.min_choices")                                                       \
    C(POLL_COL_MAX_CHOICES, "p.max_choices")                                                       \
    C(POLL_COL_ANONYMOUS, "p.anonymous")                                                           \
    C(POLL_COL_HIDE_RESULTS, "p.hide_results")                                                     \
    C(POLL_COL_CHOSEN, "p.chosen")                                                                 \
    C(POLL_COL_OPENS_AT, "p.opens_at")                                                             \
    C(POLL_COL_CLOSES_AT, "p.closes_at")                                                           \
    C(POLL_COL_ELIGIBLE, "p.eligible")                                                             \
    C(POLL_COL_VOTED, "p.voted")
enum poll_col { DB_COLUMN_ENUM(POLL_COLS) };
#define POLL_COLUMNS DB_COLUMNS(POLL_COLS)

struct poll {
    int64_t id, org_id;
    const char *org_name, *org_path, *kind, *title, *description;
    int64_t min_choices, max_choices, opens_at, closes_at, eligible, voted;
    bool anonymous, hide_results, chosen;
};

static void poll_read(struct arena *a, struct db_stmt *st, struct poll *p)
{
    p->id = db_int(st, POLL_COL_ID);
    p->org_id = db_int(st, POLL_COL_ORG_ID);
    p->org_name = arena_strdup(a, db_text(st, POLL_COL_ORG_NAME));
    p->org_path = arena_strdup(a, db_text(st, POLL_COL_ORG_PATH));
    p->kind = arena_strdup(a, db_text(st, POLL_COL_KIND));
    p->title = arena_strdup(a, db_text(st, POLL_COL_TITLE));
    p->description = db_isnull(st, POLL_COL_DESCRIPTION)
                         ? NULL
                         : arena_strdup(a, db_text(st, POLL_COL_DESCRIPTION));
    p->min_choices = db_int(st, POLL_COL_MIN_CHOICES);
    p->max_choices = db_int(st, POLL_COL_MAX_CHOICES);
    p->anonymous = db_int(st, POLL_COL_ANONYMOUS) != 0;
    p->hide_results = db_int(st, POLL_COL_HIDE_RESULTS) != 0;
    p->chosen = db_int(st, POLL_COL_CHOSEN) != 0;
    p->opens_at = db_int(st, POLL_COL_OPENS_AT);
    p->closes_at = db_int(st, POLL_COL_CLOSES_AT);
    p->eligible = db_int(st, POLL_COL_ELIGIBLE);
    p->voted = db_int(st, POLL_COL_VOTED);
}

static bool poll_load(struct req *req, int64_t id, struct poll *p)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " POLL_COLUMNS " FROM polls p JOIN orgs o ON o.id = "
                                  "p.org_id WHERE p.id = ? AND p.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found)
        poll_read(&req->arena, st, p);
    db_done(st);
    return found;
}

/* The caller's place on the voters' list: -1 not on it, 0 not voted, 1 voted. */
static int my_ballot(struct req *req, int64_t poll_id)
{
    int64_t voted = -1;
    if (req->who && req->who->member_id &&
        !db_get_int(req->db, &voted,
                    "SELECT voted FROM poll_voters WHERE poll_id = ? AND member_id = ?", "ii",
                    poll_id, req->who->member_id))
        voted = -1;
    return (int)voted;
}

/* Finds a poll for the dispatcher: its organisation; a voter on its list is
 * its audience; a poll of chosen voters asks poll.admin of everyone else. */
static bool poll_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st = db_query(req->db,
                                  "SELECT p.org_id, o.path, p.chosen FROM polls p JOIN orgs o ON "
                                  "o.id = p.org_id WHERE p.id = ? AND p.deleted_at IS NULL",
                                  "i", id);
    bool found = db_next(st);
    if (found) {
        req_locate_row(req, st, o, false);
        o->perm_min = db_int(st, 2) ? PERM_POLL_ADMIN : 0;
    }
    db_done(st);
    if (found && my_ballot(req, id) >= 0)
        o->party = PARTY_AUDIENCE;
    return found;
}

/* Seen with org.read on its organisation (a poll of chosen voters: poll.admin)
 * or by a voter on its list; running it needs poll.admin (403 to those who
 * only see it). */
static const struct object_kind poll_kind = {
    .name = "poll",
    .not_found = ERR_POLL_NOT_FOUND,
    .see_perm = PERM_ORG_READ,
    .see_party = PARTY_AUDIENCE,
    .forbidden = ERR_FORBIDDEN,
    .locate = poll_locate,
};

/* The poll of an object route, authorised by the dispatcher: its fields. */
static int poll_get(struct req *req, struct poll *p)
{
    if (!poll_load(req, req->obj.id, p))
        return req_fail(req, ERR_POLL_NOT_FOUND, NULL);
    return 0;
}

static const char *poll_state(const struct poll *p, int64_t now)
{
    return now < p->opens_at ? "upcoming" : now < p->closes_at ? "open" : "closed";
}

static bool results_visible(const struct poll *p, int64_t now)
{
    return !p->hide_results || now >= p->closes_at;
}

static void poll_write(struct req *req, struct jw *j, const struct poll *p, bool detail)
{
    int64_t now = now_sec();
    const char *state = poll_state(p, now);
    int mine = my_ballot(req, p->id);
    bool admin = principal_can(req->who, PERM_POLL_ADMIN, p->org_path);
    bool show = results_visible(p, now);
    jw_obj_begin(j);
    jw_kv_int(j, "id", p->id);
    jw_kv_int(j, "orgId", p->org_id);
    jw_kv_str(j, "orgName", p->org_name);
    jw_kv_str(j, "kind", p->kind);
    jw_kv_str(j, "title", p->title);
    jw_kv_str(j, "description", p->description);
    jw_kv_int(j, "minChoices", p->min_choices);
    jw_kv_int(j, "maxChoices", p->max_choices);
    jw_kv_bool(j, "anonymous", p->anonymous);
    jw_kv_bool(j, "hideResults", p->hide_results);
    jw_kv_bool(j, "chosenVoters", p->chosen);
    jw_kv_time(j, "opensAt", p->opens_at);
    jw_kv_time(j, "closesAt", p->closes_at);
    jw_kv_str(j, "state", state);
    jw_key(j, "turnout");
    jw_obj_begin(j);
    jw_kv_int(j, "eligible", p->eligible);
    jw_kv_int(j, "voted", p->voted);
    jw_kv_int(j, "percent", p->eligible ? p->voted * 100 / p->eligible : 0);
    jw_obj_end(j);
    jw_kv_bool(j, "eligible", mine >= 0);
    jw_kv_bool(j, "voted", mine == 1);
    jw_kv_bool(j, "canVote", mine == 0 && !strcmp(state, "open"));
    jw_kv_bool(j, "canClose", admin && strcmp(state, "closed"));
    jw_kv_bool(j, "resultsVisible", show);
    if (!detail) {
        jw_obj_end(j);
        return;
    }
    jw_key(j, "options");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, label, activity_id, member_id, rating, votes FROM "
                                  "poll_options WHERE poll_id = ? ORDER BY idx",
                                  "i", p->id);
    while (db_next(st)) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 0));
        jw_kv_str(j, "label", db_text(st, 1));
        jw_kv_id(j, "activityId", db_int(st, 2));
        jw_kv_id(j, "memberId", db_int(st, 3));
        jw_kv_str(j, "rating", db_text(st, 4));
        if (show)
            jw_kv_int(j, "votes", db_int(st, 5));
        else
            jw_kv_null(j, "votes");
        jw_obj_end(j);
    }
    db_done(st);
    jw_arr_end(j);
    /* An open poll keeps who chose what: the voter sees their own choices,
     * the organiser everybody's once the results are shown. */
    jw_key(j, "myChoices");
    if (p->anonymous || mine != 1) {
        jw_null(j);
    } else {
        jw_arr_begin(j);
        st = db_query(req->db,
                      "SELECT option_id FROM poll_choices WHERE poll_id = ? AND member_id = ? "
                      "ORDER BY option_id",
                      "ii", p->id, req->who->member_id);
        while (db_next(st))
            jw_int(j, db_int(st, 0));
        db_done(st);
        jw_arr_end(j);
    }
    if (admin && !p->anonymous && show) {
        jw_key(j, "ballots");
        jw_arr_begin(j);
        /* one row per choice, a voter's rows together: a ballot per voter */
        st = db_query(req->db,
                      "SELECT c.member_id, m.name, c.option_id FROM poll_choices c JOIN members m "
                      "ON m.id = c.member_id WHERE c.poll_id = ? ORDER BY c.member_id, "
                      "c.option_id",
                      "i", p->id);
        int64_t voter = 0;
        while (db_next(st)) {
            if (db_int(st, 0) != voter) {
                if (voter) {
                    jw_arr_end(j);
                    jw_obj_end(j);
                }
                voter = db_int(st, 0);
                jw_obj_begin(j);
                jw_kv_int(j, "memberId", voter);
                jw_kv_str(j, "name", db_text(st, 1));
                jw_key(j, "optionIds");
                jw_arr_begin(j);
            }
            jw_int(j, db_int(st, 2));
        }
        if (voter) {
            jw_arr_end(j);
            jw_obj_end(j);
        }
        db_done(st);
        jw_arr_end(j);
    }
    jw_obj_end(j);
}

static int poll_respond(struct req *req, int64_t id, int status)
{
    struct poll p;
    if (!poll_load(req, id, &p))
        return req_fail(req, ERR_POLL_NOT_FOUND, NULL);
    poll_write(req, req_data(req), &p, true);
    return status;
}

static const struct param list_query[] = {
    {"orgId", P_ID},
    {"state", P_ENUM, 0, 0, 0, poll_states},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/polls?orgId=&state=open|upcoming|closed|all&after=&limit= ->
 * {items: [poll without options], next}, newest first. With orgId: that
 * organisation's polls (org.read on it or a member of it; polls of chosen
 * voters only to poll.admin and their voters; else org.not_found). Without:
 * the polls the caller is a voter in.
 */
static int h_list(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0), after;
    bool admin = false;
    if (org) {
        if (!life_can_see(req, org, false))
            return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
        const char *path = org_path(req->db, &req->arena, org);
        admin = principal_can(req->who, PERM_POLL_ADMIN, path);
    }
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    const char *state = req_query_str(req, "state");
    if (!state)
        state = "all";
    int64_t now = now_sec();
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st = db_query(
        req->db,
        "SELECT " POLL_COLUMNS " FROM polls p JOIN orgs o ON o.id = p.org_id WHERE "
        "p.deleted_at IS NULL AND p.id < ? AND (CASE WHEN ? THEN p.org_id = ? AND (NOT p.chosen "
        "OR ? OR EXISTS (SELECT 1 FROM poll_voters v WHERE v.poll_id = p.id AND v.member_id = ?)) "
        "ELSE EXISTS (SELECT 1 FROM poll_voters v WHERE v.poll_id = p.id AND v.member_id = ?) "
        "END) AND (? = 'all' OR (? = 'upcoming' AND p.opens_at > ?) OR (? = 'open' AND "
        "p.opens_at <= ? AND p.closes_at > ?) OR (? = 'closed' AND p.closes_at <= ?)) ORDER BY "
        "p.id DESC LIMIT ?",
        "iiiiiissisiisii", after ? after : INT64_MAX, (int64_t)(org != 0), org, (int64_t)admin,
        req->who->member_id, req->who->member_id, state, state, now, state, now, now, state, now,
        (int64_t)pg.limit + 1);
    struct poll p;
    while (page_next(&pg, st)) {
        poll_read(&req->arena, st, &p);
        poll_write(req, pg.j, &p, false);
        page_mark_id(&pg, p.id);
    }
    return page_end(&pg, st);
}

/* GET /api/v1/polls/{id} -> poll with options (votes null while hidden),
 * turnout, the caller's own choices (open polls), and for poll.admin of an
 * open poll every voter's choices once the results are shown. Errors:
 * poll.not_found. */
static int h_get(struct req *req)
{
    struct poll p;
    int rc = poll_get(req, &p);
    if (rc)
        return rc;
    poll_write(req, req_data(req), &p, true);
    return 200;
}

static const struct param create_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"kind", P_ENUM, 0, 0, 0, poll_kinds},
    {"title", P_STR, P_REQUIRED | P_NONBLANK, 1, 100},
    {"description", P_STR, 0, 0, 2000},
    {"options", P_STRS, 0, 0, 50},
    {"activityIds", P_IDS, 0, 0, 50},
    {"memberIds", P_IDS, 0, 0, 200},
    {"voterIds", P_IDS, 0, 0, 5000},
    {"minChoices", P_INT, 0, 1, 50},
    {"maxChoices", P_INT, 0, 1, 50},
    {"anonymous", P_BOOL},
    {"hideResults", P_BOOL},
    {"opensAt", P_TIME},
    {"closesAt", P_TIME, P_REQUIRED},
    {NULL},
};

/* The SQL condition "member m is on the list of organisation org" for a
 * branch (its members) or a party group (assigned to it). */
#define ON_LIST_SQL                                                                                \
    "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES " AND "                                \
    "(CASE WHEN ? THEN m.group_id = ? ELSE m.org_id = ? END)"

static bool on_list(struct req *req, int64_t member, int64_t org, bool group)
{
    int64_t n = 0;
    db_get_int(req->db, &n, "SELECT COUNT(*) FROM members m WHERE m.id = ? AND " ON_LIST_SQL,
               "iiii", member, (int64_t)group, org, org);
    return n > 0;
}

static void option_add(struct req *req, int64_t poll, int idx, const char *label, int64_t activity,
                       int64_t member, const char *rating)
{
    db_exec(req->db,
            "INSERT INTO poll_options (poll_id, idx, label, activity_id, member_id, rating) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            "iisIIs", poll, (int64_t)idx, label, activity, member, rating);
}

/* Checks the fields against the kind and writes the options. 0 or the error. */
static int options_add(struct req *req, int64_t poll, const char *kind, int64_t org, bool group,
                       int64_t branch)
{
    const struct value *opts = req_body(req, "options"), *acts = req_body(req, "activityIds"),
                       *subj = req_body(req, "memberIds");
    bool choice = !strcmp(kind, "choice"), review = !strcmp(kind, "review");
    const struct value *mine = choice ? opts : review ? subj : acts;
    const char *name = choice ? "options" : review ? "memberIds" : "activityIds";
    const struct value *others[] = {opts, acts, subj};
    for (size_t i = 0; i < ARRAY_SIZE(others); i++)
        if (others[i] != mine && others[i]->present && others[i]->n)
            return req_fail_field(req, ERR_POLL_OPTIONS, others[i]->name,
                                  "a %s poll takes its options from %s", kind, name);
    size_t need = review ? 1 : 2;
    if (!mine->present || mine->n < need)
        return req_fail_field(req, ERR_POLL_OPTIONS, name, "a %s poll needs at least %zu in %s",
                              kind, need, name);
    int idx = 0;
    for (size_t i = 0; i < mine->n; i++) {
        if (choice) {
            for (size_t k = 0; k < i; k++)
                if (!strcmp(mine->strs[k], mine->strs[i]))
                    return req_fail_field(req, ERR_POLL_OPTIONS, name, "option %zu repeats %zu",
                                          i + 1, k + 1);
            option_add(req, poll, idx++, mine->strs[i], 0, 0, NULL);
        } else if (!review) {
            const char *title = activity_title_for_poll(req, mine->ids[i], branch);
            if (!title)
                return req_fail_field(req, ERR_POLL_OPTIONS, name,
                                      "activity %" PRId64 " is not an activity of this branch",
                                      mine->ids[i]);
            option_add(req, poll, idx++, title, mine->ids[i], 0, NULL);
        } else {
            if (!on_list(req, mine->ids[i], org, group))
                return req_fail_field(req, ERR_POLL_OPTIONS, name,
                                      "member %" PRId64 " is not a member of this organisation",
                                      mine->ids[i]);
            const char *who = NULL;
            struct db_stmt *st =
                db_query(req->db, "SELECT name FROM members WHERE id = ?", "i", mine->ids[i]);
            if (db_next(st))
                who = arena_strdup(&req->arena, db_text(st, 0));
            db_done(st);
            for (size_t r = 0; r < ARRAY_SIZE(ratings); r++)
                option_add(req, poll, idx++, who, 0, mine->ids[i], ratings[r]);
        }
    }
    return 0;
}

/* Writes the voters' list: the chosen members, or everybody on the list of
 * the organisation; *n gets how many. 0 or the error. */
static int voters_add(struct req *req, int64_t poll, int64_t org, bool group, int64_t *n)
{
    const struct value *v = req_body(req, "voterIds");
    if (!v->present) {
        db_exec(req->db,
                "INSERT INTO poll_voters (poll_id, member_id) SELECT ?, m.id FROM members m "
                "WHERE " ON_LIST_SQL " ORDER BY m.id",
                "iiii", poll, (int64_t)group, org, org);
        *n = db_changes(req->db);
        return 0;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (!on_list(req, v->ids[i], org, group))
            return req_fail_field(req, ERR_INVALID, "voterIds",
                                  "member %" PRId64 " is not a member of this organisation",
                                  v->ids[i]);
        db_exec(req->db, "INSERT INTO poll_voters (poll_id, member_id) VALUES (?, ?)", "ii", poll,
                v->ids[i]);
    }
    *n = (int64_t)v->n;
    return 0;
}

/*
 * POST /api/v1/polls {orgId, kind? (choice), title, description?, options
 * (choice: 2..50 labels) | activityIds (activities: 2..50 of the branch) |
 * memberIds (review: 1..200 members, each rated 优秀/合格/基本合格/不合格),
 * voterIds? (default: every member of the branch or group), minChoices? (1),
 * maxChoices? (1), anonymous?, hideResults?, opensAt? (now), closesAt} ->
 * 201 poll. Errors: org.not_found, org.closed, poll.options,
 * request.invalid (times, choices, voters). poll.admin on orgId.
 */
static int h_create(struct req *req)
{
    int64_t org = req_body_int(req, "orgId", 0), parent = 0;
    const char *path = NULL, *level = NULL;
    bool closed = false;
    struct db_stmt *st = db_query(
        req->db, "SELECT path, level, closed_at IS NOT NULL, parent_id FROM orgs WHERE id = ?", "i",
        org);
    if (db_next(st)) {
        path = arena_strdup(&req->arena, db_text(st, 0));
        level = arena_strdup(&req->arena, db_text(st, 1));
        closed = db_int(st, 2) != 0;
        parent = db_int(st, 3);
    }
    db_done(st);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    if (closed)
        return req_fail(req, ERR_ORG_CLOSED, NULL);
    bool group = !strcmp(level, "group");
    if (!group && strcmp(level, "branch") && strcmp(level, "general_branch"))
        return req_fail_field(req, ERR_INVALID, "orgId", "polls are held by a branch or group");
    const char *kind = req_body_str(req, "kind");
    if (!kind)
        kind = "choice";
    bool review = !strcmp(kind, "review");
    int64_t now = now_sec(), closes = req_body(req, "closesAt")->i;
    int64_t opens = req_body(req, "opensAt")->present ? req_body(req, "opensAt")->i : now;
    if (closes <= opens || closes <= now)
        return req_fail_field(req, ERR_INVALID, "closesAt",
                              "the poll must close after it opens, in the future");
    int64_t min = req_body_int(req, "minChoices", 1), max = req_body_int(req, "maxChoices", 1);
    if (min > max)
        return req_fail_field(req, ERR_INVALID, "minChoices", "more than maxChoices");
    const struct value *chosen = req_body(req, "voterIds");
    db_exec(req->db,
            "INSERT INTO polls (org_id, org_path, kind, title, description, min_choices, "
            "max_choices, anonymous, hide_results, chosen, opens_at, closes_at, eligible, "
            "created_by, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "0, ?, ?, ?, ?)",
            "issssiiiiiiiiiii", org, path, kind, req_body_str(req, "title"),
            req_body_str(req, "description"), min, max, req_body_int(req, "anonymous", 0),
            req_body_int(req, "hideResults", 0), (int64_t)chosen->present, opens, closes,
            req->who->account_id, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    int rc = options_add(req, id, kind, org, group, group ? parent : org);
    if (rc)
        return rc;
    int64_t nopts = 0;
    db_get_int(req->db, &nopts, "SELECT COUNT(*) FROM poll_options WHERE poll_id = ?", "i", id);
    if (!review && max > nopts)
        return req_fail_field(req, ERR_INVALID, "maxChoices", "more than the %" PRId64 " options",
                              nopts);
    int64_t n = 0;
    if ((rc = voters_add(req, id, org, group, &n)))
        return rc;
    if (n == 0)
        return req_fail_field(req, ERR_INVALID, "voterIds", "nobody could vote in this poll");
    db_exec(req->db, "UPDATE polls SET eligible = ? WHERE id = ?", "ii", n, id);
    req_audit(req, "poll.create", org, arena_printf(&req->arena, "poll:%" PRId64, id), "ok",
              "%s, %" PRId64 " voters%s", kind, n,
              req_body_int(req, "anonymous", 0) ? ", anonymous" : "");
    return poll_respond(req, id, 201);
}

static const struct param vote_body[] = {
    {"choices", P_IDS, P_REQUIRED, 1, 200},
    {NULL},
};

/* Checks the choices: options of the poll, their number within the poll's
 * limits, and (review) at most one rating per member. 0 or the error. */
static int choices_check(struct req *req, const struct poll *p, const struct value *c)
{
    bool review = !strcmp(p->kind, "review");
    int64_t *subject = arena_calloc(&req->arena, c->n, sizeof(*subject));
    for (size_t i = 0; i < c->n; i++) {
        struct db_stmt *st =
            db_query(req->db, "SELECT member_id FROM poll_options WHERE id = ? AND poll_id = ?",
                     "ii", c->ids[i], p->id);
        bool found = db_next(st);
        if (found)
            subject[i] = db_int(st, 0);
        db_done(st);
        if (!found)
            return req_fail_field(req, ERR_POLL_BAD_CHOICE, "choices",
                                  "%" PRId64 " is not an option of this poll", c->ids[i]);
        for (size_t k = 0; review && k < i; k++)
            if (subject[k] == subject[i])
                return req_fail_field(req, ERR_POLL_BAD_CHOICE, "choices",
                                      "one rating per member reviewed");
    }
    if (!review && ((int64_t)c->n < p->min_choices || (int64_t)c->n > p->max_choices))
        return req_fail_field(req, ERR_POLL_BAD_CHOICE, "choices",
                              "choose %" PRId64 " to %" PRId64 " options", p->min_choices,
                              p->max_choices);
    return 0;
}

/*
 * POST /api/v1/polls/{id}/vote {choices: [optionId]} -> {pollId, voted}.
 * The answer holds no tallies and the choices are never logged. Errors:
 * poll.not_found, poll.not_eligible, poll.not_open (before opening, after
 * closing), poll.voted, poll.bad_choice. A voter on the poll's list.
 */
static int h_vote(struct req *req)
{
    struct poll p;
    int rc = poll_get(req, &p);
    if (rc)
        return rc;
    int mine = my_ballot(req, p.id);
    if (mine < 0)
        return req_fail(req, ERR_POLL_NOT_ELIGIBLE, NULL);
    if (strcmp(poll_state(&p, now_sec()), "open"))
        return req_fail(req, ERR_POLL_NOT_OPEN, "the poll is %s", poll_state(&p, now_sec()));
    if (mine == 1)
        return req_fail(req, ERR_POLL_VOTED, NULL);
    const struct value *c = req_body(req, "choices");
    if ((rc = choices_check(req, &p, c)))
        return rc;
    db_exec(req->db,
            "UPDATE poll_voters SET voted = 1 WHERE poll_id = ? AND member_id = ? AND voted = 0",
            "ii", p.id, req->who->member_id);
    if (db_changes(req->db) != 1)
        return req_fail(req, ERR_POLL_VOTED, NULL);
    db_exec(req->db, "UPDATE polls SET voted = voted + 1 WHERE id = ?", "i", p.id);
    for (size_t i = 0; i < c->n; i++) {
        db_exec(req->db, "UPDATE poll_options SET votes = votes + 1 WHERE id = ?", "i", c->ids[i]);
        if (!p.anonymous)
            db_exec(req->db,
                    "INSERT INTO poll_choices (poll_id, member_id, option_id) VALUES (?, ?, ?)",
                    "iii", p.id, req->who->member_id, c->ids[i]);
    }
    req_audit(req, "poll.vote", p.org_id, arena_printf(&req->arena, "poll:%" PRId64, p.id), "ok",
              NULL);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "pollId", p.id);
    jw_kv_bool(j, "voted", true);
    jw_obj_end(j);
    return 200;
}

/* POST /api/v1/polls/{id}/close -> poll, closed now (before it opened: it
 * never opens). Errors: poll.not_found, poll.not_open (closed already).
 * poll.admin. */
static int h_close(struct req *req)
{
    struct poll p;
    int rc = poll_get(req, &p);
    if (rc)
        return rc;
    int64_t now = now_sec();
    if (now >= p.closes_at)
        return req_fail(req, ERR_POLL_NOT_OPEN, "the poll is closed already");
    db_exec(req->db,
            "UPDATE polls SET opens_at = {least}(opens_at, ?), closes_at = ?, closed_early_by = ?, "
            "updated_at = ?, seq = ? WHERE id = ?",
            "iiiiii", now, now, req->who->account_id, now, db_next_seq(req->db), p.id);
    req_audit(req, "poll.close", p.org_id, arena_printf(&req->arena, "poll:%" PRId64, p.id), "ok",
              NULL);
    return poll_respond(req, p.id, 200);
}

struct export_poll {
    struct db *db;
    const struct poll *p;
};

static const char *rating_label(const char *r)
{
    for (size_t i = 0; r && i < ARRAY_SIZE(ratings); i++)
        if (!strcmp(r, ratings[i]))
            return rating_labels[i];
    return "";
}

static void poll_fill(struct sheet_writer *w, void *ctx)
{
    struct export_poll *x = ctx;
    struct arena a;
    arena_init(&a);
    bool review = !strcmp(x->p->kind, "review");
    static const char *const head[] = {"选项", "评议等次", "票数", "占投票人数"};
    sheet_write_header(w, head, review ? 4 : 3);
    struct db_stmt *st = db_query(
        x->db, "SELECT label, rating, votes FROM poll_options WHERE poll_id = ? ORDER BY idx", "i",
        x->p->id);
    while (db_next(st)) {
        int64_t v = db_int(st, 2);
        const char *share =
            arena_printf(&a, "%" PRId64 "%%", x->p->voted ? v * 100 / x->p->voted : 0);
        const char *row[4] = {db_text(st, 0), rating_label(db_text(st, 1)),
                              arena_printf(&a, "%" PRId64, v), share};
        if (!review)
            row[1] = row[2], row[2] = row[3];
        sheet_write_row(w, row, review ? 4 : 3);
    }
    db_done(st);
    const char *blank[1] = {""};
    sheet_write_row(w, blank, 1);
    const char *t1[2] = {"应投票人数", arena_printf(&a, "%" PRId64, x->p->eligible)};
    const char *t2[2] = {"已投票人数", arena_printf(&a, "%" PRId64, x->p->voted)};
    const char *t3[2] = {
        "投票率",
        arena_printf(&a, "%" PRId64 "%%", x->p->eligible ? x->p->voted * 100 / x->p->eligible : 0)};
    sheet_write_row(w, t1, 2);
    sheet_write_row(w, t2, 2);
    sheet_write_row(w, t3, 2);
    arena_release(&a);
}

static const struct param export_query[] = {
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {NULL},
};

/*
 * GET /api/v1/polls/{id}/export?format=xlsx|csv -> the results as a file:
 * one row per option (review: per member and rating) with votes and share,
 * then turnout. Errors: poll.not_found, poll.results_hidden (hidden until
 * closing). poll.admin.
 */
static int h_export(struct req *req)
{
    struct poll p;
    int rc = poll_get(req, &p);
    if (rc)
        return rc;
    if (!results_visible(&p, now_sec()))
        return req_fail(req, ERR_POLL_RESULTS_HIDDEN, NULL);
    struct export_poll x = {req->db, &p};
    req_audit(req, "poll.export", p.org_id, arena_printf(&req->arena, "poll:%" PRId64, p.id), "ok",
              NULL);
    return sheet_respond(req, req_query_str(req, "format"), "投票结果", poll_fill, &x);
}

const struct route polls_routes[] = {
    {"GET", "/api/v1/polls", h_list, SCOPE_LOGIN, PERM_NONE, NULL, list_query, NULL, 0},
    {"POST", "/api/v1/polls", h_create, SCOPE_BODY_ORG, PERM_POLL_ADMIN, "orgId", NULL, create_body,
     0},
    {"GET", "/api/v1/polls/{id}", h_get, SCOPE_OBJECT, PERM_ORG_READ, NULL, NULL, NULL, 0,
     &poll_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/polls/{id}/vote", h_vote, SCOPE_OBJECT, PERM_ORG_READ, NULL, NULL, vote_body,
     ROUTE_IDEM_NO_BODY, &poll_kind, PARTY_AUDIENCE},
    {"POST", "/api/v1/polls/{id}/close", h_close, SCOPE_OBJECT, PERM_POLL_ADMIN, NULL, NULL, NULL,
     ROUTE_SEEN_FORBIDS, &poll_kind},
    {"GET", "/api/v1/polls/{id}/export", h_export, SCOPE_OBJECT, PERM_POLL_ADMIN, NULL,
     export_query, NULL, ROUTE_RAW | ROUTE_SEEN_FORBIDS, &poll_kind},
    {NULL},
};
