/*
 * dues.c - party dues (党费): the monthly standard of each member, payments
 * (monthly or several months at once, in person, online, by someone else on
 * the member's behalf, or at the host organisation of a migrant member),
 * their reversal, the arrears ledger of a subtree and its summary.
 *
 * A member's record holds dues_paid_through, the last month covered without
 * a gap; a payment must start the month after it (or the month of joining),
 * so the record never has holes. Arrears count the completed months after
 * it up to last month (the current month is not yet due). Every change of
 * the member goes through member_update() so the counters stay right.
 */
#include "app.h"
#include "core/roster.h"
#include "mod/dues.h"
#include "mod/members.h"
#include "mod/members_rec.h"
#include "mod/orgs.h"
#include "mod/sms.h"
#include "routes.h"

/* Arrears levels by months unpaid: DUES_WARN_MONTHS, DUES_ALERT_MONTHS and
 * DUES_LAPSE_MONTHS in dues.h (shared with the statistics). */
/* A payment covers at most this many months, ending at most this many
 * months after the current one. */
#define DUES_MAX_MONTHS 12
#define DUES_MAX_AHEAD 12

static const char *const dues_methods[] = {"in_person", "online", "proxy", "host_org", NULL};

const char *dues_level(int64_t months)
{
    return months >= DUES_LAPSE_MONTHS   ? "lapsed"
           : months >= DUES_ALERT_MONTHS ? "alert"
           : months >= DUES_WARN_MONTHS  ? "warning"
                                         : "ok";
}

void dues_last_month(char out[8])
{
    month_format(month_today() - 1, out);
}

int dues_months_unpaid(const char *paid_through, const char *joined_at)
{
    char last[8];
    dues_last_month(last);
    if (paid_through && *paid_through) {
        int d = month_diff(paid_through, last);
        return d > 0 ? d : 0;
    }
    if (!joined_at)
        return 0;
    char jm[8];
    snprintf(jm, sizeof(jm), "%.7s", joined_at);
    int d = month_diff(jm, last) + 1;
    return d > 0 ? d : 0;
}

/* The least months unpaid of a level name ("ok": 0). */
static int64_t dues_level_min(const char *level)
{
    return !level                      ? 0
           : !strcmp(level, "lapsed")  ? DUES_LAPSE_MONTHS
           : !strcmp(level, "alert")   ? DUES_ALERT_MONTHS
           : !strcmp(level, "warning") ? DUES_WARN_MONTHS
                                       : 0;
}

/* The first month a member owes: after paid_through, else the joining month. */
static int dues_next_month(const char *paid_through, const char *joined_at)
{
    return paid_through ? month_index(paid_through) + 1 : month_index(joined_at);
}

/* Writes {memberId, name, orgId, basis, monthlyFen, paidThrough, nextMonth,
 * monthsUnpaid, owedFen, level} without closing the object. */
static void dues_write_head(struct jw *j, const struct member_rec *m)
{
    int64_t unpaid = dues_months_unpaid(m->dues_paid_through, m->joined_at);
    jw_kv_int(j, "memberId", m->id);
    jw_kv_str(j, "name", m->name);
    jw_kv_int(j, "orgId", m->org_id);
    jw_kv_str(j, "basis", m->dues_basis);
    jw_kv_int(j, "monthlyFen", m->dues_fen);
    jw_kv_str(j, "paidThrough", m->dues_paid_through);
    char next[16];
    int n = dues_next_month(m->dues_paid_through, m->joined_at);
    snprintf(next, sizeof(next), "%04d-%02d", (n / 12) % 10000, (n % 12 + 1) % 100);
    next[7] = '\0';
    jw_kv_str(j, "nextMonth", next);
    jw_kv_int(j, "monthsUnpaid", unpaid);
    jw_kv_int(j, "owedFen", unpaid * m->dues_fen);
    jw_kv_str(j, "level", dues_level(unpaid));
}

#define PAY_COLS(F, C)                                                                             \
    F(PAY_COL_ID, "id")                                                                            \
    C(PAY_COL_MEMBER_ID, "member_id")                                                              \
    C(PAY_COL_ORG_ID, "org_id")                                                                    \
    C(PAY_COL_PERIOD_FROM, "period_from")                                                          \
    C(PAY_COL_PERIOD_TO, "period_to")                                                              \
    C(PAY_COL_AMOUNT_FEN, "amount_fen")                                                            \
    C(PAY_COL_METHOD, "method")                                                                    \
    C(PAY_COL_PAID_BY, "paid_by")                                                                  \
    C(PAY_COL_PAID_ON, "paid_on")                                                                  \
    C(PAY_COL_RECORDED_BY, "recorded_by")                                                          \
    C(PAY_COL_CREATED_AT, "created_at")
