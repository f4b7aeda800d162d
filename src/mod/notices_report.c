/*
 * notices_report.c - managing what an announcement reached (notices.c
 * publishes it): the exact per-branch read and acknowledgement report, telling
 * members in person (当面传达) and undoing it, the members it reaches with
 * their markers, and the export of that list. Every route acts on a notice
 * (notice_kind) with notice.publish on its organisation; on a derived entry
 * (a reminder, a correction) they answer for the original.
 */
#include "app.h"
#include "core/roster.h"
#include "core/sheet_out.h"
#include "mod/notices_int.h"
#include "mod/orgs.h"
#include "routes.h"

static const char *const member_filters[] = {"all", "unread", "unacked", "unreached", NULL};

/* ---- the read report ---- */

/* Loads {id} for a manager and the organisation orgId (default: the
 * notice's) inside its subtree and the caller's scope; 0 or a 404 status. */
static int report_scope(struct req *req, struct notice *n, int64_t *org, const char **path)
{
    int rc = notice_get(req, n);
    if (rc)
        return rc;
    if (n->ref_id && !notice_load(req->db, &req->arena, n->ref_id, n))
        return req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    *org = req_query_int(req, "orgId", n->org_id);
    *path = org_path(req->db, &req->arena, *org);
    if (!*path || strncmp(*path, n->org_path, strlen(n->org_path)) ||
        !principal_can(req->who, PERM_NOTICE_PUBLISH, *path))
        return req_fail(req, ERR_ORG_NOT_FOUND, NULL);
    return 0;
}

struct tally {
    int64_t org_id;
    const char *path;
    int64_t total, read, acked, no_account, told;
};

/* Adds a group of members on branch path (count, read, acked, without an
 * account they can sign in with, told in person without reading in the app)
 * to the tally whose subtree holds it. */
static void tally_add(struct tally *t, size_t nt, const char *path, int64_t total, int64_t read,
                      int64_t ack, int64_t no_account, int64_t told)
{
    for (size_t i = 0; i < nt; i++)
        if (!strncmp(path, t[i].path, strlen(t[i].path))) {
            t[i].total += total;
            t[i].read += read;
            t[i].acked += ack;
            t[i].no_account += no_account;
            t[i].told += told;
            return;
        }
}

/* Told in person (notice_told row "d") and not read in the app (no marker of
 * the notice for d's member): a member who did both counts once, as read. */
#define TOLD_NOT_READ(notice)                                                                      \
    "NOT EXISTS (SELECT 1 FROM notice_marks kx WHERE kx.notice_id = " notice                       \
    " AND kx.member_id = d.member_id)"

/* "An account the member can sign in with": one linked to the member, activated
 * (a password, or sign-in by SMS code only), not disabled. Every roster member has an
 * account, made with the record; one not activated yet cannot have read anything. */
#define HAS_ACCOUNT(m)                                                                             \
    "EXISTS (SELECT 1 FROM accounts ax WHERE ax.member_id = " m ".id AND ax.activated_at IS "      \
    "NOT NULL AND ax.disabled_at IS NULL)"

static const struct param report_query[] = {
    {"orgId", P_ID},
    {NULL},
};

/*
 * GET /api/v1/notices/{id}/report?orgId= -> {notice: {id, title, ackRequired,
 * ackDeadline, state}, org: {id, name, level, total, read, acked, noAccount,
 * told, notReached}, items: [{... the same}]}: exact counts of the members it
 * reaches (on a roster; read: in the app; noAccount: those without an account
 * they can sign in with, who cannot have read it; told: told in person and not
 * read in the app; notReached = total - read - told), for orgId (default: the
 * notice's organisation) and
 * each organisation under it, to drill down. Errors: notice.not_found,
 * org.not_found (orgId outside the notice's subtree or the caller's scope).
 * notice.publish on its organisation.
 */
