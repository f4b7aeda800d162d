/*
 * idem.c - Idempotency-Key records (see idem.h).
 */
#include "app.h"
#include "core/idem.h"

#include <sodium.h>

bool idem_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

int idem_check(struct req *req)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(req->idem_fp));
    crypto_generichash_update(&st, (const unsigned char *)req->method, strlen(req->method) + 1);
    crypto_generichash_update(&st, (const unsigned char *)req->path, strlen(req->path) + 1);
    if (!(req->route->flags & ROUTE_IDEM_NO_BODY))
        crypto_generichash_update(&st, (const unsigned char *)req->body_raw.data,
                                  req->body_raw.len);
    crypto_generichash_final(&st, req->idem_fp, sizeof(req->idem_fp));
    struct db_stmt *q = db_query(req->db,
                                 "SELECT fingerprint, status, body, body_sealed FROM idempotency "
                                 "WHERE account_id = ? AND key = ?",
                                 "is", req->who->account_id, req->idem_key);
    int rc = 0;
    if (db_next(q)) {
        size_t n;
        const void *fp = db_blob(q, 0, &n);
        if (n != sizeof(req->idem_fp) || memcmp(fp, req->idem_fp, n) != 0) {
            rc = req_fail(req, ERR_IDEM_MISMATCH,
                          "Idempotency-Key %s was used with another request", req->idem_key);
        } else {
            size_t len;
            const unsigned char *sealed = db_blob(q, 3, &len);
            const char *body = sealed && len
                                   ? pdata_open(&req->arena, "idempotency.body", sealed, len)
                                   : db_text(q, 2);
            if (!body) {
                rc = req_fail(req, ERR_INTERNAL, "the stored answer cannot be opened");
            } else {
                req->status = (int)db_int(q, 1);
                buf_reset(&req->out);
                buf_addstr(&req->out, body);
                req->data_started = req->data_done = true;
                rc = 1;
            }
        }
    }
    db_done(q);
    return rc;
}

void idem_store(struct req *req, int status)
{
    /* The answer may hold personal data (a proposed ID number): sealed at rest. */
    size_t len;
    unsigned char *sealed = pdata_seal(&req->arena, "idempotency.body", req->out.data, &len);
    db_exec(req->db,
            "INSERT INTO idempotency (account_id, key, fingerprint, status, body, body_sealed, "
            "created_at) VALUES (?, ?, ?, ?, '', ?, ?)",
            "isbibi", req->who->account_id, req->idem_key, req->idem_fp, sizeof(req->idem_fp),
            (int64_t)status, sealed, len, now_sec());
}

int idem_seal_legacy(struct db *db)
{
    struct arena a;
    arena_init(&a);
    int n = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT account_id, key, body FROM idempotency WHERE "
                                  "body_sealed IS NULL AND body <> ''",
                                  "");
    while (db_next(st)) {
        size_t len;
        unsigned char *sealed = pdata_seal(&a, "idempotency.body", db_text(st, 2), &len);
        db_exec(db,
                "UPDATE idempotency SET body = '', body_sealed = ? WHERE account_id = ? AND key "
                "= ?",
                "bis", sealed, len, db_int(st, 0), db_text(st, 1));
        n++;
    }
    db_done(st);
    arena_release(&a);
    return db_failed(db) ? -1 : n;
}