enum pay_col { DB_COLUMN_ENUM(PAY_COLS) };
#define PAY_COLUMNS DB_COLUMNS(PAY_COLS)

static void payment_write(struct jw *j, struct db_stmt *st)
{
    jw_obj_begin(j);
    jw_kv_int(j, "id", db_int(st, PAY_COL_ID));
    jw_kv_int(j, "memberId", db_int(st, PAY_COL_MEMBER_ID));
    jw_kv_int(j, "orgId", db_int(st, PAY_COL_ORG_ID));
    jw_kv_str(j, "fromMonth", db_text(st, PAY_COL_PERIOD_FROM));
    jw_kv_str(j, "toMonth", db_text(st, PAY_COL_PERIOD_TO));
    jw_kv_int(j, "months",
              month_index(db_text(st, PAY_COL_PERIOD_TO)) -
                  month_index(db_text(st, PAY_COL_PERIOD_FROM)) + 1);
    jw_kv_int(j, "amountFen", db_int(st, PAY_COL_AMOUNT_FEN));
    jw_kv_str(j, "method", db_text(st, PAY_COL_METHOD));
    jw_kv_str(j, "paidBy", db_text(st, PAY_COL_PAID_BY));
    jw_kv_str(j, "paidOn", db_text(st, PAY_COL_PAID_ON));
    jw_kv_id(j, "recordedBy", db_int(st, PAY_COL_RECORDED_BY));
    jw_kv_time(j, "createdAt", db_int(st, PAY_COL_CREATED_AT));
    jw_obj_end(j);
}

/* The member's dues object with the payments, newest first. */
static void dues_write_member(struct req *req, struct jw *j, const struct member_rec *m)
{
    jw_obj_begin(j);
    dues_write_head(j, m);
    jw_key(j, "payments");
    jw_arr_begin(j);
    struct db_stmt *st = db_query(req->db,
                                  "SELECT " PAY_COLUMNS " FROM dues_payments WHERE member_id = ? "
                                  "AND deleted_at IS NULL ORDER BY period_from DESC, id DESC",
                                  "i", m->id);
    while (db_next(st))
        payment_write(j, st);
    db_done(st);
    jw_arr_end(j);
    jw_obj_end(j);
}

/* Loads a member on a roster for a dues write by the caller: roster.write on
 * the branch (*at_host false) or on the host organisation of a migrant
 * member (*at_host true). 0 or the error status (member.not_found). */
static int dues_member_for_write(struct req *req, int64_t id, struct member_rec *m, bool *at_host)
{
    /* The dispatcher allowed roster.write on the branch or the host organisation. */
    *at_host = false;
    if (!member_load(req->db, &req->arena, id, m, false) || !member_status_counted(m->status))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    *at_host = !principal_can(req->who, PERM_ROSTER_WRITE, m->org_path);
    return 0;
}

static const struct param pay_body[] = {
    {"memberId", P_ID, P_REQUIRED},
    {"fromMonth", P_STR, P_REQUIRED, 7, 7},
    {"toMonth", P_STR, P_REQUIRED, 7, 7},
    {"amountFen", P_INT, P_REQUIRED, 1, 1000000000},
    {"method", P_ENUM, P_REQUIRED, 0, 0, dues_methods},
    {"paidBy", P_STR, 0, 1, 30},
    {"paidOn", P_DATE, P_REQUIRED},
    {NULL},
};

/* Checks the months and amount of a payment against the record: 0 or the
 * error status. *from and *to get the month indexes. */