static int h_report(struct req *req)
{
    struct notice n;
    int64_t org;
    const char *path;
    int rc = report_scope(req, &n, &org, &path);
    if (rc)
        return rc;
    const char *end = org_path_end(&req->arena, path);
    /* The organisation itself and its children (not party groups: their
     * members are counted on their branch). */
    size_t nt = 1, cap = 16;
    struct tally *t = arena_calloc(&req->arena, cap, sizeof(*t));
    t[0] = (struct tally){.org_id = org, .path = path};
    struct db_stmt *st = db_query(req->db,
                                  "SELECT id, path FROM orgs WHERE parent_id = ? AND level <> "
                                  "'group' AND deleted_at IS NULL ORDER BY id",
                                  "i", org);
    while (db_next(st)) {
        if (nt == cap) {
            struct tally *more = arena_calloc(&req->arena, cap * 2, sizeof(*t));
            memcpy(more, t, cap * sizeof(*t));
            t = more, cap *= 2;
        }
        t[nt++] = (struct tally){.org_id = db_int(st, 0),
                                 .path = arena_strdup(&req->arena, db_text(st, 1))};
    }
    db_done(st);
    bool everyone = !n.chosen && (n.role_mask == 0 || (n.role_mask & 1));
    if (everyone) {
        /* Every member of the subtree: totals are kept on the tree; the
         * markers are counted (one row per reader, never per member). */
        /* Those without an account they can sign in with, from the access
         * counters kept on the tree too (org_counts.h: 'activated' counts the
         * members on a roster whose account is activated and not disabled). */
        for (size_t i = 0; i < nt; i++) {
            int64_t activated = 0;
            db_get_int(req->db, &t[i].total, "SELECT members_total FROM orgs WHERE id = ?", "i",
                       t[i].org_id);
            db_get_int(req->db, &activated,
                       "SELECT n FROM org_counts WHERE org_id = ? AND dim = 'access' AND key = "
                       "'activated'",
                       "i", t[i].org_id);
            t[i].no_account = t[i].total > activated ? t[i].total - activated : 0;
        }
        /* A party group (orgId may name one) keeps its members by group_id,
         * not on their path, where the access counters are: counted here. */
        if (db_get_int(req->db, &(int64_t){0},
                       "SELECT 1 FROM orgs WHERE id = ? AND level = 'group'", "i", org))
            db_get_int(req->db, &t[0].no_account,
                       "SELECT COUNT(*) FROM members m WHERE m.group_id = ? AND m.deleted_at IS "
                       "NULL AND m.status IN " ROSTER_STATUSES " AND NOT " HAS_ACCOUNT("m"),
                       "i", org);
        st = db_query(req->db,
                      "SELECT m.org_path, COUNT(*), COUNT(k.ack_at) FROM notice_marks k JOIN "
                      "members m ON m.id = k.member_id WHERE k.notice_id = ? AND m.org_path >= ? "
                      "AND m.org_path < ? AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES
                      " GROUP BY m.org_path",
                      "iss", n.id, path, end);
        while (db_next(st)) {
            const char *p = db_text(st, 0);
            tally_add(t, 1, p, 0, db_int(st, 1), db_int(st, 2), 0, 0);
            tally_add(t + 1, nt - 1, p, 0, db_int(st, 1), db_int(st, 2), 0, 0);
        }
        db_done(st);
        st = db_query(req->db,
                      "SELECT m.org_path, COUNT(*) FROM notice_told d JOIN members m ON m.id = "
                      "d.member_id WHERE d.notice_id = ?1 AND m.org_path >= ?2 AND m.org_path < "
                      "?3 AND m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES
                      " AND " TOLD_NOT_READ("?1") " GROUP BY m.org_path",
                      "iss", n.id, path, end);
        while (db_next(st)) {
            const char *p = db_text(st, 0);
            tally_add(t, 1, p, 0, 0, 0, 0, db_int(st, 1));
            tally_add(t + 1, nt - 1, p, 0, 0, 0, 0, db_int(st, 1));
        }
    } else {
        st = db_query(req->db,
                      "SELECT m.org_path, COUNT(*), COUNT(k.read_at), COUNT(k.ack_at), "
                      "SUM(CASE WHEN " HAS_ACCOUNT(
                          "m") " THEN 0 ELSE 1 END), SUM(CASE WHEN k.read_at IS NULL AND EXISTS "
                               "(SELECT 1 FROM notice_told d WHERE d.notice_id = ?8 AND "
                               "d.member_id = m.id) THEN 1 ELSE 0 END) FROM members m LEFT "
                               "JOIN accounts a ON a.member_id = m.id LEFT JOIN notice_marks k ON "
                               "k.account_id = a.id AND k.notice_id = ?8" RECIPIENTS_WHERE
                               " GROUP BY m.org_path",
                      "ssiiissi", path, end, (int64_t)n.chosen, n.id, (int64_t)n.role_mask,
                      n.org_path, org_path_end(&req->arena, n.org_path), n.id);
        while (db_next(st)) {
            const char *p = db_text(st, 0);
            tally_add(t, 1, p, db_int(st, 1), db_int(st, 2), db_int(st, 3), db_int(st, 4),
                      db_int(st, 5));
            tally_add(t + 1, nt - 1, p, db_int(st, 1), db_int(st, 2), db_int(st, 3), db_int(st, 4),
                      db_int(st, 5));
        }
    }
    db_done(st);
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "notice");
    jw_obj_begin(j);
    jw_kv_int(j, "id", n.id);
    jw_kv_str(j, "title", n.title);
    jw_kv_bool(j, "ackRequired", n.ack_required);
    jw_kv_str(j, "ackDeadline", n.ack_deadline);
    jw_kv_str(j, "state", n.state);
    jw_obj_end(j);
    for (size_t i = 0; i < nt; i++) {
        if (i == 0)
            jw_key(j, "org");
        if (i == 1) {
            jw_key(j, "items");
            jw_arr_begin(j);
        }
        jw_obj_begin(j);
        jw_kv_int(j, "id", t[i].org_id);
        st = db_query(req->db, "SELECT name, level FROM orgs WHERE id = ?", "i", t[i].org_id);
        if (db_next(st)) {
            jw_kv_str(j, "name", db_text(st, 0));
            jw_kv_str(j, "level", db_text(st, 1));
        }
        db_done(st);
        jw_kv_int(j, "total", t[i].total);
        jw_kv_int(j, "read", t[i].read);
        jw_kv_int(j, "acked", t[i].acked);
        jw_kv_int(j, "noAccount", t[i].no_account);
        jw_kv_int(j, "told", t[i].told);
        jw_kv_int(j, "notReached", t[i].total - t[i].read - t[i].told);
        jw_obj_end(j);
    }
    if (nt == 1) {
        jw_key(j, "items");
        jw_arr_begin(j);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    return 200;
}

