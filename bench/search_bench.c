/*
 * search_bench.c - how fast full-text search (src/mod/search.c) answers over many posts.
 *
 *   build/search_bench [POSTS] [QUERIES] [DIR]
 *
 * (defaults: 1000000, 200, $TMPDIR or /tmp). Makes a store with one county of 20
 * townships and 500 village branches, indexes POSTS news posts of 40 to 120 Chinese
 * characters (drawn from 400 common characters, with words such as 党建 and 乡村振兴
 * mixed in, and some Latin) spread over the branches, then runs each query QUERIES
 * times for two callers: a county admin (sees everything) and a member of one branch
 * (sees 1/500 of the news) and prints p50 / p99 / max of the first page (20 results,
 * the SQL of GET /api/v1/search, excerpts not included). The store is removed at the
 * end. See docs/BENCHMARKS.md.
 */
#include "app.h"
#include "db/migrate.h"
#include "mod/orgs.h"
#include "mod/search.h"

#include <sys/stat.h>
#include <unistd.h>

static const char pool[] =
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
    "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全"
    "表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无"
    "系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基"
    "资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取"
    "据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
    "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离"
    "华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低"
    "持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历"
    "市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却"
    "专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

static const char *const words[] = {"党建",     "乡村振兴", "合作社", "三会一课",   "主题党日",
                                    "流动党员", "AI",       "5G",     "Cooperative"};

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void random_text(struct buf *b, int chars)
{
    size_t n = (sizeof(pool) - 1) / 3;
    buf_reset(b);
    for (int i = 0; i < chars; i++) {
        if (next_rand() % 25 == 0) {
            buf_addstr(b, words[next_rand() % ARRAY_SIZE(words)]);
            continue;
        }
        size_t k = next_rand() % n;
        buf_add(b, pool + 3 * k, 3);
    }
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long posts = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 200;
    const char *tmp = argc > 3 ? argv[3] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600], err[256];
    snprintf(dir, sizeof(dir), "%s/zhibu-search-bench-XXXXXX", tmp);
    if (!mkdtemp(dir))
        BUG("mkdtemp: %s", strerror(errno));
    snprintf(path, sizeof(path), "%s/zhibu.db", dir);
    struct db *db = db_open(path, err, sizeof(err));
    int applied;
    if (!db || migrate_run(db, &applied, err, sizeof(err)))
        BUG("store: %s", err);

    struct arena a;
    arena_init(&a);
    enum { TOWNSHIPS = 20, BRANCHES = 25 };
    int64_t branch_id[TOWNSHIPS * BRANCHES];
    const char *branch_path[TOWNSHIPS * BRANCHES];
    db_begin(db, true);
    const char *county_path;
    int64_t county = org_insert(db, &a, 0, "/", "基准县委", "county", &county_path);
    for (int t = 0; t < TOWNSHIPS; t++) {
        const char *tp;
        int64_t tid =
            org_insert(db, &a, county, county_path, arena_printf(&a, "第%d镇", t), "township", &tp);
        for (int b = 0; b < BRANCHES; b++) {
            int k = t * BRANCHES + b;
            branch_id[k] = org_insert(db, &a, tid, tp, arena_printf(&a, "第%d村", k), "branch",
                                      &branch_path[k]);
        }
    }
    if (db_commit(db) != DB_OK)
        BUG("orgs");

    int64_t t0 = mono_us();
    struct buf text, title;
    buf_init(&text);
    buf_init(&title);
    for (long i = 0; i < posts; i += 10000) {
        db_begin(db, true);
        for (long j = i; j < posts && j < i + 10000; j++) {
            int k = (int)(next_rand() % (TOWNSHIPS * BRANCHES));
            random_text(&title, 8);
            random_text(&text, 40 + (int)(next_rand() % 80));
            search_index_put_doc(db, "news", j + 1, branch_id[k], branch_path[k], branch_path[k], 0,
                                 title.data, text.data, 1700000000 + j);
        }
        if (db_commit(db) != DB_OK)
            BUG("index");
    }
    double load_s = (double)(mono_us() - t0) / 1e6;
    struct stat st;
    stat(path, &st);
    printf("indexed %ld posts in %.1f s (%.0f posts/s); store %.0f MB\n", posts, load_s,
           (double)posts / load_s, (double)st.st_size / 1e6);

    const char *queries[] = {"党", "党建", "乡村振兴", "合作社 AI", "5G党建", "议"};
    struct {
        const char *name;
        struct search_scope sc;
    } who[2] = {{"county admin", {0}}, {"member of one branch", {0}}};
    search_scope_set(&who[0].sc, &a, 0, &county_path, 1, &county_path, 1, &county_path, 1);
    search_scope_set(&who[1].sc, &a, 0, &branch_path[7], 1, NULL, 0, NULL, 0);
    int64_t *us = xcalloc((size_t)runs, sizeof(*us));
    printf("| caller | query | results | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    for (size_t w = 0; w < ARRAY_SIZE(who); w++) {
        for (size_t qi = 0; qi < ARRAY_SIZE(queries); qi++) {
            struct buf fq;
            buf_init(&fq);
            search_query_build(queries[qi], &fq);
            int found = 0;
            for (int r = 0; r < runs; r++) {
                int64_t s = mono_us();
                db_begin(db, false);
                struct db_stmt *q = search_run(db, fq.data, &who[w].sc, NULL, 0, 20);
                found = 0;
                while (db_next(q))
                    found++;
                db_done(q);
                db_rollback(db);
                us[r] = mono_us() - s;
            }
            qsort(us, (size_t)runs, sizeof(*us), cmp64);
            printf("| %s | %s | %d | %.2f | %.2f | %.2f |\n", who[w].name, queries[qi], found,
                   (double)us[runs / 2] / 1e3, (double)us[(runs * 99 + 99) / 100 - 1] / 1e3,
                   (double)us[runs - 1] / 1e3);
            buf_release(&fq);
        }
    }
    free(us);
    buf_release(&text);
    buf_release(&title);
    arena_release(&a);
    db_close(db);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (getenv("SEARCH_BENCH_KEEP"))
        printf("kept %s\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