static int pay_check(struct req *req, const struct member_rec *m, int *from, int *to)
{
    *from = month_index(req_body_str(req, "fromMonth"));
    *to = month_index(req_body_str(req, "toMonth"));
    if (*from < 0)
        return req_fail_field(req, ERR_INVALID, "fromMonth", "a month is YYYY-MM");
    if (*to < 0)
        return req_fail_field(req, ERR_INVALID, "toMonth", "a month is YYYY-MM");
    int next = dues_next_month(m->dues_paid_through, m->joined_at);
    if (*from < next && !m->dues_paid_through)
        return req_fail_field(req, ERR_INVALID, "fromMonth",
                              "the member joined in %s: dues start that month",
                              month_str(&req->arena, next));
    if (*from < next)
        return req_fail(req, ERR_DUES_OVERLAP,
                        "months up to %s are already paid; the next month due is %s",
                        m->dues_paid_through, month_str(&req->arena, next));
    if (*from > next)
        return req_fail(req, ERR_DUES_GAP, "the next month due is %s: pay from there",
                        month_str(&req->arena, next));
    if (*to < *from)
        return req_fail_field(req, ERR_INVALID, "toMonth", "toMonth is before fromMonth");
    if (*to - *from + 1 > DUES_MAX_MONTHS)
        return req_fail_field(req, ERR_INVALID, "toMonth", "at most %d months at once",
                              DUES_MAX_MONTHS);
    if (*to > month_today() + DUES_MAX_AHEAD)
        return req_fail_field(req, ERR_INVALID, "toMonth",
                              "at most %d months ahead of the current month", DUES_MAX_AHEAD);
    int64_t months = *to - *from + 1, want = m->dues_fen * months;
    if (req_body_int(req, "amountFen", 0) != want)
        return req_fail_field(req, ERR_DUES_AMOUNT, "amountFen",
                              "expected %" PRId64 " fen: %" PRId64 " months at %" PRId64 " fen",
                              want, months, m->dues_fen);
    return 0;
}

/*
 * POST /api/v1/dues/payments {memberId, fromMonth, toMonth, amountFen, method,
 *   paidBy?, paidOn} -> 201 the payment with the member's new paidThrough
 * Errors: member.not_found, dues.gap, dues.overlap, dues.amount,
 * request.invalid. roster.write on the member's branch, or on the host
 * organisation of a migrant member (method host_org).
 */
static int h_pay(struct req *req)
{
    struct member_rec m, old;
    bool at_host;
    int rc = dues_member_for_write(req, req_body_int(req, "memberId", 0), &m, &at_host);
    if (rc)
        return rc;
    const char *method = req_body_str(req, "method"), *paid_by = req_body_str(req, "paidBy");
    const char *paid_on = req_body_str(req, "paidOn");
    if (!strcmp(method, "proxy") && !paid_by)
        return req_fail_field(req, ERR_INVALID, "paidBy",
                              "a proxy payment names who paid on the member's behalf");
    if (paid_by && strcmp(method, "proxy"))
        return req_fail_field(req, ERR_INVALID, "paidBy", "paidBy goes with method proxy");
    if (at_host && strcmp(method, "host_org"))
        return req_fail_field(req, ERR_INVALID, "method",
                              "a payment at the host organisation has method host_org");
    if (!strcmp(method, "host_org") && !m.host_org_id)
        return req_fail_field(req, ERR_INVALID, "method", "the member has no host organisation");
    char today[11];
    date_today(today);
    if (strcmp(paid_on, today) > 0)
        return req_fail_field(req, ERR_INVALID, "paidOn", "paidOn is in the future");
    int from, to;
    rc = pay_check(req, &m, &from, &to);
    if (rc)
        return rc;
    int64_t where = !strcmp(method, "host_org") ? m.host_org_id : m.org_id, now = now_sec();
    const char *fm = month_str(&req->arena, from), *tm = month_str(&req->arena, to);
    db_exec(req->db,
            "INSERT INTO dues_payments (member_id, org_id, period_from, period_to, amount_fen, "
            "method, paid_by, paid_on, recorded_by, created_at, updated_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "iississsiiii", m.id, where, fm, tm, req_body_int(req, "amountFen", 0), method, paid_by,
            paid_on, req->who->account_id, now, now, db_next_seq(req->db));
    int64_t id = db_last_id(req->db);
    old = m;
    m.dues_paid_through = tm;
    if (db_failed(req->db) ||
        member_update(req->db, &req->arena, &old, &m, req->who->account_id, "dues", NULL))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "dues.pay", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id), "ok",
              "payment %" PRId64 ": %s..%s, %s", id, fm, tm, method);
    struct db_stmt *st =
        db_query(req->db, "SELECT " PAY_COLUMNS " FROM dues_payments WHERE id = ?", "i", id);
    struct jw *j = req_data(req);
    if (db_next(st))
        payment_write(j, st);
    db_done(st);
    return 201;
}