/* ---- told in person (当面传达) ---- */

/* Who recorded telling a member in person may undo it this long after. */
#define TOLD_UNDO_SECS (24 * 3600)

/* Writes toldAt, toldBy ({id, name} or null) and canUndoTold from columns
 * col (told_at), col + 1 (told_by), col + 2 (its name) of st. */
static void told_write(struct req *req, struct jw *j, struct db_stmt *st, int col)
{
    bool told = !db_isnull(st, col);
    int64_t at = told ? db_int(st, col) : 0, by = told ? db_int(st, col + 1) : 0;
    jw_kv_time(j, "toldAt", at);
    jw_key(j, "toldBy");
    if (told) {
        jw_obj_begin(j);
        jw_kv_int(j, "id", by);
        jw_kv_str(j, "name", db_text(st, col + 2));
        jw_obj_end(j);
    } else {
        jw_null(j);
    }
    jw_kv_bool(j, "canUndoTold",
               told && by == req->who->account_id && now_sec() - at <= TOLD_UNDO_SECS);
}

/* The notice of a told route for its manager: on a derived entry (a reminder,
 * a correction) the original, whose audience it shares. 0 or a 404 status. */
static int told_notice(struct req *req, struct notice *n)
{
    int rc = notice_get(req, n);
    if (!rc && n->ref_id && !notice_load(req->db, &req->arena, n->ref_id, n))
        rc = req_fail(req, ERR_NOTICE_NOT_FOUND, NULL);
    return rc;
}

/* Whether n reaches member (on a roster, in its audience) on a branch where
 * the caller manages notices. */
