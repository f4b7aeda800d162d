/*
 * idem.c - Idempotency-Key records (see idem.h).
 */
#include "app.h"
#include "core/idem.h"

#include <sodium.h>
#include <unistd.h>

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

/* The caller's role grants as "id,id,..." (arena), stored with an answer. */
static const char *idem_roles(struct req *req)
{
    struct buf b;
    buf_init_arena(&b, &req->arena);
    for (size_t i = 0; i < req->who->nroles; i++)
        buf_printf(&b, "%s%" PRId64, i ? "," : "", req->who->roles[i].id);
    return b.data;
}

/* Whether the caller still holds every grant of a stored "id,id,..." list
 * (NULL: an answer stored before the list was kept). */
static bool idem_roles_held(const struct principal *p, const char *stored)
{
    for (const char *s = stored; s && *s; s += strcspn(s, ","), s += *s == ',') {
        int64_t id;
        if (!parse_i64(s, strcspn(s, ","), &id))
            return false;
        bool held = false;
        for (size_t i = 0; i < p->nroles && !held; i++)
            held = p->roles[i].id == id;
        if (!held)
            return false;
    }
    return true;
}

int idem_check(struct req *req)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(req->idem_fp));
    crypto_generichash_update(&st, (const unsigned char *)req->method, strlen(req->method) + 1);
    crypto_generichash_update(&st, (const unsigned char *)req->path, strlen(req->path) + 1);
    if (!(req->route->flags & ROUTE_IDEM_NO_BODY)) {
        crypto_generichash_update(&st, (const unsigned char *)req->body_raw.data,
                                  req->body_raw.len);
        /* An upload spooled to disk (http.c) is read back. */
        unsigned char chunk[65536];
        ssize_t n = 0;
        for (off_t at = 0;
             req->body_fd >= 0 && (n = pread(req->body_fd, chunk, sizeof(chunk), at)) > 0; at += n)
            crypto_generichash_update(&st, chunk, (size_t)n);
        if (n < 0)
            return req_fail(req, ERR_INTERNAL, "cannot read the upload back");
    }
    crypto_generichash_final(&st, req->idem_fp, sizeof(req->idem_fp));
    struct db_stmt *q = db_query(req->db,
                                 "SELECT fingerprint, status, body, body_sealed, roles FROM "
                                 "idempotency WHERE account_id = ? AND key = ?",
                                 "is", req->who->account_id, req->idem_key);
    int rc = 0;
    if (db_next(q)) {
        size_t n;
        const void *fp = db_blob(q, 0, &n);
        if (n != sizeof(req->idem_fp) || memcmp(fp, req->idem_fp, n) != 0) {
            rc = req_fail(req, ERR_IDEM_MISMATCH,
                          "Idempotency-Key %s was used with another request", req->idem_key);
        } else if (!idem_roles_held(req->who, db_isnull(q, 4) ? NULL : db_text(q, 4))) {
            req_audit(req, "access.denied", 0, NULL, "denied",
                      "%s %s: replay of %s after a role it was made with was revoked", req->method,
                      req->path, req->idem_key);
            rc = req_fail(req, ERR_IDEM_REVOKED, NULL);
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
            "roles, created_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)",
            "isbibsi", req->who->account_id, req->idem_key, req->idem_fp, sizeof(req->idem_fp),
            (int64_t)status, sealed, len, idem_roles(req), now_sec());
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