/*
 * DELETE /api/v1/dues/payments/{id} -> {id, memberId, paidThrough}
 * Reverses the member's latest payment (a tombstone); paidThrough goes back
 * to the month before it. Errors: dues.not_found, dues.not_latest.
 * roster.write on the member's branch or where the payment was made.
 */
static int h_reverse(struct req *req)
{
    int64_t id = req_id(req), member = 0;
    const char *from = NULL;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT member_id, period_from FROM dues_payments WHERE id = "
                                  "? AND deleted_at IS NULL",
                                  "i", id);
    if (db_next(st)) {
        member = db_int(st, 0);
        from = arena_strdup(&req->arena, db_text(st, 1));
    }
    db_done(st);
    struct member_rec m, old;
    if (!member || !member_load(req->db, &req->arena, member, &m, false))
        return req_fail(req, ERR_DUES_NOT_FOUND, NULL);
    int64_t latest = 0;
    db_get_int(req->db, &latest,
               "SELECT id FROM dues_payments WHERE member_id = ? AND deleted_at IS NULL "
               "ORDER BY period_from DESC, id DESC LIMIT 1",
               "i", member);
    if (latest != id)
        return req_fail(req, ERR_DUES_NOT_LATEST,
                        "payment %" PRId64 " is not the latest of member %" PRId64
                        "; reverse payment %" PRId64 " first",
                        id, member, latest);
    int64_t now = now_sec();
    db_exec(req->db,
            "UPDATE dues_payments SET deleted_at = ?, updated_at = ?, seq = ? WHERE id = ?", "iiii",
            now, now, db_next_seq(req->db), id);
    old = m;
    int prev = month_index(from) - 1;
    m.dues_paid_through = prev < month_index(m.joined_at) ? NULL : month_str(&req->arena, prev);
    if (db_failed(req->db) ||
        member_update(req->db, &req->arena, &old, &m, req->who->account_id, "dues", NULL))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "dues.reverse", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id),
              "ok", "payment %" PRId64 " reversed", id);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "id", id);
    jw_kv_int(j, "memberId", m.id);
    jw_kv_str(j, "paidThrough", m.dues_paid_through);
    jw_obj_end(j);
    return 200;
}

static const struct param standard_body[] = {
    {"basis", P_ENUM, P_REQUIRED, 0, 0, member_dues_bases},
    {"incomeFen", P_INT, 0, 1, 100000000000},
    {"fen", P_INT, 0, 1, 10000000},
    {NULL},
};

/*
 * PUT /api/v1/dues/standard/{memberId} {basis, incomeFen?, fen?} -> the member's dues
 * farmer: fen 20..100 (the branch decides); student, unemployed,
 * subsistence: 20; salary, retiree: from incomeFen (monthly after-tax
 * income, not stored). Errors: member.not_found, request.invalid.
 * roster.write on the member's branch.
 */
static int h_standard(struct req *req)
{
    struct member_rec m, old;
    if (!member_load(req->db, &req->arena, req_id(req), &m, false) ||
        !member_status_counted(m.status))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    const char *basis = req_body_str(req, "basis");
    const struct value *income = req_body(req, "incomeFen"), *fen = req_body(req, "fen");
    int64_t std = dues_standard_fen(basis, income->present ? income->i : 0);
    if (std < 0) {
        if (!fen->present || fen->i < 20 || fen->i > 100)
            return req_fail_field(req, ERR_INVALID, "fen",
                                  "farmer members pay 20 to 100 fen (0.2-1 yuan) a month");
        std = fen->i;
    } else if (!strcmp(basis, "salary") || !strcmp(basis, "retiree")) {
        if (!income->present)
            return req_fail_field(req, ERR_INVALID, "incomeFen",
                                  "the monthly after-tax income in fen sets the standard");
        if (fen->present)
            return req_fail_field(req, ERR_INVALID, "fen",
                                  "the standard follows from incomeFen for %s", basis);
    } else if (fen->present && fen->i != std) {
        return req_fail_field(req, ERR_INVALID, "fen", "a %s pays %" PRId64 " fen a month", basis,
                              std);
    }
    old = m;
    m.dues_basis = basis;
    m.dues_fen = std;
    if (member_update(req->db, &req->arena, &old, &m, req->who->account_id, "dues", NULL))
        return req_fail(req, ERR_DB, NULL);
    req_audit(req, "dues.standard", m.org_id, arena_printf(&req->arena, "member:%" PRId64, m.id),
              "ok", "basis %s", basis);
    dues_write_member(req, req_data(req), &m);
    return 200;
}

