/*
 * cmd_demo.c - zhibu demo: a realistic demo county in a new data directory.
 *
 * One county committee, 10 townships, ~100 village branches (each with
 * three party groups) of 30 to 60 members with Chinese names, plausible
 * ages, occupations, join dates and migrant members, and a handful of
 * accounts with fresh random passwords, printed and written to
 * DATA/demo-accounts.json. The organisations and members are the same on
 * every run (a fixed seed); only the passwords change. demo_history.c adds a
 * few months of organisational life around the demo accounts.
 */
#include "app.h"
#include "cli/cli.h"
#include "cli/demo_history.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: deterministic, good enough for demo data */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

#define PICK(arr) (arr)[rnd(ARRAY_SIZE(arr))]

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏"};
static const char *const male_given[] = {
    "建国", "国强", "志明", "伟",   "军",   "德华", "春生", "永福", "海",   "明",
    "学文", "长林", "振华", "卫东", "文斌", "勇",   "建华", "立新", "玉山", "福全",
    "金龙", "宏伟", "平",   "刚",   "兴旺", "树林", "新民", "光明", "俊",   "浩",
    "磊",   "杰",   "宇航", "子轩", "家豪", "国庆", "红军"};
static const char *const female_given[] = {
    "秀英", "桂兰", "玉梅", "丽",   "芳",   "淑珍", "春花", "海燕", "红霞", "静",   "敏",  "丽娟",
    "秀兰", "凤英", "小红", "晓燕", "雪梅", "婷",   "欣怡", "雅琴", "爱华", "玉兰", "翠花"};
static const char *const township_names[] = {"东岭镇", "石桥镇", "柳溪乡", "青龙镇", "白沙镇",
                                             "枫林乡", "双河镇", "云台乡", "梨花镇", "清泉镇"};
static const char *const village_first[] = {
    "杨", "李", "张", "王", "黄", "上", "下", "大", "小", "新", "老", "东", "西", "南", "北",
    "高", "石", "桃", "竹", "松", "柳", "梅", "荷", "茶", "金", "银", "马", "牛", "龙", "凤"};
static const char *const village_second[] = {"家庄", "家湾", "坪", "溪", "岭", "塘", "坝", "沟",
                                             "河",   "山",   "冲", "岗", "湾", "园", "桥"};
/* Occupations of members at home; working away (外出务工) is drawn separately. */
static const char *const occupations[] = {
    "农民",     "农民",   "农民",     "农民",     "农民",         "农民",  "退休人员",
    "个体经营", "村干部", "乡村教师", "乡村医生", "合作社负责人", "养殖户"};
static const char *const educations[] = {"小学", "初中", "初中", "初中", "高中",
                                         "高中", "中专", "大专", "本科"};
static const char *const migrant_places[] = {
    "广东省深圳市", "广东省东莞市", "浙江省杭州市", "浙江省宁波市", "江苏省苏州市",
    "上海市",       "北京市",       "福建省厦门市", "湖北省武汉市", "四川省成都市"};
static const char *const group_names[] = {"第一党小组", "第二党小组", "第三党小组"};

struct demo_account {
    const char *label;
    const char *phone;
    const char *name;
    const char *role;
    int64_t org_id;
    const char *org_name;
    int64_t member_id;
    char password[32];
};

/*
 * Dates. Everything the demo makes is dated relative to today in Beijing
 * (day_today()) by whole days, never by picking a day of "this month": a
 * date drawn that way lies in the future on most days of the month. Each
 * generated date is checked against today before it is used (BUG otherwise),
 * so a rule broken on some day of the year stops the demo in the clock
 * matrix test instead of storing a wrong record.
 */
static const char *day_str(struct arena *a, int64_t day)
{
    if (day > day_today())
        BUG("demo date %" PRId64 " days after today", day - day_today());
    char out[11];
    date_from_days(day, out);
    return arena_strdup(a, out);
}

