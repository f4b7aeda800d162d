/*
 * gen_takers.c - the takers of the exam bench (bench/exam): an account and a
 * session for each of the first N members on a roster of a data set made by
 * bench/gen_province and `zhibu import`, so that N people can start and hand
 * in one exam without N argon2id sign-ins (the accounts have no password; the
 * sessions are made as a sign-in makes them). Writes one bearer token a line.
 *
 *   build-bench/gen_takers DATA_DIR N OUT.txt
 */
#include "app.h"
#include "cli/cli.h"
#include "core/roster.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_takers DATA_DIR N OUT.txt\n");
        return 2;
    }
    long n = atol(argv[2]);
    if (n < 1 || cli_config(argv[1], NULL))
        return 2;
    struct db *db = cli_open_data(false);
    if (!db)
        return 1;
    auth_init(2);
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    if (db_begin(db, true) != DB_OK)
        return 1;
    struct arena a;
    arena_init(&a);
    int64_t *ids = arena_alloc(&a, (size_t)n * sizeof(*ids));
    long got = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT m.id FROM members m WHERE m.deleted_at IS NULL AND "
                                  "m.status IN " ROSTER_STATUSES " AND NOT EXISTS (SELECT 1 FROM "
                                  "accounts a WHERE a.member_id = m.id) ORDER BY m.id LIMIT ?",
                                  "i", (int64_t)n);
    while (db_next(st))
        ids[got++] = db_int(st, 0);
    db_done(st);
    for (long i = 0; i < got; i++) {
        char phone[24]; /* 170 and eight digits: n is at most 99,999,999 */
        snprintf(phone, sizeof(phone), "170%08ld", i % 100000000);
        int64_t account = account_create(db, phone, "考生", NULL, ids[i]);
        struct session_new s;
        if (!account || session_create(db, account, false, &s) != DB_OK) {
            fprintf(stderr, "gen_takers: cannot create taker %ld\n", i);
            return 1;
        }
        fprintf(out, "%s\n", s.token);
    }
    if (db_commit(db) != DB_OK || fclose(out)) {
        fprintf(stderr, "gen_takers: cannot store the takers\n");
        return 1;
    }
    arena_release(&a);
    printf("gen_takers: %ld takers, tokens in %s\n", got, argv[3]);
    db_close(db);
    return got == n ? 0 : 1;
}
