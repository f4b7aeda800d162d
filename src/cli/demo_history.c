/*
 * demo_history.c - a few months of organisational life in the demo county,
 * so that every demo account's home shows something: announcements read and
 * acknowledged (one still to acknowledge), threads answered on time and late
 * and one escalated, news with a rumour reported, marked false and
 * corrected, meetings held with attendance and minutes and this month's
 * still to hold (with an online link for the member working away), polls
 * open and closed, activities with sign-ups, learning (demo_learning.c).
 *
 * The rows are those the API writes: meetings' attendance, minutes and
 * closing go through the meeting functions (meetings.h) on a request of the
 * acting account with the clock set back to the moment; the other modules
 * have no C entry point, so their rows are inserted as their handlers insert
 * them (same columns, change sequence, search index, counters). Everything
 * is dated by whole Beijing days back from today (at()); only what is still
 * to come (this month's meeting, an open poll's close, an activity) lies
 * ahead.
 */
#include "app.h"
#include "cli/demo_history.h"
#include "core/roster.h"
#include "mod/meetings.h"
#include "mod/search.h"

#include <sodium.h>

/* Accounts of demo-accounts.json by index. */
enum { COUNTY_ADMIN, AUDITOR, TOWNSHIP_ADMIN, SECRETARY, SECRETARY2, MEMBER, MIGRANT };

/* The instant hh:mm Beijing time `days` whole days before today; never after now. */
static int64_t at(int64_t days, int hh, int mm)
{
    int64_t t = beijing_day_start(day_today() - days) + hh * 3600 + mm * 60;
    if (t > now_sec())
        BUG("demo history at %" PRId64 " s after now", t - now_sec());
    return t;
}

/* ---- announcements (notices.c h_publish, h_read, h_ack) ---- */

static int64_t notice_add(struct db *db, int64_t author, int64_t org, const char *path,
                          unsigned mask, const char *title, const char *body, const char *priority,
                          bool pinned, bool ack, const char *deadline, int64_t t)
{
    db_exec(db,
            "INSERT INTO notices (org_id, org_path, role_mask, chosen, title, body, attachments, "
            "priority, pinned, ack_required, ack_deadline, author_id, published_at, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, 0, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isisssiisiiiii", org, path, (int64_t)mask, title, body, priority, (int64_t)pinned,
            (int64_t)ack, deadline, author, t, t, t, db_next_seq(db));
    int64_t id = db_last_id(db);
    if (!mask)
        search_index_put(db, "notice", id, org, title, body);
    return id;
}

static void notice_mark(struct db *db, int64_t notice, int64_t account, int64_t member,
                        int64_t read_at, int64_t ack_at)
{
    db_exec(db,
            "INSERT INTO notice_marks (account_id, notice_id, member_id, read_at, ack_at) VALUES "
            "(?, ?, ?, ?, ?)",
            "iiIiI", account, notice, member, read_at, ack_at);
    db_next_seq(db);
}

