/*
 * export.c - rosters and statistics to XLSX (libxlsxwriter, constant memory)
 * or CSV, through sheet_out (which neutralises formula injection). Exports of
 * personal data follow the caller's permissions: masked unless the caller
 * may reveal them and asks for it, and every export is audited.
 */
#include "app.h"
#include "core/roster.h"
#include "core/sheet_out.h"
#include "mod/dues.h"
#include "mod/export.h"
#include "mod/import.h"
#include "mod/members_rec.h"
#include "mod/orgs.h"
#include "routes.h"

static const char *yes_no(int64_t v)
{
    return v ? "是" : "否";
}

void export_members_fill(struct sheet_writer *w, void *ctx)
{
    struct export_members *x = ctx;
    const char *head[32];
    int n = 0;
    while (import_column_name(n))
        head[n] = import_column_name(n), n++;
    head[n++] = "状态";
    sheet_write_header(w, head, (size_t)n);
    struct arena a;
    arena_init(&a);
    struct db_stmt *st = db_query(
        x->db,
        "SELECT m.name, m.gender, m.ethnicity, m.birth_date, m.id_mask, m.native_place, "
        "m.education, m.occupation, m.phone_mask, m.address_sealed IS NOT NULL, m.joined_at, "
        "m.full_at, m.category, o.name, g.name, m.migrant, m.migrant_place, m.migrant_since, "
        "m.lost_contact, m.lost_contact_since, m.dues_fen, m.dues_paid_through, m.status, "
        "m.id_sealed, m.phone_sealed, m.address_sealed FROM members m JOIN orgs o ON o.id = "
        "m.org_id LEFT JOIN orgs g ON g.id = m.group_id WHERE m.org_path >= ? AND m.org_path < "
        "? AND m.deleted_at IS NULL AND (? = 'all' OR (? = 'active' AND m.status "
        "IN " ROSTER_STATUSES ") OR m.status = ?) ORDER BY m.org_path, m.id",
        "sssss", x->org_path, org_path_end(&a, x->org_path), x->status, x->status, x->status);
    while (db_next(st)) {
        const char *row[32];
        for (int i = 0; i < 9; i++)
            row[i] = db_text(st, i);
        row[1] = strcmp(row[1], "male") ? "女" : "男";
        row[9] = db_int(st, 9) ? "******" : "";
        for (int i = 10; i < 15; i++)
            row[i] = db_text(st, i);
        row[12] = strcmp(row[12], "full") ? "预备党员" : "正式党员";
        row[15] = yes_no(db_int(st, 15));
        row[16] = db_text(st, 16);
        row[17] = db_text(st, 17);
        row[18] = yes_no(db_int(st, 18));
        row[19] = db_text(st, 19);
        int64_t fen = db_int(st, 20);
        row[20] = arena_printf(&a, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
        row[21] = db_text(st, 21);
        row[22] = db_text(st, 22);
        if (x->full) {
            static const char *const domains[] = {"member.id", "member.phone", "member.address"};
            static const int cols[] = {4, 8, 9};
            for (int k = 0; k < 3; k++) {
                size_t len;
                const unsigned char *b = db_blob(st, 23 + k, &len);
                row[cols[k]] = b && len ? pdata_open(&a, domains[k], b, len) : "";
            }
        }
        sheet_write_row(w, row, 23);
        x->rows++;
        if (x->rows % 1000 == 0) {
            arena_release(&a);
            arena_init(&a);
        }
    }
    db_done(st);
    arena_release(&a);
}

static const struct param members_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {"status", P_ENUM, 0, 0, 0, member_status_filters},
    {"full", P_BOOL},
    {NULL},
};

/* The roster of org as a file: masked, or full; audited either way. */
static int members_export(struct req *req, int64_t org, const char *format, const char *status,
                          bool full)
{
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct export_members x = {
        .db = req->db, .org_path = path, .status = status ? status : "active", .full = full};
    int rc = sheet_respond(req, format, "花名册", export_members_fill, &x);
    req_audit(req, "member.export", org, arena_printf(&req->arena, "org:%" PRId64, org),
              rc == 200 ? "ok" : "failed", "%ld rows, %s", x.rows, x.full ? "full" : "masked");
    return rc;
}

