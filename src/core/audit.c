#include "app.h"

/* The bytes the row hash covers: previous hash, id, and every field. */
static void audit_digest(const unsigned char prev[32], int64_t id, const struct audit_row *r,
                         unsigned char out[32])
{
    struct buf b;
    buf_init(&b);
    buf_add(&b, prev, 32);
    buf_printf(&b, "%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n", id, r->at, r->actor_id,
               r->org_id);
    const char *fields[] = {r->action, r->target, r->result, r->detail, r->ip, r->request_id};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        /* NULL and "" differ: a presence byte, then the text and a NUL. */
        buf_addch(&b, fields[i] ? '1' : '0');
        if (fields[i])
            buf_add(&b, fields[i], strlen(fields[i]) + 1);
    }
    pdata_audit_mac(b.data, b.len, out);
    buf_release(&b);
}

int audit_append(struct db *db, const struct audit_row *row)
{
    unsigned char prev[32] = {0}, hash[32];
    int64_t last_id = 0;
    struct db_stmt *st = db_query(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", "");
    if (db_next(st)) {
        size_t n;
        const void *h = db_blob(st, 1, &n);
        last_id = db_int(st, 0);
        if (n == 32)
            memcpy(prev, h, 32);
    }
    db_done(st);
    int64_t id = last_id + 1;
    audit_digest(prev, id, row, hash);
    return db_exec(db,
                   "INSERT INTO audit_log (id, at, actor_id, org_id, action, target, result, "
                   "detail, ip, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?)",
                   "iiiissssssbb", id, row->at, row->actor_id, row->org_id, row->action,
                   row->target, row->result, row->detail, row->ip, row->request_id, prev,
                   (size_t)32, hash, (size_t)32);
}

int64_t audit_verify(struct db *db, char *err, size_t errlen)
{
    unsigned char prev[32] = {0};
    int64_t expect = 1, count = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT id, at, actor_id, org_id, action, target, result, "
                                  "detail, ip, request_id, prev_hash, hash FROM audit_log ORDER "
                                  "BY id",
                                  "");
    while (db_next(st)) {
        int64_t id = db_int(st, 0);
        struct audit_row r = {
            .at = db_int(st, 1),
            .actor_id = db_int(st, 2),
            .org_id = db_int(st, 3),
            .action = db_text(st, 4),
            .target = db_text(st, 5),
            .result = db_text(st, 6),
            .detail = db_text(st, 7),
            .ip = db_text(st, 8),
            .request_id = db_text(st, 9),
        };
        size_t plen, hlen;
        const unsigned char *ph = db_blob(st, 10, &plen);
        const unsigned char *h = db_blob(st, 11, &hlen);
        unsigned char want[32];
        if (id != expect) {
            snprintf(err, errlen, "row %" PRId64 " missing (next row is %" PRId64 ")", expect, id);
            count = -1;
            break;
        }
        if (plen != 32 || memcmp(ph, prev, 32) != 0) {
            snprintf(err, errlen, "row %" PRId64 ": chain broken (previous hash differs)", id);
            count = -1;
            break;
        }
        audit_digest(prev, id, &r, want);
        if (hlen != 32 || memcmp(h, want, 32) != 0) {
            snprintf(err, errlen, "row %" PRId64 ": contents were changed", id);
            count = -1;
            break;
        }
        memcpy(prev, want, 32);
        expect++;
        count++;
    }
    db_done(st);
    if (count >= 0 && db_failed(db)) {
        snprintf(err, errlen, "cannot read the audit log");
        return -1;
    }
    return count;
}