static bool told_reaches(struct req *req, const struct notice *n, int64_t member)
{
    const char *end = org_path_end(&req->arena, n->org_path);
    struct db_stmt *st =
        db_query(req->db, "SELECT m.org_path FROM members m" RECIPIENTS_WHERE " AND m.id = ?8",
                 "ssiiissi", n->org_path, end, (int64_t)n->chosen, n->id, (int64_t)n->role_mask,
                 n->org_path, end, member);
    bool found = db_next(st) && principal_can(req->who, PERM_NOTICE_PUBLISH, db_text(st, 0));
    db_done(st);
    return found;
}

static const struct param told_body[] = {
    {"memberIds", P_IDS, P_REQUIRED, 1, 500},
    {NULL},
};

/*
 * POST /api/v1/notices/{id}/told {memberIds} -> {items: [{memberId, toldAt,
 * toldBy: {id, name}, canUndoTold}]}: the caller told these members the
 * notice in person (on a derived entry: the original). A member recorded
 * before keeps the first record. Audited (notice.told). Errors:
 * notice.not_found, notice.state (retracted), member.not_found (memberIds: a
 * member it does not reach or outside the caller's scope; nothing recorded).
 * notice.publish on its organisation.
 */
static int h_told(struct req *req)
{
    struct notice n;
    int rc = told_notice(req, &n);
    if (rc)
        return rc;
    if (!strcmp(n.state, "retracted"))
        return req_fail(req, ERR_NOTICE_STATE, NULL);
    const struct value *ids = req_body(req, "memberIds");
    for (size_t i = 0; i < ids->n; i++)
        if (!told_reaches(req, &n, ids->ids[i]))
            return req_fail_field(req, ERR_MEMBER_NOT_FOUND, "memberIds", "no member %" PRId64,
                                  ids->ids[i]);
    int64_t now = now_sec(), added = 0;
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_key(j, "items");
    jw_arr_begin(j);
    for (size_t i = 0; i < ids->n; i++) {
        db_exec(req->db,
                "INSERT INTO notice_told (notice_id, member_id, told_by, told_at) VALUES (?, ?, "
                "?, ?) ON CONFLICT DO NOTHING",
                "iiii", n.id, ids->ids[i], req->who->account_id, now);
        added += db_changes(req->db);
        struct db_stmt *st = db_query(req->db,
                                      "SELECT d.told_at, d.told_by, a.name FROM notice_told d "
                                      "JOIN accounts a ON a.id = d.told_by WHERE d.notice_id = ? "
                                      "AND d.member_id = ?",
                                      "ii", n.id, ids->ids[i]);
        if (db_next(st)) {
            jw_obj_begin(j);
            jw_kv_int(j, "memberId", ids->ids[i]);
            told_write(req, j, st, 0);
            jw_obj_end(j);
        }
        db_done(st);
    }
    jw_arr_end(j);
    jw_obj_end(j);
    req_audit(req, "notice.told", n.org_id, arena_printf(&req->arena, "notice:%" PRId64, n.id),
              "ok", "%" PRId64 " of %zu members newly recorded as told in person", added, ids->n);
    return 200;
}

/*
 * DELETE /api/v1/notices/{id}/told/{memberId} -> {memberId, told: false}:
 * undoes a record of telling in person, by who recorded it within a day of
 * it; a member not recorded answers the same and nothing changes. Audited
 * (notice.untold, a refusal too). Errors: notice.not_found, member.not_found
 * (as for POST), notice.told_undo (403: recorded by someone else, or more
 * than a day ago). notice.publish on its organisation.
 */