/* The same day n years later (29 February: 1 March in a common year). */
static int64_t years_after(int64_t day, int n)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (m == 2 && d == 29 && !((y + n) % 4 == 0 && ((y + n) % 100 != 0 || (y + n) % 400 == 0)))
        return days_from_civil(y + n, 3, 1);
    return days_from_civil(y + n, m, d);
}

/* The (birth day, sequence) pairs handed out so far: an ID number is unique
 * whatever day the demo runs on (random draws alone collide on some days). */
static int64_t id_used[16384];

static bool id_take(int64_t key)
{
    size_t i = (size_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> 51);
    for (;; i = (i + 1) % ARRAY_SIZE(id_used)) {
        if (id_used[i] == key + 1)
            return false;
        if (!id_used[i]) {
            id_used[i] = key + 1;
            return true;
        }
    }
}

/* A valid citizen ID number, unique in the demo, for a birth date and gender
 * (region 522627). */
static void demo_id_number(char out[IDNUM_LEN + 1], const char *birth, bool male)
{
    int64_t day;
    if (!date_days(birth, &day))
        BUG("demo birth date %s", birth);
    unsigned seq = (unsigned)rnd(500) * 2 + (male ? 1 : 0);
    while (!id_take(day * 1000 + seq))
        seq = (seq + 2) % 1000;
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "522627%.4s%.2s%.2s%03u", birth, birth + 5, birth + 8, seq % 1000);
    memcpy(out, tmp, 17);
    out[17] = idnum_check_char(out);
    out[18] = '\0';
}

/*
 * Adds one member of a branch (path: the branch's path), aged `age` whole
 * years today; returns the member id. A full member joined at 20 or later
 * and at least 14 months ago, and became full one year after joining (the
 * higher committee's approval within two months); a probationary member
 * joined within the last 11 months.
 */
static int64_t add_member(struct db *db, struct arena *a, int64_t branch, const char *path,
                          int64_t group, const char *name, bool male, int age,
                          const char *occupation, bool migrant, bool probationary,
                          const char *phone)
{
    int64_t today = day_today();
    /* Born between age and age + 1 years ago. */
    int64_t birth = years_after(today, -age) - 1 - (int64_t)rnd(364);
    int64_t joined, full = 0;
    if (probationary) {
        joined = today - (int64_t)rnd(330);
    } else {
        int64_t earliest = years_after(birth, 20), latest = today - 430;
        joined =
            earliest >= latest ? latest : earliest + (int64_t)rnd((uint32_t)(latest - earliest));
        full = years_after(joined, 1) + (int64_t)rnd(60);
    }
    if (joined < years_after(birth, 18))
        BUG("demo member joins before 18");
    /* Most have paid up to last month; some are behind (a few by 3-7 months).
     * Nothing is paid for months before joining. */
    uint32_t r = rnd(100);
    int behind = r < 70 ? 1 : r < 85 ? 2 : r < 92 ? 3 : r < 97 ? 4 : 7;
    int paid_month = month_today() - behind;
    int join_month = month_of(beijing_day_start(joined));
    bool retiree = !strcmp(occupation, "退休人员");
    struct member_rec m = {
        .org_id = branch,
        .org_path = path,
        .group_id = group,
        .name = name,
        .gender = male ? "male" : "female",
        .ethnicity = rnd(10) == 0 ? "土家族" : (rnd(12) == 0 ? "苗族" : "汉族"),
        .birth_date = day_str(a, birth),
        .native_place = "贵州省云岭县",
        .education = PICK(educations),
        .occupation = occupation,
        .phone = phone,
        .joined_at = day_str(a, joined),
        .full_at = probationary ? NULL : day_str(a, full),
        .category = probationary ? "probationary" : "full",
        .status = "normal",
        .added_how = probationary ? "developed" : "other",
        .migrant = migrant,
        .migrant_place = migrant ? PICK(migrant_places) : NULL,
        .dues_basis = retiree ? "retiree" : "farmer",
        .dues_fen = retiree ? 1000 + 100 * (int64_t)rnd(10) : 20 + 10 * (int64_t)rnd(9),
        .dues_paid_through = paid_month >= join_month ? month_str(a, paid_month) : NULL,
    };
    /* Away for more than six months (DOMAIN.md), at most about five years. */
    if (migrant)
        m.migrant_since = day_str(a, today - 190 - (int64_t)rnd(1600));
    char idn[IDNUM_LEN + 1];
    demo_id_number(idn, m.birth_date, male);
    m.id_number = idn;
    const char *field;
    const char *why = member_validate(&m, &field);
    if (why)
        BUG("demo member invalid: %s: %s", field, why);
    int64_t id = member_insert(db, a, &m, 0, "created");
    if (id <= 0)
        BUG("demo member %s not stored", name);
    return id;
}

