/*
 * fuzz_search.c - the search text splitter and query builder (src/mod/search.c) on
 * arbitrary text: no crash; every query search_query_build() makes is valid FTS5 (it
 * runs without an error against a table of the split input); and for input made only of
 * ASCII letters, digits, spaces and CJK ideographs, the input searched for finds the
 * document that holds it (a run of ideographs is a phrase of its pairs, so it matches
 * itself).
 */
#include "app.h"
#include "db/migrate.h"
#include "mod/search.h"

static struct db *db;

static void setup(void)
{
    char dir[] = "/tmp/zhibu-fuzz-search-XXXXXX", path[64], err[256];
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof(path), "%s/z.db", dir);
    int applied;
    db = db_open(path, err, sizeof(err));
    if (!db || migrate_run(db, &applied, err, sizeof(err))) {
        fprintf(stderr, "setup: %s\n", err);
        abort();
    }
}

/* Only ASCII alphanumerics, spaces and ideographs (then the round trip must hold). */
static bool plain(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (!((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == ' '))
                return false;
            p++;
            continue;
        }
        if ((*p & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return false;
        uint32_t c =
            ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
        if (c < 0x4e00 || c > 0x9fff)
            return false;
        p += 3;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    if (size > 400)
        return 0;
    struct arena a;
    arena_init(&a);
    char *s = arena_strndup(&a, (const char *)data, size); /* up to the first NUL */
    struct buf uni, bi, q;
    buf_init(&uni);
    buf_init(&bi);
    buf_init(&q);
    search_split(s, &uni, &bi);
    bool any = search_query_build(s, &q);
    if (db_begin(db, true) != DB_OK)
        abort();
    db_exec(db, "INSERT INTO search_fts (rowid, uni, bi) VALUES (1, ?, ?)", "ss",
            uni.data ? uni.data : "", bi.data ? bi.data : "");
    int64_t n = 0;
    if (any)
        db_get_int(db, &n, "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH ?", "s", q.data);
    if (db_failed(db)) {
        fprintf(stderr, "query [%s] for [%s] failed\n", q.data, s);
        abort();
    }
    if (any && plain(s) && n != 1) {
        fprintf(stderr, "query [%s] does not find its own text [%s] (uni [%s] bi [%s])\n", q.data,
                s, uni.data, bi.data);
        abort();
    }
    db_rollback(db);
    buf_release(&uni);
    buf_release(&bi);
    buf_release(&q);
    arena_release(&a);
    return 0;
}