static int h_untold(struct req *req)
{
    struct notice n;
    int rc = told_notice(req, &n);
    if (rc)
        return rc;
    int64_t member = req->path_ids[1];
    if (!told_reaches(req, &n, member))
        return req_fail(req, ERR_MEMBER_NOT_FOUND, NULL);
    struct db_stmt *st = db_query(
        req->db, "SELECT told_by, told_at FROM notice_told WHERE notice_id = ? AND member_id = ?",
        "ii", n.id, member);
    bool found = db_next(st);
    int64_t by = found ? db_int(st, 0) : 0, at = found ? db_int(st, 1) : 0;
    db_done(st);
    const char *target = arena_printf(&req->arena, "notice:%" PRId64, n.id);
    if (found && (by != req->who->account_id || now_sec() - at > TOLD_UNDO_SECS)) {
        req_audit(req, "notice.untold", n.org_id, target, "denied", "member %" PRId64, member);
        return req_fail(req, ERR_NOTICE_TOLD_UNDO, NULL);
    }
    if (found) {
        db_exec(req->db, "DELETE FROM notice_told WHERE notice_id = ? AND member_id = ?", "ii",
                n.id, member);
        req_audit(req, "notice.untold", n.org_id, target, "ok", "member %" PRId64, member);
    }
    struct jw *j = req_data(req);
    jw_obj_begin(j);
    jw_kv_int(j, "memberId", member);
    jw_kv_bool(j, "told", false);
    jw_obj_end(j);
    return 200;
}

/* ---- the members it reaches, and the export ---- */

/* The members n reaches under path, with their markers, in (org_path, id)
 * order after the cursor; filter: all, unread, unacked. */
static struct db_stmt *members_query(struct req *req, const struct notice *n, const char *path,
                                     const char *filter, const char *after_path, int64_t after_id,
                                     int64_t limit)
{
    return db_query(
        req->db,
        "SELECT m.id, m.name, m.org_id, o.name, m.org_path, a.id IS NOT NULL, "
        "k.read_at, k.ack_at, d.told_at, d.told_by, (SELECT name FROM accounts WHERE "
        "id = d.told_by), " HAS_ACCOUNT(
            "m") " FROM members m JOIN orgs o ON o.id = "
                 "m.org_id LEFT JOIN accounts a ON a.member_id = m.id LEFT JOIN notice_marks k "
                 "ON k.account_id = a.id AND k.notice_id = ?8 LEFT JOIN notice_told d ON "
                 "d.notice_id = ?8 AND d.member_id = m.id" RECIPIENTS_WHERE
                 " AND (m.org_path, m.id) > (?9, ?10) AND (?11 = 'all' OR (?11 = 'unread' AND "
                 "k.read_at IS NULL) OR (?11 = 'unacked' AND k.ack_at IS NULL) OR (?11 = "
                 "'unreached' AND k.read_at IS NULL AND d.told_at IS NULL)) ORDER BY "
                 "m.org_path, m.id LIMIT ?12",
        "ssiiissisisi", path, org_path_end(&req->arena, path), (int64_t)n->chosen, n->id,
        (int64_t)n->role_mask, n->org_path, org_path_end(&req->arena, n->org_path), n->id,
        after_path, after_id, filter, limit);
}