static void demo_notices(struct db *db, const struct demo_cast *c)
{
    unsigned leaders =
        1u << ROLE_MEMBER | 1u << ROLE_BRANCH_SECRETARY | 1u << ROLE_ORG_ADMIN | 1u << ROLE_AUDITOR;
    int64_t n =
        notice_add(db, c->account[COUNTY_ADMIN], c->county, c->county_path, leaders,
                   "关于认真学习贯彻全会精神的通知",
                   "各乡镇党委、各村党支部：\n请各支部结合主题党日，组织党员认真学习全会精神，"
                   "外出务工党员通过线上方式参加学习。学习情况请于月底前报乡镇党委。",
                   "important", false, true, NULL, at(41, 9, 0));
    static const int readers[] = {SECRETARY, SECRETARY2, MEMBER, MIGRANT, TOWNSHIP_ADMIN};
    for (size_t i = 0; i < ARRAY_SIZE(readers); i++) {
        int64_t read = at(40 - (int64_t)i, 8 + (int)i, 15);
        notice_mark(db, n, c->account[readers[i]], c->member[readers[i]], read,
                    c->member[readers[i]] ? read + 600 : 0);
    }
    n = notice_add(db, c->account[TOWNSHIP_ADMIN], c->township, c->township_path, 0,
                   "秋冬季森林防火工作提示",
                   "进入森林防火期，请各村党支部组织党员巡山护林，发现火情及时报告。", "normal",
                   false, false, NULL, at(12, 15, 30));
    notice_mark(db, n, c->account[SECRETARY], c->member[SECRETARY], at(12, 18, 2), 0);
    notice_mark(db, n, c->account[MEMBER], c->member[MEMBER], at(11, 7, 40), 0);
    /* This month's theme day: acknowledged by the migrant member, not yet by
     * the member at home. */
    char deadline[11];
    date_from_days(day_today() + 7, deadline);
    n = notice_add(db, c->account[SECRETARY], c->village, c->village_path, 0,
                   "关于参加本月主题党日活动的通知",
                   "本月主题党日在村委会议室召开，外出务工党员可通过线上会议参加。"
                   "请收到通知后点击确认。",
                   "important", false, true, deadline, at(2, 10, 0));
    notice_mark(db, n, c->account[SECRETARY], c->member[SECRETARY], at(2, 10, 0), at(2, 10, 0));
    notice_mark(db, n, c->account[MIGRANT], c->member[MIGRANT], at(1, 21, 10), at(1, 21, 11));
    notice_add(db, c->account[SECRETARY2], c->village2, c->village2_path, 0, "党费收缴情况通报",
               "截至上月底，本支部仍有部分党员未按时交纳党费，请尽快补交。", "normal", false, false,
               NULL, at(6, 9, 30));
}

/* ---- threads (threads.c thread_insert, message_add, h_reply) ---- */