static int64_t random_member(struct db *db, struct arena *a, int64_t branch, const char *path,
                             int64_t group)
{
    bool male = rnd(100) < 72;
    const char *name =
        arena_printf(a, "%s%s", PICK(surnames), male ? PICK(male_given) : PICK(female_given));
    /* ~29% are 61 or older, few under 30. */
    uint32_t band = rnd(100);
    int age = band < 29 ? 61 + (int)rnd(25) : band < 85 ? 35 + (int)rnd(26) : 22 + (int)rnd(13);
    /* About a third of village members live away: most of working age. */
    bool migrant = age < 60 ? rnd(100) < 45 : rnd(100) < 8;
    const char *occ = migrant                    ? "外出务工"
                      : age >= 62 && rnd(3) == 0 ? "退休人员"
                                                 : PICK(occupations);
    bool probationary = age < 40 && rnd(12) == 0;
    return add_member(db, a, branch, path, group, name, male, age, occ, migrant, probationary,
                      NULL);
}

/* The date n months before today (Beijing), "YYYY-MM-DD" (arena): the same
 * day of that month, or its last day when the month is shorter. */
static const char *months_ago(struct arena *a, int n)
{
    int y, m, d;
    civil_from_days(day_today(), &y, &m, &d);
    int i = y * 12 + m - 1 - n;
    int64_t first = days_from_civil(i / 12, i % 12 + 1, 1);
    int64_t next = days_from_civil((i + 1) / 12, (i + 1) % 12 + 1, 1);
    int64_t day = first + d - 1;
    return day_str(a, day < next ? day : next - 1);
}

/*
 * Work waiting in the first village, so the screens have something to show:
 * applicants at several stages of the development pipeline (one with an
 * overdue talk) and a transfer to another township waiting for approval.
 */
static void demo_work(struct db *db, struct arena *a, int64_t village, const char *path,
                      int64_t other_village, int64_t secretary)
{
    static const struct {
        const char *name, *gender, *birth, *occupation, *stage;
        int applied, talked, activist, target; /* months ago, 0: not yet */
    } people[] = {
        {"陈小川", "male", "1998-04-12", "农民", "applicant", 2, 0, 0, 0},
        {"黄丽萍", "female", "1995-09-30", "乡村教师", "activist", 16, 15, 14, 0},
        {"刘国栋", "male", "1992-01-18", "合作社负责人", "target", 30, 29, 28, 3},
        {"杨春燕", "female", "2000-06-06", "外出务工", "applicant", 0, 0, 0, 0},
    };
    int64_t now = now_sec();
    for (size_t i = 0; i < ARRAY_SIZE(people); i++) {
        const char *applied = months_ago(a, people[i].applied);
        db_exec(db,
                "INSERT INTO applicants (org_id, org_path, name, gender, birth_date, ethnicity, "
                "education, occupation, stage, applied_at, talked_at, activist_at, target_at, "
                "created_by, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, '汉族', '高中', "
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "issssssssssiiii", village, path, people[i].name, people[i].gender, people[i].birth,
                people[i].occupation, people[i].stage, applied,
                people[i].talked ? months_ago(a, people[i].talked) : NULL,
                people[i].activist ? months_ago(a, people[i].activist) : NULL,
                people[i].target ? months_ago(a, people[i].target) : NULL, secretary, now, now,
                db_next_seq(db));
        int64_t id = db_last_id(db);
        db_exec(db,
                "INSERT INTO applicant_steps (applicant_id, step, on_date, actor_id, at) "
                "VALUES (?, 'apply', ?, ?, ?)",
                "isii", id, applied, secretary, now);
        org_counts_add(db, path, "stage", people[i].stage, 1);
    }
    /* A member who settled where they work asks to move to a branch there. */
    int64_t member = 0;
    db_get_int(db, &member,
               "SELECT m.id FROM members m WHERE m.org_id = ? AND m.migrant <> 0 AND NOT EXISTS "
               "(SELECT 1 FROM accounts c WHERE c.member_id = m.id) ORDER BY m.id LIMIT 1",
               "i", village);
    const char *to_path = org_path(db, a, other_village);
    if (member && to_path)
        db_exec(db,
                "INSERT INTO transfers (member_id, from_org_id, from_path, to_org_id, to_path, "
                "scope, state, reason, initiated_by, initiated_at, created_at, updated_at, seq) "
                "VALUES (?, ?, ?, ?, ?, 'county', 'pending_approval', ?, ?, ?, ?, ?, ?)",
                "iisissiiiii", member, village, path, other_village, to_path,
                "已在当地定居务工，申请转入所在村党支部", secretary, now - 3 * 86400,
                now - 3 * 86400, now - 3 * 86400, db_next_seq(db));
}