/*
 * GET /api/v1/exports/members?orgId=&format=xlsx|csv&status= -> the roster
 * of the subtree as a file, in the import template's columns, ID number,
 * phone and address masked. Audited (member.export). full=true is refused
 * (request.invalid): a GET can be set off by a link on another site, so the
 * full export is a POST. Errors: org.not_found, request.invalid. roster.read
 * on orgId.
 */
static int h_members(struct req *req)
{
    const struct value *full = req_query(req, "full");
    if (full && full->present && full->i)
        return req_fail_field(req, ERR_INVALID, "full",
                              "a full export is POST /api/v1/exports/members");
    return members_export(req, req_query_int(req, "orgId", 0), req_query_str(req, "format"),
                          req_query_str(req, "status"), false);
}

static const struct param members_full_body[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {"status", P_ENUM, 0, 0, 0, member_status_filters},
    {NULL},
};

/*
 * POST /api/v1/exports/members {orgId, format?, status?} -> the roster with
 * ID numbers, phones and addresses in full. A write as far as the browser is
 * concerned (CSRF token, never from another site), never stored for an
 * Idempotency-Key. Being a write, it holds the write lock while the file is
 * written (a county's roster: under a second; a province's is better taken
 * with zhibu export --full). Audited (member.export, full). Errors:
 * org.not_found. pdata.reveal on orgId.
 */
static int h_members_full(struct req *req)
{
    return members_export(req, req_body_int(req, "orgId", 0), req_body_str(req, "format"),
                          req_body_str(req, "status"), true);
}

struct export_stats {
    struct db *db;
    int64_t org;
};

static void stats_fill(struct sheet_writer *w, void *ctx)
{
    struct export_stats *x = ctx;
    static const char *const head[] = {"组织",     "层级", "党员", "流动党员",
                                       "预备党员", "女性", "失联", "党费欠缴3个月以上",
                                       "发展中"};
    sheet_write_header(w, head, ARRAY_SIZE(head));
    struct arena a;
    arena_init(&a);
    char last[8];
    dues_last_month(last);
    const char *cut = month_minus(&a, last, DUES_WARN_MONTHS);
    struct db_stmt *st = db_query(
        x->db,
        "SELECT o.name, o.level, o.members_total, "
        "(SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = 'migrant' AND c.key = '1'), "
        "(SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = 'category' AND c.key = "
        "'probationary'), (SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = 'gender' "
        "AND c.key = 'female'), (SELECT n FROM org_counts c WHERE c.org_id = o.id AND c.dim = "
        "'lost_contact' AND c.key = '1'), (SELECT SUM(n) FROM org_counts c WHERE c.org_id = o.id "
        "AND c.dim = 'paid_through' AND c.key <> '' AND c.key <= ?), (SELECT SUM(n) FROM "
        "org_counts c WHERE c.org_id = o.id AND c.dim = 'stage' AND c.key IN ('applicant', "
        "'activist', 'target', 'probationary')) FROM orgs o WHERE (o.id = ? OR o.parent_id = ?) "
        "AND o.level <> 'group' AND o.deleted_at IS NULL ORDER BY o.id <> ?, o.id",
        "siii", cut, x->org, x->org, x->org);
    while (db_next(st)) {
        const char *row[9];
        row[0] = db_text(st, 0);
        row[1] = db_text(st, 1);
        for (int i = 2; i < 9; i++)
            row[i] = arena_printf(&a, "%" PRId64, db_int(st, i));
        sheet_write_row(w, row, 9);
    }
    db_done(st);
    arena_release(&a);
}

static const struct param stats_query[] = {
    {"orgId", P_ID, P_REQUIRED},
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {NULL},
};