/*
 * GET /api/v1/dues/members/{id} -> the member's dues and payments
 * The member themself, or roster.read on the member's branch.
 * Errors: member.not_found (also outside scope).
 */
static int h_member(struct req *req)
{
    struct member_rec m;
    int64_t id = req_id(req);
    if (!member_load(req->db, &req->arena, id, &m, false))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    dues_write_member(req, req_data(req), &m);
    return 200;
}

static const char *const level_filters[] = {"warning", "alert", "lapsed", NULL};

static const struct param ledger_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"level", P_ENUM, 0, 0, 0, level_filters},
    PAGE_PARAMS,
    {NULL},
};

/* Months unpaid in SQL; its parameter is the current month's index. */
#define SQL_MONTH(x)                                                                               \
    "(CAST(substr(" x ", 1, 4) AS INTEGER) * 12 + CAST(substr(" x ", 6, 2) AS INTEGER) - 1)"
#define SQL_UNPAID                                                                                 \
    "MAX(0, ? - COALESCE(" SQL_MONTH("m.dues_paid_through") " + 1, " SQL_MONTH("m.joined_at") "))"

/*
 * GET /api/v1/dues?orgId=&level=&after=&limit= -> {items, next}
 * The arrears ledger of the subtree's members on a roster, in roster order
 * (branch path, id): {memberId, name, orgId, orgName, basis, monthlyFen,
 * paidThrough, monthsUnpaid, owedFen, level}. level: at least that level.
 * Errors: org.not_found, request.invalid (cursor). roster.read on orgId.
 */
static int h_ledger(struct req *req)
{
    const char *path = org_path(req->db, &req->arena, req_query_int(req, "orgId", 0));
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    const char *after, *apath = "";
    int64_t aid = 0;
    int rc = page_after_text(req, &after);
    if (rc)
        return rc;
    if (after) {
        const char *comma = strrchr(after, ',');
        if (!comma || !parse_i64(comma + 1, strlen(comma + 1), &aid))
            return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
        apath = arena_strndup(&req->arena, after, (size_t)(comma - after));
    }
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT m.id, m.name, m.org_id, o.name, m.dues_basis, m.dues_fen, "
                 "m.dues_paid_through, " SQL_UNPAID
                 ", m.org_path FROM members m JOIN orgs o ON o.id = m.org_id "
                 "WHERE m.org_path >= ? AND m.org_path < ? AND (m.org_path > ? OR (m.org_path = ? "
                 "AND m.id > ?)) AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES
                 " AND " SQL_UNPAID " >= ? ORDER BY m.org_path, m.id LIMIT ?",
                 "issssiiii", (int64_t)month_today(), path, org_path_end(&req->arena, path), apath,
                 apath, aid, (int64_t)month_today(), dues_level_min(req_query_str(req, "level")),
                 (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        int64_t unpaid = db_int(st, 7);
        jw_obj_begin(pg.j);
        jw_kv_int(pg.j, "memberId", db_int(st, 0));
        jw_kv_str(pg.j, "name", db_text(st, 1));
        jw_kv_int(pg.j, "orgId", db_int(st, 2));
        jw_kv_str(pg.j, "orgName", db_text(st, 3));
        jw_kv_str(pg.j, "basis", db_text(st, 4));
        jw_kv_int(pg.j, "monthlyFen", db_int(st, 5));
        jw_kv_str(pg.j, "paidThrough", db_text(st, 6));
        jw_kv_int(pg.j, "monthsUnpaid", unpaid);
        jw_kv_int(pg.j, "owedFen", unpaid * db_int(st, 5));
        jw_kv_str(pg.j, "level", dues_level(unpaid));
        jw_obj_end(pg.j);
        page_mark_text(&pg,
                       arena_printf(&req->arena, "%s,%" PRId64, db_text(st, 8), db_int(st, 0)));
    }
    return page_end(&pg, st);
}

