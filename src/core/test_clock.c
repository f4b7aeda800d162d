/*
 * test_clock.c - the test clock (see test_clock.h).
 */
#include "app.h"
#include "core/test_clock.h"
#include "core/validate.h"

static bool hooks;

void test_clock_init(void)
{
    const char *v = getenv("ZHIBU_TEST_HOOKS");
    hooks = v && !strcmp(v, "1");
    if (hooks)
        log_warn("test hooks are on (ZHIBU_TEST_HOOKS=1): clients can move the clock");
}

bool test_clock_on(void)
{
    return hooks;
}

static const struct param move_body[] = {
    {"advance", P_INT, 0, -(INT64_C(1) << 40), INT64_C(1) << 40},
    {"skew", P_INT, 0, -(INT64_C(1) << 40), INT64_C(1) << 40},
    {NULL},
};

int test_clock_answer(struct req *req)
{
    if (!strcmp(req->method, "POST")) {
        struct value *v;
        buf_addch(&req->body_raw, '\0');
        values_from_json_text(&req->arena, move_body, req->body_raw.data, &v);
        if (!v[0].present && !v[1].present)
            return req_fail(req, ERR_INVALID, "send {\"advance\": seconds} or {\"skew\": seconds}");
        clock_skew_set(v[1].present ? v[1].i : clock_skew_get() + v[0].i);
        struct db *db = db_thread();
        if (db && db_begin(db, true) == DB_OK) {
            db_exec(db, "UPDATE seqs SET value = value + 1 WHERE name = 'change'", "");
            if (db_commit(db) != DB_OK)
                db_rollback(db);
        }
    } else if (strcmp(req->method, "GET")) {
        return req_fail(req, ERR_METHOD, NULL);
    }
    char iso[21], today[11];
    time_iso(now_sec(), iso);
    date_today(today);
    struct jw j;
    jw_init(&j, &req->out);
    jw_obj_begin(&j);
    jw_kv_int(&j, "skew", clock_skew_get());
    jw_kv_str(&j, "now", iso);
    jw_kv_str(&j, "today", today);
    jw_obj_end(&j);
    return 200;
}