static const struct param members_query_params[] = {
    {"orgId", P_ID},
    {"filter", P_ENUM, 0, 0, 0, member_filters},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/notices/{id}/members?orgId=&filter=all|unread|unacked|unreached&after=&limit=
 * -> {items: [{memberId, name, org: {id, name}, hasAccount, canSignIn, readAt,
 * ackedAt, toldAt, toldBy: {id, name} | null, canUndoTold}], next}: who under
 * orgId it reaches and who has not read or acknowledged, or was neither read
 * in the app nor told in person (unreached) (filter, default all). Errors: as
 * the report. notice.publish on its organisation.
 */
static int h_members(struct req *req)
{
    struct notice n;
    int64_t org;
    const char *path, *after;
    int rc = report_scope(req, &n, &org, &path);
    if (!rc)
        rc = page_after_text(req, &after);
    if (rc)
        return rc;
    const char *ap = "", *sp;
    int64_t aid = 0;
    if (after) {
        sp = strchr(after, ' ');
        if (!sp || !parse_i64(sp + 1, strlen(sp + 1), &aid))
            return req_fail_field(req, ERR_INVALID, "after", "not a cursor of this list");
        ap = arena_strndup(&req->arena, after, (size_t)(sp - after));
    }
    const char *filter = req_query_str(req, "filter");
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        members_query(req, &n, path, filter ? filter : "all", ap, aid, (int64_t)pg.limit + 1);
    while (page_next(&pg, st)) {
        struct jw *j = pg.j;
        jw_obj_begin(j);
        jw_kv_int(j, "memberId", db_int(st, 0));
        jw_kv_str(j, "name", db_text(st, 1));
        jw_key(j, "org");
        jw_obj_begin(j);
        jw_kv_int(j, "id", db_int(st, 2));
        jw_kv_str(j, "name", db_text(st, 3));
        jw_obj_end(j);
        jw_kv_bool(j, "hasAccount", db_int(st, 5));
        jw_kv_time(j, "readAt", db_isnull(st, 6) ? 0 : db_int(st, 6));
        jw_kv_time(j, "ackedAt", db_isnull(st, 7) ? 0 : db_int(st, 7));
        jw_kv_bool(j, "canSignIn", db_int(st, 11));
        told_write(req, j, st, 8);
        jw_obj_end(j);
        page_mark_text(&pg,
                       arena_printf(&req->arena, "%s %" PRId64, db_text(st, 4), db_int(st, 0)));
    }
    return page_end(&pg, st);
}

struct export_ctx {
    struct req *req;
    const struct notice *n;
    const char *path;
    long rows;
};

static void export_fill(struct sheet_writer *w, void *ctx)
{
    struct export_ctx *x = ctx;
    static const char *const head[] = {"组织",     "姓名",   "账号",     "已读",
                                       "阅读时间", "已确认", "确认时间", "当面传达时间"};
    sheet_write_header(w, head, ARRAY_SIZE(head));
    struct arena a;
    arena_init(&a);
    struct db_stmt *st = members_query(x->req, x->n, x->path, "all", "", 0, INT64_MAX);
    while (db_next(st)) {
        char rt[21] = "", at[21] = "", tt[21] = "";
        if (!db_isnull(st, 6))
            time_iso(db_int(st, 6), rt);
        if (!db_isnull(st, 7))
            time_iso(db_int(st, 7), at);
        if (!db_isnull(st, 8))
            time_iso(db_int(st, 8), tt);
        const char *row[] = {db_text(st, 3),
                             db_text(st, 1),
                             db_int(st, 5) ? "有" : "无",
                             rt[0] ? "是" : "否",
                             rt,
                             at[0] ? "是" : "否",
                             at,
                             tt};
        sheet_write_row(w, row, ARRAY_SIZE(row));
        x->rows++;
    }
    db_done(st);
    arena_release(&a);
}

static const struct param export_query[] = {
    {"orgId", P_ID},
    {"format", P_ENUM, 0, 0, 0, sheet_formats},
    {NULL},
};

/*
 * GET /api/v1/notices/{id}/report/export?orgId=&format=xlsx|csv -> a file:
 * one row per member it reaches under orgId (organisation, name, account,
 * read, read time, acknowledged, time). Audited. Errors: as the report.
 * notice.publish on its organisation.
 */
static int h_export(struct req *req)
{
    struct notice n;
    int64_t org;
    const char *path;
    int rc = report_scope(req, &n, &org, &path);
    if (rc)
        return rc;
    struct export_ctx x = {.req = req, .n = &n, .path = path};
    rc = sheet_respond(req, req_query_str(req, "format"), "通知阅读确认情况", export_fill, &x);
    req_audit(req, "notice.export", org, arena_printf(&req->arena, "notice:%" PRId64, n.id),
              rc == 200 ? "ok" : "failed", "%ld rows", x.rows);
    return rc;
}

const struct route notices_report_routes[] = {
    {"GET", "/api/v1/notices/{id}/report", h_report, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     report_query, NULL, 0, &notice_kind},
    {"POST", "/api/v1/notices/{id}/told", h_told, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL, NULL,
     told_body, 0, &notice_kind},
    {"DELETE", "/api/v1/notices/{id}/told/{id}", h_untold, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     NULL, NULL, 0, &notice_kind},
    {"GET", "/api/v1/notices/{id}/members", h_members, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     members_query_params, NULL, 0, &notice_kind},
    {"GET", "/api/v1/notices/{id}/report/export", h_export, SCOPE_OBJECT, PERM_NOTICE_PUBLISH, NULL,
     export_query, NULL, ROUTE_RAW, &notice_kind},
    {NULL},
};