/*
 * GET /api/v1/exports/stats?orgId=&format= -> the organisation's headline
 * figures and one row per child organisation (members, migrant,
 * probationary, women, lost contact, dues 3+ months behind, in the
 * development pipeline). roster.read on orgId. Errors: org.not_found.
 */
static int h_stats(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    if (!org_path(req->db, &req->arena, org))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct export_stats x = {req->db, org};
    req_audit(req, "stats.export", org, arena_printf(&req->arena, "org:%" PRId64, org), "ok", NULL);
    return sheet_respond(req, req_query_str(req, "format"), "党员统计", stats_fill, &x);
}

struct export_dues {
    struct db *db;
    const char *org_path;
    long rows;
};

static void dues_fill(struct sheet_writer *w, void *ctx)
{
    struct export_dues *x = ctx;
    static const char *const head[] = {"姓名",     "所在党支部", "党费类别",     "月交党费(元)",
                                       "党费交至", "欠缴月数",   "欠缴金额(元)", "提醒"};
    sheet_write_header(w, head, ARRAY_SIZE(head));
    struct arena a;
    arena_init(&a);
    struct db_stmt *st = db_query(
        x->db,
        "SELECT m.name, o.name, m.dues_basis, m.dues_fen, m.dues_paid_through, m.joined_at "
        "FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.org_path >= ? AND m.org_path < ? "
        "AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES " "
        "ORDER BY m.org_path, m.id",
        "ss", x->org_path, org_path_end(&a, x->org_path));
    while (db_next(st)) {
        int64_t fen = db_int(st, 3);
        int unpaid = dues_months_unpaid(db_isnull(st, 4) ? NULL : db_text(st, 4), db_text(st, 5));
        const char *row[8] = {
            db_text(st, 0),
            db_text(st, 1),
            db_text(st, 2),
            arena_printf(&a, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100),
            db_text(st, 4),
            arena_printf(&a, "%d", unpaid),
            arena_printf(&a, "%" PRId64 ".%02" PRId64, fen * unpaid / 100, fen * unpaid % 100),
            unpaid >= DUES_LAPSE_MONTHS   ? "满6个月未交"
            : unpaid >= DUES_ALERT_MONTHS ? "严重欠缴"
            : unpaid >= DUES_WARN_MONTHS  ? "欠缴预警"
                                          : "",
        };
        sheet_write_row(w, row, 8);
        x->rows++;
        if (x->rows % 1000 == 0) {
            arena_release(&a);
            arena_init(&a);
        }
    }
    db_done(st);
    arena_release(&a);
}

/*
 * GET /api/v1/exports/dues?orgId=&format= -> the dues ledger of the subtree
 * as a file: each member's standard, paid-through month, months and amount
 * owed, and the warning level. Audited (dues.export). roster.read on orgId.
 * Errors: org.not_found.
 */
static int h_dues(struct req *req)
{
    int64_t org = req_query_int(req, "orgId", 0);
    const char *path = org_path(req->db, &req->arena, org);
    if (!path)
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    struct export_dues x = {req->db, path, 0};
    int rc = sheet_respond(req, req_query_str(req, "format"), "党费台账", dues_fill, &x);
    req_audit(req, "dues.export", org, arena_printf(&req->arena, "org:%" PRId64, org),
              rc == 200 ? "ok" : "failed", "%ld rows", x.rows);
    return rc;
}

const struct route export_routes[] = {
    {"GET", "/api/v1/exports/dues", h_dues, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId", stats_query,
     NULL, ROUTE_RAW},
    {"GET", "/api/v1/exports/members", h_members, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId",
     members_query, NULL, ROUTE_RAW},
    {"POST", "/api/v1/exports/members", h_members_full, SCOPE_BODY_ORG, PERM_PDATA_REVEAL, "orgId",
     NULL, members_full_body, ROUTE_RAW | ROUTE_NO_IDEM},
    {"GET", "/api/v1/exports/stats", h_stats, SCOPE_QUERY_ORG, PERM_ROSTER_READ, "orgId",
     stats_query, NULL, ROUTE_RAW},
    {NULL},
};