struct dues_figures {
    int64_t members, paid_up, warning, alert, lapsed, never_paid, owed_fen;
};

/* An organisation's figures from its counters (members on a roster in its
 * subtree): one row per paid-through month. Members who never paid are
 * counted apart (their arrears run from their own joining month). */
static void dues_figures(struct db *db, int64_t org, struct dues_figures *f)
{
    memset(f, 0, sizeof(*f));
    int last = month_today() - 1;
    struct db_stmt *st = db_query(db,
                                  "SELECT c.key, c.n, COALESCE(f.n, 0) FROM org_counts c LEFT "
                                  "JOIN org_counts f ON f.org_id = c.org_id AND f.dim = "
                                  "'dues_fen' AND f.key = c.key WHERE c.org_id = ? AND c.dim = "
                                  "'paid_through' AND c.n > 0",
                                  "i", org);
    while (db_next(st)) {
        const char *key = db_text(st, 0);
        int64_t n = db_int(st, 1);
        f->members += n;
        if (!*key) {
            f->never_paid += n;
            continue;
        }
        int64_t unpaid = last - month_index(key);
        if (unpaid <= 0)
            f->paid_up += n;
        else
            f->owed_fen += unpaid * db_int(st, 2);
        const char *level = dues_level(unpaid);
        if (!strcmp(level, "warning"))
            f->warning += n;
        else if (!strcmp(level, "alert"))
            f->alert += n;
        else if (!strcmp(level, "lapsed"))
            f->lapsed += n;
    }
    db_done(st);
}

static void figures_write(struct jw *j, const struct dues_figures *f)
{
    jw_kv_int(j, "members", f->members);
    jw_kv_int(j, "paidUp", f->paid_up);
    jw_kv_int(j, "warning", f->warning);
    jw_kv_int(j, "alert", f->alert);
    jw_kv_int(j, "lapsed", f->lapsed);
    jw_kv_int(j, "neverPaid", f->never_paid);
    jw_kv_int(j, "owedFen", f->owed_fen);
}

static const struct param summary_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {NULL},
};

/*
 * GET /api/v1/dues/summary?orgId= -> {orgId, members, paidUp, warning, alert,
 *   lapsed, neverPaid, owedFen, children: [{orgId, name, level, ...same}]}
 * From the counters kept on the tree; children are the direct child
 * organisations (party groups left out). roster.read on orgId.
 */
