/*
 * gen_province.c - the province-sized bench data set: an organisation tree
 * (1 province, 14 cities, ~100 counties, ~1,200 townships, BRANCHES village
 * branches) created in a new data directory, bench accounts, and a roster
 * CSV of MEMBERS rows (valid, unique ID numbers and phones) naming each
 * member's branch by its path below the province, for `zhibu import`.
 *
 *   build-bench/gen_province DATA_DIR OUT.csv [MEMBERS [BRANCHES]]
 *
 * Writes DATA_DIR/bench-accounts.json in the format of demo-accounts.json:
 * the province org_admin, two village secretaries in different counties, a
 * township admin. Deterministic (fixed seed). See docs/BENCHMARKS.md.
 */
#include "app.h"
#include "cli/cli.h"
#include "mod/dues.h"
#include "mod/orgs.h"

#include <fcntl.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}
#define PICK(a) ((a)[rnd(ARRAY_SIZE(a))])

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
static const char *const given[] = {"建国", "志强", "秀英", "桂兰", "海燕", "春生", "德华", "玉梅",
                                    "文军", "丽娟", "长林", "红霞", "永福", "淑珍", "小平", "国庆"};
static const char *const occupations[] = {"农民", "农民", "农民", "外出务工", "外出务工",
                                          "退休人员", "个体经营", "村干部", "养殖户"};
static const char *const educations[] = {"小学", "初中", "初中", "高中", "中专", "大专", "本科"};