static int write_accounts_file(const char *path, struct demo_account *acc, size_t n)
{
    struct buf b;
    struct jw j;
    buf_init(&b);
    jw_init(&j, &b);
    jw_arr_begin(&j);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(&j);
        jw_kv_str(&j, "phone", acc[i].phone);
        jw_kv_str(&j, "password", acc[i].password);
        jw_kv_str(&j, "name", acc[i].name);
        jw_kv_str(&j, "role", acc[i].role);
        jw_kv_int(&j, "orgId", acc[i].org_id);
        jw_kv_str(&j, "orgName", acc[i].org_name);
        jw_kv_str(&j, "label", acc[i].label);
        jw_key(&j, "memberId");
        if (acc[i].member_id)
            jw_int(&j, acc[i].member_id);
        else
            jw_null(&j);
        jw_obj_end(&j);
    }
    jw_arr_end(&j);
    buf_addch(&b, '\n');
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    buf_release(&b);
    return ok ? 0 : -1;
}

/*
 * The demo's accounts log in with phone and password alone, as
 * demo-accounts.json promises: appends admin_second_factor = optional to
 * DIR/zhibu.conf unless the file sets it already. A data directory made any
 * other way keeps the default, required.
 */
static int write_demo_config(void)
{
    char path[700], line[1024];
    snprintf(path, sizeof(path), "%s/zhibu.conf", cfg.data_dir);
    FILE *f = fopen(path, "r");
    bool set = false, ends_nl = true;
    while (f && fgets(line, sizeof(line), f)) {
        size_t n = strspn(line, " \t");
        set |= !strncmp(line + n, "admin_second_factor", 19);
        ends_nl = line[strlen(line) - 1] == '\n';
    }
    if (f)
        fclose(f);
    if (set)
        return 0;
    f = fopen(path, "a");
    if (!f)
        return -1;
    fprintf(
        f,
        "%s# zhibu demo: the demo accounts log in without a second factor (docs/OPERATIONS.md)\n"
        "admin_second_factor = optional\n",
        ends_nl ? "" : "\n");
    return fclose(f) == 0 ? 0 : -1;
}