static void message_add(struct db *db, int64_t thread, int64_t author, bool leader,
                        const char *text, int64_t t)
{
    db_exec(db,
            "INSERT INTO thread_messages (thread_id, author_id, from_leader, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            "iiisi", thread, author, (int64_t)leader, text, t);
    db_exec(
        db,
        "UPDATE threads SET messages = messages + 1, last_message_at = ?, last_from_member = ?, "
        "updated_at = ?, seq = ? WHERE id = ?",
        "iiiii", t, (int64_t)!leader, t, db_next_seq(db), thread);
}

/* A member's thread to the leaders of their branch (depth 2 under the county),
 * answered by the secretary `answer_after` seconds later (0: not yet). */
static void thread_add(struct db *db, struct arena *a, const struct demo_cast *c, int who,
                       const char *kind, const char *subject, const char *text, int64_t t,
                       const char *answer, int64_t answer_after)
{
    const int64_t target = 48 * 3600, depth = 2, top = 0;
    db_exec(db,
            "INSERT INTO threads (org_id, org_path, branch_depth, top_depth, member_id, "
            "started_by, direction, kind, subject, target_secs, frozen_depth, last_message_at, "
            "created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, 'to_leaders', ?, ?, ?, NULL, "
            "?, ?, ?, ?)",
            "isiiiissiiiii", c->village, c->village_path, depth, top, c->member[who],
            c->account[who], kind, subject, target, t, t, t, db_next_seq(db));
    int64_t id = db_last_id(db);
    message_add(db, id, c->account[who], false, text, t);
    const char *all = text;
    if (answer) {
        int64_t when = t + answer_after, esc = depth - answer_after / target;
        message_add(db, id, c->account[SECRETARY], true, answer, when);
        db_exec(db,
                "UPDATE threads SET first_answer_at = ?, first_answer_by = ?, frozen_depth = ? "
                "WHERE id = ?",
                "iiii", when, c->account[SECRETARY], esc > top ? esc : top, id);
        all = arena_printf(a, "%s\n%s", text, answer);
    }
    search_index_put_doc(db, "thread", id, c->village, c->village_path, c->village_path,
                         c->member[who], subject, all, t);
}

static void demo_threads(struct db *db, struct arena *a, const struct demo_cast *c)
{
    thread_add(db, a, c, MEMBER, "question", "党费标准怎么算", "我今年退休了，党费按什么标准交？",
               at(20, 9, 12), "退休党员按退休费总额交纳，每月收入三千元以下的交百分之零点五。",
               5 * 3600);
    thread_add(db, a, c, MIGRANT, "help", "在外地怎么参加组织生活",
               "我在深圳打工，回不去参加支部的会议，有什么办法？", at(13, 20, 40),
               "可以通过线上会议参加，会议链接会提前发到通知里，也可以到当地流动党员服务站报到。",
               3 * 86400 + 2 * 3600);
    /* No answer for three days: past the 48-hour target, escalated. */
    thread_add(db, a, c, MIGRANT, "suggestion", "建议组织生活会安排在周末",
               "外出务工的党员平时上班，建议组织生活会尽量安排在周末晚上。", at(3, 10, 5), NULL, 0);
}

/* ---- news (posts.c h_create, h_report, review; the members' own first posts
 * are left to them: a member's first post waits for review) ---- */

/* A post by a reviewer (the secretary): published at once. */
static int64_t post_add(struct db *db, const struct demo_cast *c, const char *kind,
                        const char *visibility, const char *audience, const char *title,
                        const char *text, int64_t t)
{
    db_exec(db,
            "INSERT INTO posts (org_id, org_path, audience_path, kind, visibility, author_id, "
            "title, text, photos, tags, state, flagged_words, review_reason, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'published', NULL, "
            "NULL, ?, ?, ?)",
            "issssissiii", c->village, c->village_path, audience, kind, visibility,
            c->account[SECRETARY], title, text, t, t, db_next_seq(db));
    int64_t id = db_last_id(db);
    search_index_put_doc(db, kind, id, c->village, c->village_path, audience, 0, title, text, t);
    return id;
}

static void post_seen(struct db *db, int64_t post, int64_t account, int64_t t)
{
    db_exec(db, "INSERT INTO post_seen (post_id, account_id, seen_at) VALUES (?, ?, ?)", "iii",
            post, account, t);
}

static void demo_posts(struct db *db, const struct demo_cast *c)
{
    int64_t p = post_add(db, c, "news", "county", c->county_path, "村里新修的灌溉水渠通水了",
                         "在党员志愿者的带动下，全长两公里的灌溉水渠完工通水，"
                         "解决了两百多亩农田的用水问题。",
                         at(26, 16, 0));
    post_seen(db, p, c->account[MEMBER], at(25, 8, 0));
    db_exec(db,
            "INSERT INTO post_comments (post_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
            "iisi", p, c->account[MEMBER], "好事！今年浇地不用愁了。", at(25, 8, 5));
    db_exec(db, "UPDATE posts SET comments = comments + 1, seq = ? WHERE id = ?", "ii",
            db_next_seq(db), p);
    post_add(db, c, "experience", "branch", c->village_path, "流动党员也能按时过组织生活",
             "支部为外出务工党员开通线上会议和手机交党费，"
             "今年外出党员参加组织生活的人数比去年翻了一番。",
             at(16, 21, 0));
    /* The rumour, passed on in good faith: seen, reported by the migrant member,
     * found false by the township, the correction read by those who saw it. */
    const char *correction = "经核实，此说法不实：外出务工党员仍须按月交纳党费，可在手机上交纳。";
    p = post_add(db, c, "news", "branch", c->village_path, "听说外出务工党员不用交党费了",
                 "听人说从今年起，外出务工的党员就不用再交党费了，具体以上级通知为准。",
                 at(10, 19, 30));
    post_seen(db, p, c->account[MEMBER], at(10, 20, 0));
    post_seen(db, p, c->account[MIGRANT], at(9, 12, 30));
    db_exec(
        db,
        "INSERT INTO post_reports (post_id, account_id, reason, created_at) VALUES (?, ?, ?, ?)",
        "iisi", p, c->account[MIGRANT], "内容与党费交纳规定不符", at(9, 12, 35));
    int64_t t = at(9, 15, 0);
    db_exec(db, "UPDATE posts SET false_at = ?, correction = ? WHERE id = ?", "isi", t, correction,
            p);
    db_exec(db,
            "INSERT INTO post_corrections (post_id, account_id, kind, text, created_at) SELECT "
            "post_id, account_id, 'false', ?, ? FROM post_seen WHERE post_id = ?",
            "sii", correction, t, p);
    db_exec(db,
            "UPDATE posts SET reviewed_by = ?, reviewed_at = ?, updated_at = ?, seq = ? WHERE id "
            "= ?",
            "iiiii", c->account[TOWNSHIP_ADMIN], t, t, db_next_seq(db), p);
    db_exec(db,
            "UPDATE post_reports SET resolved_at = ?, resolution = 'false' WHERE post_id = ? AND "
            "resolved_at IS NULL",
            "ii", t, p);
    db_exec(db, "UPDATE post_corrections SET read_at = ? WHERE post_id = ?", "ii", at(8, 8, 0), p);
}

/* ---- meetings (meetings.c h_create, expected_fill; meeting_mark,
 * meeting_set_minutes, meeting_close on a request of the secretary) ---- */

static int64_t meeting_add(struct db *db, int64_t org, const char *type, const char *title,
                           int64_t starts, const char *place, const char *link, const char *agenda,
                           int64_t by, int64_t created)
{
    unsigned char secret[32];
    randombytes_buf(secret, sizeof(secret));
    db_exec(db,
            "INSERT INTO meetings (org_id, org_path, type, title, starts_at, duration_min, place, "
            "online_link, agenda, attendees, group_id, by_secretary, secret, created_by, "
            "created_at, updated_at, seq) SELECT id, path, ?, ?, ?, 90, ?, ?, ?, 'branch', NULL, "
            "0, ?, ?, ?, ?, ? FROM orgs WHERE id = ?",
            "ssisssbiiiii", type, title, starts, place, link, agenda, secret, sizeof(secret), by,
            created, created, db_next_seq(db), org);
    int64_t id = db_last_id(db);
    db_exec(db,
            "INSERT INTO meeting_attendance (meeting_id, member_id, updated_at) SELECT ?, id, ? "
            "FROM members WHERE org_id = ? AND deleted_at IS NULL AND status IN " ROSTER_STATUSES,
            "iii", id, created, org);
    return id;
}

/* Sets the clock so that now_sec() is t (the meeting functions stamp "now"). */
static void clock_at(int64_t base_skew, int64_t t)
{
    clock_skew_set(base_skew);
    clock_skew_set(base_skew + t - now_sec());
}

/* A meeting held `days` ago at 19:30: attendance marked (migrant members
 * remote when there is a link), minutes written, closed. */
static void meeting_held(struct db *db, int64_t org, int64_t secretary, const char *type,
                         const char *title, int64_t days, const char *link, const char *minutes,
                         const char *resolutions)
{
    int64_t starts = at(days, 19, 30), skew = clock_skew_get();
    int64_t id = meeting_add(db, org, type, title, starts, "村委会议室", link,
                             "一、学习文件\n二、讨论本月工作", secretary, at(days + 5, 9, 0));
    struct principal who = {.account_id = secretary};
    struct req req = {.db = db, .who = &who, .err = -1, .body_fd = -1, .body_err = -1};
    arena_init(&req.arena);
    req.audit_tail = &req.audit;
    struct meeting m;
    if (!meeting_load(db, &req.arena, id, &m))
        BUG("demo meeting %" PRId64 " not stored", id);
    clock_at(skew, starts + 100 * 60);
    struct db_stmt *st =
        db_query(db,
                 "SELECT a.member_id, m.migrant FROM meeting_attendance a JOIN members m ON m.id = "
                 "a.member_id WHERE a.meeting_id = ? ORDER BY a.member_id",
                 "i", id);
    int64_t ids[128], migrant[128];
    size_t n = 0;
    while (db_next(st) && n < ARRAY_SIZE(ids)) {
        ids[n] = db_int(st, 0);
        migrant[n++] = db_int(st, 1);
    }
    db_done(st);
    const char *why;
    for (size_t i = 0; i < n; i++) {
        /* Most at home come, migrants join online or ask leave; a few are absent
         * (left 'expected': closing marks them absent). */
        const char *mark = migrant[i] ? (link && (ids[i] + days) % 3 ? "remote" : "leave")
                           : (ids[i] + days) % 9 ? "present"
                                                 : NULL;
        if (mark && meeting_mark(&req, &m, ids[i], mark, false, 0, &why) != -1)
            BUG("demo attendance: %s", why);
    }
    if (meeting_set_minutes(&req, &m, minutes, resolutions, 0, &why) != -1 ||
        !meeting_load(db, &req.arena, id, &m) || meeting_close(&req, &m, 0, &why) != -1)
        BUG("demo meeting %" PRId64 " not held", id);
    clock_skew_set(skew);
    arena_release(&req.arena);
}

/* This month's theme day, still to hold: three days on (the last day of the
 * month at the latest, and tomorrow if that evening has passed). */
static void meeting_next(struct db *db, int64_t org, int64_t secretary, const char *link)
{
    int y, mo, d;
    civil_from_days(day_today(), &y, &mo, &d);
    int64_t last = days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - 1;
    int64_t day = day_today() + 3 < last ? day_today() + 3 : last;
    int64_t starts = beijing_day_start(day) + 19 * 3600 + 30 * 60;
    if (starts <= now_sec())
        starts += 86400;
    meeting_add(db, org, "theme_day", "本月主题党日：学习全会精神", starts, "村委会议室", link,
                "一、集中学习全会精神\n二、交纳党费\n三、讨论冬季防火志愿服务", secretary,
                at(2, 10, 0));
}

static void demo_meetings(struct db *db, const struct demo_cast *c)
{
    const char *link = "https://meeting.tencent.com/dm/zhibu-demo";
    meeting_held(db, c->village, c->account[SECRETARY], "life_meeting", "专题组织生活会", 75, link,
                 "党员逐一对照检查，开展批评与自我批评，通报了发展党员工作。",
                 "确定刘国栋为发展对象，报乡镇党委预审。");
    meeting_held(db, c->village, c->account[SECRETARY], "theme_day", "主题党日：重温入党誓词", 44,
                 link, "全体党员重温入党誓词，学习党章第一章，开展村道清扫志愿服务。", NULL);
    meeting_held(db, c->village, c->account[SECRETARY], "theme_day", "主题党日：冬季护林动员", 16,
                 NULL, "研究冬季森林防火和走访慰问老党员工作安排。", "成立护林志愿小分队。");
    meeting_next(db, c->village, c->account[SECRETARY], link);
    meeting_held(db, c->village2, c->account[SECRETARY2], "theme_day", "主题党日：学习党章", 30,
                 NULL, "学习党章，交纳党费，讨论村集体经济发展。", NULL);
    meeting_next(db, c->village2, c->account[SECRETARY2], NULL);
}

/* ---- polls (polls.c h_create, voters_add, h_vote) ---- */

static void poll_add(struct db *db, const struct demo_cast *c, int64_t org, const char *path,
                     int64_t by, const char *title, const char *const *options, size_t nopt,
                     int64_t opens, int64_t closes, const int *voters, const int *choice,
                     size_t nvoters)
{
    db_exec(db,
            "INSERT INTO polls (org_id, org_path, kind, title, description, min_choices, "
            "max_choices, anonymous, hide_results, chosen, opens_at, closes_at, eligible, "
            "created_by, created_at, updated_at, seq) VALUES (?, ?, 'choice', ?, NULL, 1, 1, 0, "
            "0, 0, ?, ?, 0, ?, ?, ?, ?)",
            "issiiiiii", org, path, title, opens, closes, by, opens, opens, db_next_seq(db));
    int64_t id = db_last_id(db);
    int64_t first = 0;
    for (size_t i = 0; i < nopt; i++) {
        db_exec(db,
                "INSERT INTO poll_options (poll_id, idx, label, activity_id, member_id, rating) "
                "VALUES (?, ?, ?, NULL, NULL, NULL)",
                "iis", id, (int64_t)i, options[i]);
        if (!i)
            first = db_last_id(db);
    }
    db_exec(db,
            "INSERT INTO poll_voters (poll_id, member_id) SELECT ?, m.id FROM members m WHERE "
            "m.deleted_at IS NULL AND m.status IN " ROSTER_STATUSES " AND m.org_id = ? ORDER BY "
            "m.id",
            "ii", id, org);
    db_exec(db, "UPDATE polls SET eligible = ? WHERE id = ?", "ii", db_changes(db), id);
    for (size_t i = 0; i < nvoters; i++) {
        int64_t member = c->member[voters[i]], option = first + choice[i];
        db_exec(db,
                "UPDATE poll_voters SET voted = 1 WHERE poll_id = ? AND member_id = ? AND voted "
                "= 0",
                "ii", id, member);
        db_exec(db, "UPDATE polls SET voted = voted + 1 WHERE id = ?", "i", id);
        db_exec(db, "UPDATE poll_options SET votes = votes + 1 WHERE id = ?", "i", option);
        db_exec(db, "INSERT INTO poll_choices (poll_id, member_id, option_id) VALUES (?, ?, ?)",
                "iii", id, member, option);
    }
}

static void demo_polls(struct db *db, const struct demo_cast *c)
{
    static const char *const projects[] = {"硬化村内道路", "修建文化活动广场", "安装太阳能路灯"};
    static const int closed_voters[] = {SECRETARY, MEMBER, MIGRANT}, closed_choice[] = {0, 2, 0};
    poll_add(db, c, c->village, c->village_path, c->account[SECRETARY], "今年为民办实事项目征集",
             projects, ARRAY_SIZE(projects), at(35, 8, 0), at(28, 20, 0), closed_voters,
             closed_choice, ARRAY_SIZE(closed_voters));
    static const char *const times[] = {"周六晚上七点半", "周日上午九点"};
    static const int open_voters[] = {MIGRANT}, open_choice[] = {0};
    int64_t closes = beijing_day_start(day_today() + 5) + 20 * 3600;
    poll_add(db, c, c->village, c->village_path, c->account[SECRETARY], "主题党日时间安排", times,
             ARRAY_SIZE(times), at(2, 10, 5), closes, open_voters, open_choice,
             ARRAY_SIZE(open_voters));
    poll_add(db, c, c->village2, c->village2_path, c->account[SECRETARY2], "主题党日时间安排",
             times, ARRAY_SIZE(times), at(1, 9, 0), closes, NULL, NULL, 0);
}

/* ---- activities (activities.c h_create, h_signup, participation) ---- */

static int64_t activity_add(struct db *db, int64_t org, const char *path, int64_t by,
                            const char *kind, const char *title, const char *place, int64_t starts,
                            int64_t capacity, int64_t created)
{
    db_exec(db,
            "INSERT INTO activities (org_id, org_path, kind, title, description, place, "
            "starts_at, ends_at, signup_deadline, capacity, waitlist, created_by, created_at, "
            "updated_at, seq) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            "issssiiiIiiii", org, path, kind, title, place, starts, starts + 3 * 3600, starts,
            capacity, by, created, created, db_next_seq(db));
    return db_last_id(db);
}

static void signup(struct db *db, int64_t activity, int64_t member, int64_t t)
{
    db_exec(db,
            "INSERT INTO activity_signups (activity_id, member_id, state, signed_at, created_at, "
            "updated_at, seq) VALUES (?, ?, 'signed_up', ?, ?, ?, ?)",
            "iiiiii", activity, member, t, t, t, db_next_seq(db));
    db_exec(db, "UPDATE activities SET signed_up = signed_up + 1 WHERE id = ?", "i", activity);
}

static void demo_activities(struct db *db, const struct demo_cast *c)
{
    int64_t by = c->account[SECRETARY];
    int64_t x = activity_add(db, c->village, c->village_path, by, "elderly_visit",
                             "重阳节走访慰问老党员", "各村民小组", at(18, 9, 0), 0, at(25, 9, 0));
    signup(db, x, c->member[SECRETARY], at(24, 10, 0));
    signup(db, x, c->member[MEMBER], at(23, 19, 0));
    int64_t t = at(18, 17, 0);
    db_exec(db,
            "UPDATE activity_signups SET attended = 1, updated_at = ?, seq = ? WHERE activity_id "
            "= ? AND state = 'signed_up'",
            "iii", t, db_next_seq(db), x);
    db_exec(db, "UPDATE activities SET recorded_at = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iiii", t, t, db_next_seq(db), x);
    int64_t starts = beijing_day_start(day_today() + 6) + 8 * 3600 + 30 * 60;
    x = activity_add(db, c->village, c->village_path, by, "volunteer", "冬季护林防火志愿巡山",
                     "村后山林区", starts, 20, at(3, 9, 0));
    signup(db, x, c->member[SECRETARY], at(3, 9, 0));
    signup(db, x, c->member[MIGRANT], at(2, 21, 0));
    x = activity_add(db, c->village2, c->village2_path, c->account[SECRETARY2], "study",
                     "农村电商技能培训", "村委会议室", starts + 86400, 30, at(4, 9, 0));
    signup(db, x, c->member[SECRETARY2], at(4, 9, 0));
}

void demo_history(struct db *db, struct arena *a, const struct demo_cast *c)
{
    demo_notices(db, c);
    demo_threads(db, a, c);
    demo_posts(db, c);
    demo_meetings(db, c);
    demo_polls(db, c);
    demo_activities(db, c);
    demo_learning(db, a, c);
}