static int h_summary(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    struct dues_figures f;
    dues_figures(req->db, org, &f);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "orgId", org);
    figures_write(j, &f);
    jw_key(j, "children");
    jw_arr_begin(j);
    struct arena *a = &req->arena;
    struct child {
        int64_t id;
        const char *name, *level;
        struct child *next;
    } *head = NULL, **tail = &head;
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, name, level FROM orgs WHERE parent_id = ? AND "
                                  "level <> 'group' AND deleted_at IS NULL ORDER BY id",
                                  "i", org);
    while (db_next(st)) {
        struct child *c = arena_calloc(a, 1, sizeof(*c));
        c->id = db_int(st, 0);
        c->name = arena_strdup(a, db_text(st, 1));
        c->level = arena_strdup(a, db_text(st, 2));
        *tail = c;
        tail = &c->next;
    }
    db_done(st);
    for (struct child *c = head; c; c = c->next) {
        dues_figures(req->db, c->id, &f);
        jw_obj_begin(j);
        jw_kv_int(j, "orgId", c->id);
        jw_kv_str(j, "name", c->name);
        jw_kv_str(j, "level", c->level);
        figures_write(j, &f);
        jw_obj_end(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- the arrears SMS ---- */

/* Members the job acts on per run: the rest wait for the next run. */
#define DUES_SMS_BATCH 500

int dues_sms_job(struct db *db)
{
    int last = month_today() - 1;
    struct arena a;
    arena_init(&a);
    /* The episodes that ended: the member is less than DUES_WARN_MONTHS behind again. */
    db_exec(db,
            "UPDATE members SET dues_sms_at = NULL WHERE dues_sms_at IS NOT NULL AND "
            "dues_paid_through > ?",
            "s", month_str(&a, last - DUES_WARN_MONTHS));
    int64_t ended = db_changes(db);
    /* Behind by DUES_WARN_MONTHS up to the lapse, not yet told in this episode:
     * paid through a month in (last - LAPSE, last - WARN], or never paid and
     * joined in [last - LAPSE + 1, last - WARN + 1] (the joining month is owed). */
    struct db_stmt *st = db_query(
        db,
        "SELECT m.id, m.dues_paid_through, m.joined_at, o.name FROM members m JOIN orgs o ON "
        "o.id = m.org_id WHERE m.dues_sms_at IS NULL AND m.deleted_at IS NULL AND m.status "
        "IN " ROSTER_STATUSES " AND m.dues_paid_through > ? AND m.dues_paid_through <= ? "
        "UNION ALL SELECT m.id, NULL, m.joined_at, o.name FROM members m JOIN orgs o ON o.id = "
        "m.org_id WHERE m.dues_paid_through IS NULL AND m.dues_sms_at IS NULL AND "
        "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES " AND m.joined_at >= ? AND "
        "m.joined_at < ? LIMIT ?",
        "ssssi", month_str(&a, last - DUES_LAPSE_MONTHS), month_str(&a, last - DUES_WARN_MONTHS),
        month_str(&a, last - DUES_LAPSE_MONTHS + 1), month_str(&a, last - DUES_WARN_MONTHS + 2),
        (int64_t)DUES_SMS_BATCH);
    struct due {
        int64_t id;
        int unpaid;
        const char *branch;
    } *due = arena_alloc(&a, DUES_SMS_BATCH * sizeof(*due));
    int n = 0;
    while (db_next(st) && n < DUES_SMS_BATCH) {
        due[n].id = db_int(st, 0);
        due[n].unpaid = dues_months_unpaid(db_text(st, 1), db_text(st, 2));
        due[n].branch = arena_strdup(&a, db_text(st, 3));
        n++;
    }
    db_done(st);
    int64_t now = now_sec();
    for (int i = 0; i < n; i++) {
        /* The member's choice may keep it from going out: the episode is handled all the same. */
        const char *vars[4] = {arena_printf(&a, "%d", due[i].unpaid), due[i].branch};
        sms_to_member(db, due[i].id, SMS_DUES, true, vars,
                      arena_printf(&a, "dues:%" PRId64 ":%" PRId64, due[i].id, now));
        db_exec(db, "UPDATE members SET dues_sms_at = ? WHERE id = ?", "ii", now, due[i].id);
    }
    arena_release(&a);
    return db_failed(db) ? -1 : (int)(n + ended);
}

/* A payment: on the member's branch (org) and where it was paid (org2). */
static bool payment_locate(struct req *req, int64_t id, struct object_ref *o)
{
    struct db_stmt *st =
        db_query(req->db,
                 "SELECT m.org_id, m.org_path, p.org_id, w.path FROM dues_payments "
                 "p JOIN members m ON m.id = p.member_id AND m.deleted_at IS NULL "
                 "LEFT JOIN orgs w ON w.id = p.org_id WHERE p.id = ? AND "
                 "p.deleted_at IS NULL",
                 "i", id);
    bool found = db_next(st);
    if (found)
        req_locate_row(req, st, o, true);
    db_done(st);
    return found;
}

static const struct object_kind payment_kind = {
    .name = "payment",
    .not_found = ERR_DUES_NOT_FOUND,
    .locate = payment_locate,
};

const struct route dues_routes[] = {
    {"GET", "/api/v1/dues", h_ledger, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", ledger_query,
     NULL, 0},
    {"GET", "/api/v1/dues/summary", h_summary, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId",
     summary_query, NULL, 0},
    {"GET", "/api/v1/dues/members/{id}", h_member, SCOPE_OBJECT, PERM_ROSTER_READ, NULL, NULL, NULL,
     0, &member_kind, PARTY_SELF},
    /* A migrant member pays at the host organisation too (method host_org). */
    {"POST", "/api/v1/dues/payments", h_pay, SCOPE_OBJECT, PERM_ROSTER_WRITE, "memberId", NULL,
     pay_body, 0, &member_kind, 0, SIDE_EITHER},
    {"DELETE", "/api/v1/dues/payments/{id}", h_reverse, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     NULL, 0, &payment_kind, 0, SIDE_EITHER},
    {"PUT", "/api/v1/dues/standard/{id}", h_standard, SCOPE_OBJECT, PERM_ROSTER_WRITE, NULL, NULL,
     standard_body, 0, &member_kind},
    {NULL},
};