int cmd_demo(int argc, char **argv)
{
    struct cli_opt opts[] = {{"data"}, {"help", true}, {NULL}};
    if (cli_parse("demo", argc, argv, opts))
        return 2;
    if (cli_get(opts, "help")) {
        printf("usage: zhibu demo [--data DIR]\n\n"
               "Creates a demo county in a new data directory (default ./data): one county\n"
               "committee, 10 townships, ~100 village branches with 30-60 members each, and\n"
               "demo accounts (county admin, county auditor, township admin, two village\n"
               "secretaries, members, one working away from the village) with random\n"
               "passwords, and a few months of history dated back from today (announcements,\n"
               "threads, news, meetings, polls, activities). Prints the accounts and writes\n"
               "DIR/demo-accounts.json. Refuses to touch a directory that already holds a\n"
               "database.\n");
        return 0;
    }
    if (cli_config(cli_get(opts, "data"), NULL))
        return 2;
    if (access(cli_db_path(), F_OK) == 0) {
        fprintf(stderr, "zhibu demo: %s exists; the demo only goes into a new data directory\n",
                cli_db_path());
        return 1;
    }
    struct db *db = cli_open_data(true);
    if (!db)
        return 1;
    auth_init(2);
    struct arena a;
    arena_init(&a);
    int rc = 1;
    db_begin(db, true);

    const char *county_path, *tpath, *vpath;
    int64_t county = org_insert(db, &a, 0, "/", "云岭县委", "county", &county_path);
    int64_t township_ids[ARRAY_SIZE(township_names)];
    int64_t first_village[ARRAY_SIZE(township_names)];
    const char *first_village_name[ARRAY_SIZE(township_names)];
    const char *first_path[ARRAY_SIZE(township_names)];
    int64_t first_group = 0;
    long nmembers = 0, nvillages = 0;
    for (size_t t = 0; t < ARRAY_SIZE(township_names); t++) {
        const char *tname = arena_printf(&a, "%s党委", township_names[t]);
        township_ids[t] = org_insert(db, &a, county, county_path, tname, "township", &tpath);
        int villages = 8 + (int)rnd(5);
        for (int v = 0; v < villages; v++) {
            const char *vname =
                arena_printf(&a, "%s%s村党支部", PICK(village_first), PICK(village_second));
            int64_t vid = org_insert(db, &a, township_ids[t], tpath, vname, "branch", &vpath);
            int64_t groups[ARRAY_SIZE(group_names)];
            for (size_t g = 0; g < ARRAY_SIZE(group_names); g++)
                groups[g] = org_insert(db, &a, vid, vpath, group_names[g], "group", NULL);
            if (v == 0) {
                first_village[t] = vid;
                first_path[t] = vpath;
                first_village_name[t] = vname;
                if (t == 0)
                    first_group = groups[0];
            }
            int n = 30 + (int)rnd(31);
            for (int m = 0; m < n; m++)
                random_member(db, &a, vid, vpath, groups[rnd(ARRAY_SIZE(groups))]);
            nmembers += n;
            nvillages++;
        }
    }
    /* The county's organisations have existed for years (a young branch is not
     * yet overdue in the compliance calendar: meetings_calendar.c). */
    db_exec(db, "UPDATE orgs SET created_at = ?", "i", now_sec() - 3 * 365 * 86400LL);

    /* The people behind the demo accounts. Village members are real members. */
    struct demo_account acc[] = {
        {"县委组织部管理员", "13800000001", "周建国", "org_admin", county, "云岭县委", 0, ""},
        {"县委审计员", "13800000002", "孙丽华", "auditor", county, "云岭县委", 0, ""},
        {"乡镇党委管理员", "13800000003", "郑卫东", "org_admin", township_ids[0], NULL, 0, ""},
        {"村党支部书记", "13800000004", "李长林", "branch_secretary", first_village[0], NULL, 0,
         ""},
        {"村党支部书记（另一乡镇）", "13800000005", "王桂兰", "branch_secretary", first_village[1],
         NULL, 0, ""},
        {"普通党员", "13800000006", "张春生", "member", first_village[0], NULL, 0, ""},
        {"外出务工党员", "13800000007", "刘海燕", "member", first_village[0], NULL, 0, ""},
    };
    acc[2].org_name = arena_printf(&a, "%s党委", township_names[0]);
    acc[3].org_name = first_village_name[0];
    acc[4].org_name = first_village_name[1];
    acc[5].org_name = first_village_name[0];
    acc[6].org_name = first_village_name[0];
    acc[3].member_id = add_member(db, &a, first_village[0], first_path[0], first_group, acc[3].name,
                                  true, 52, "村干部", false, false, acc[3].phone);
    acc[4].member_id = add_member(db, &a, first_village[1], first_path[1], 0, acc[4].name, false,
                                  47, "村干部", false, false, acc[4].phone);
    acc[5].member_id = add_member(db, &a, first_village[0], first_path[0], first_group, acc[5].name,
                                  true, 66, "农民", false, false, acc[5].phone);
    acc[6].member_id = add_member(db, &a, first_village[0], first_path[0], first_group, acc[6].name,
                                  false, 34, "外出务工", true, false, acc[6].phone);
    nmembers += 4;
    struct demo_cast cast = {.county = county,
                             .township = township_ids[0],
                             .village = first_village[0],
                             .village2 = first_village[1],
                             .county_path = county_path,
                             .township_path = org_path(db, &a, township_ids[0]),
                             .village_path = first_path[0],
                             .village2_path = first_path[1]};
    int64_t secretary_account = 0;
    for (size_t i = 0; i < ARRAY_SIZE(acc); i++) {
        random_password(acc[i].password, 11);
        /* A demo member has had an account since the roster got them: activate it. */
        int64_t id = 0;
        if (acc[i].member_id)
            db_get_int(db, &id, "SELECT id FROM accounts WHERE member_id = ?", "i",
                       acc[i].member_id);
        if (id && account_set_password(db, id, acc[i].password) != DB_OK)
            id = 0;
        else if (!id)
            id = account_create(db, acc[i].phone, acc[i].name, acc[i].password, acc[i].member_id);
        /* A secretary's role covers the member role the roster gave the account. */
        if (acc[i].member_id && role_parse(acc[i].role) != ROLE_MEMBER)
            db_exec(db, "DELETE FROM roles WHERE account_id = ? AND role = 'member'", "i", id);
        /* 0 from role_grant: failed, or held already (a member's member role). */
        if (!id ||
            (!role_grant(db, id, acc[i].org_id, role_parse(acc[i].role), 0) && db_failed(db)))
            break;
        cast.account[i] = id;
        cast.member[i] = acc[i].member_id;
        if (i == 3)
            secretary_account = id;
    }
    demo_work(db, &a, first_village[0], first_path[0], first_village[1], secretary_account);
    demo_history(db, &a, &cast);
    /* The accounts activated and the history's actions above went in without
     * the access figures: counted once, with everything else. */
    org_counts_recount(db);
    struct audit_row row = {.at = now_sec(),
                            .org_id = county,
                            .action = "demo.create",
                            .target = arena_printf(&a, "org:%" PRId64, county),
                            .result = "ok",
                            .detail = "demo data set",
                            .ip = "cli"};
    audit_append(db, &row);
    if (db_commit(db) != DB_OK) {
        fprintf(stderr, "zhibu demo: could not store the demo data\n");
        goto out;
    }
    audit_anchor();
    char path[700];
    snprintf(path, sizeof(path), "%s/demo-accounts.json", cfg.data_dir);
    if (write_accounts_file(path, acc, ARRAY_SIZE(acc)) != 0) {
        fprintf(stderr, "zhibu demo: cannot write %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (write_demo_config() != 0) {
        fprintf(stderr, "zhibu demo: cannot write %s/zhibu.conf: %s\n", cfg.data_dir,
                strerror(errno));
        goto out;
    }
    printf("demo county created in %s: 1 county, %zu townships, %ld village branches, %ld "
           "members\n\n",
           cfg.data_dir, ARRAY_SIZE(township_names), nvillages, nmembers);
    printf("%-12s %-14s %-17s %s\n", "phone", "password", "role", "who");
    for (size_t i = 0; i < ARRAY_SIZE(acc); i++)
        printf("%-12s %-14s %-17s %s, %s, %s\n", acc[i].phone, acc[i].password, acc[i].role,
               acc[i].name, acc[i].label, acc[i].org_name);
    printf("\nThe same list is in %s.\n", path);
    rc = 0;
out:
    if (db_in_tx(db))
        db_rollback(db);
    db_close(db);
    arena_release(&a);
    return rc;
}