struct account {
    const char *phone, *name, *role;
    int64_t org;
    const char *org_name;
    char password[16];
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_province DATA_DIR OUT.csv [MEMBERS [BRANCHES]]\n");
        return 2;
    }
    long members = argc > 3 ? atol(argv[3]) : 1000000;
    long branches = argc > 4 ? atol(argv[4]) : 20400;
    if (members < 1 || branches < 1200) {
        fprintf(stderr, "gen_province: at least 1 member and 1,200 branches\n");
        return 2;
    }
    if (cli_config(argv[1], NULL))
        return 2;
    if (access(cli_db_path(), F_OK) == 0) {
        fprintf(stderr, "gen_province: %s exists\n", cli_db_path());
        return 1;
    }
    struct db *db = cli_open_data(true);
    if (!db)
        return 1;
    auth_init(2);
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    struct arena a;
    arena_init(&a);
    db_begin(db, true);
    const char *ppath, *cpath, *kpath, *tpath, *bpath;
    int64_t province = org_insert(db, &a, 0, "/", "云岭省委", "province", &ppath);
    /* Branch i's path below the province, for the CSV. */
    const char **rel = xcalloc((size_t)branches, sizeof(*rel));
    int64_t *ids = xcalloc((size_t)branches, sizeof(*ids));
    long nb = 0, townships = 1200, per_township = branches / townships;
    int64_t township1 = 0;
    for (int c = 0; c < 14 && nb < branches; c++) {
        const char *cname = arena_printf(&a, "第%d市委", c + 1);
        int64_t city = org_insert(db, &a, province, ppath, cname, "city", &cpath);
        for (int k = 0; k < 7 + (c < 2) && nb < branches; k++) {
            const char *kname = arena_printf(&a, "%s第%d县委", cname, k + 1);
            int64_t county = org_insert(db, &a, city, cpath, kname, "county", &kpath);
            for (int t = 0; t < 12 && nb < branches; t++) {
                const char *tname = arena_printf(&a, "%s%d镇党委", kname, t + 1);
                int64_t tid = org_insert(db, &a, county, kpath, tname, "township", &tpath);
                if (!township1)
                    township1 = tid;
                long here = per_township + (nb + per_township * 0 < branches % townships);
                for (long b = 0; b < here && nb < branches; b++) {
                    const char *bname = arena_printf(&a, "%s村党支部", PICK(surnames));
                    bname = arena_printf(&a, "%s%ld村党支部", tname, b + 1);
                    ids[nb] = org_insert(db, &a, tid, tpath, bname, "branch", &bpath);
                    org_insert(db, &a, ids[nb], bpath, "第一党小组", "group", NULL);
                    rel[nb] = arena_printf(&a, "%s/%s/%s/%s", cname, kname, tname, bname);
                    nb++;
                }
            }
        }
    }
    /* Accounts (they need no member record). */
    struct account acc[] = {
        {"13900000001", "省委组织部管理员", "org_admin", province, "云岭省委", ""},
        {"13900000002", "一号村书记", "branch_secretary", ids[0], rel[0], ""},
        {"13900000003", "末号村书记", "branch_secretary", ids[nb - 1], rel[nb - 1], ""},
        {"13900000004", "一号镇管理员", "org_admin", township1, "一号镇", ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(acc); i++) {
        random_password(acc[i].password, 12);
        int64_t id = account_create(db, acc[i].phone, acc[i].name, acc[i].password, 0);
        if (!id || !role_grant(db, id, acc[i].org, role_parse(acc[i].role), 0)) {
            fprintf(stderr, "gen_province: cannot create the accounts\n");
            return 1;
        }
    }
    if (db_commit(db) != DB_OK) {
        fprintf(stderr, "gen_province: cannot store the tree\n");
        return 1;
    }
    char path[700];
    snprintf(path, sizeof(path), "%s/bench-accounts.json", argv[1]);
    FILE *af = fopen(path, "w");
    if (!af) {
        perror(path);
        return 1;
    }
    fprintf(af, "[\n");
    for (size_t i = 0; i < ARRAY_SIZE(acc); i++)
        fprintf(af,
                "  {\"phone\":\"%s\",\"password\":\"%s\",\"name\":\"%s\",\"role\":\"%s\","
                "\"orgId\":%" PRId64 ",\"orgName\":\"%s\"}%s\n",
                acc[i].phone, acc[i].password, acc[i].name, acc[i].role, acc[i].org,
                acc[i].org_name, i + 1 < ARRAY_SIZE(acc) ? "," : "");
    fprintf(af, "]\n");
    fclose(af);

    /* The roster: birth dates 1940-2003, joined at 20+, most paid to last month. */
    fprintf(out, "姓名,性别,民族,出生日期,身份证号,学历,职业,手机号,入党日期,转正日期,人员类别,"
                 "所在党支部,流动党员,外出地点,月交党费(元),党费交至\n");
    char last[8];
    dues_last_month(last);
    struct arena ra;
    arena_init(&ra);
    for (long i = 0; i < members; i++) {
        bool male = rnd(100) < 72;
        int by = 1940 + (int)rnd(64), bm = 1 + (int)rnd(12), bd = 1 + (int)rnd(28);
        /* Unique ID numbers: the 6-digit region and the 3-digit sequence count i. */
        char id[IDNUM_LEN + 1], tmp[40];
        long region = 110000 + (i / 500) % 890000;
        snprintf(tmp, sizeof(tmp), "%06ld%04d%02d%02d%03ld", region, by, bm, bd,
                 (i % 500) * 2 + (male ? 1 : 0));
        memcpy(id, tmp, 17);
        id[17] = idnum_check_char(id);
        id[18] = '\0';
        int jy = by + 20 + (int)rnd((unsigned)(2024 - by - 20 > 0 ? 2024 - by - 20 : 1));
        bool migrant = rnd(100) < 33;
        bool prob = rnd(50) == 0;
        const char *occ = migrant ? "外出务工" : PICK(occupations);
        char paid[16];
        snprintf(paid, sizeof(paid), "%s", last);
        if (rnd(10) == 0)
            snprintf(paid, sizeof(paid), "%s", month_minus(&ra, last, 1 + (int)rnd(7)));
        char full[16] = "";
        if (!prob)
            snprintf(full, sizeof(full), "%04d-12-01", (jy + 1) % 10000);
        fprintf(out,
                "%s%s,%s,汉族,%04d-%02d-%02d,%s,%s,%s,1%02u%08ld,%04d-%02d-01,%s,%s,%s,"
                "%s,%s,0.%d,%s\n",
                PICK(surnames), PICK(given), male ? "男" : "女", by, bm, bd, id, PICK(educations),
                occ, 30 + rnd(60), i, jy, 1 + (int)rnd(12), full,
                prob ? "预备党员" : "正式党员", rel[i % nb],
                migrant ? "是" : "否", migrant ? "广东省深圳市" : "", 2 + (int)rnd(8), paid);
        if (i % 50000 == 0) {
            arena_release(&ra);
            arena_init(&ra);
        }
    }
    if (fclose(out)) {
        perror(argv[2]);
        return 1;
    }
    arena_release(&ra);
    printf("gen_province: %ld branches, %ld members in %s; accounts in %s\n", nb, members, argv[2],
           path);
    db_close(db);
    return 0;
}
