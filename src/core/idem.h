/*
 * idem.h - Idempotency-Key: a write sent again with the same key gets the
 * answer of the first one instead of running twice (a phone that lost the
 * answer on a weak connection retries). The dispatcher checks the key in the
 * write's transaction, before the handler, and stores the answer, sealed
 * (it may hold personal data), in the same transaction as the write. A key
 * belongs to an account; used again with another request it is refused.
 * Records are kept IDEMPOTENCY_DAYS (core/jobs.h).
 */
#ifndef ZHIBU_IDEM_H
#define ZHIBU_IDEM_H

struct req;
struct db;

/* Whether k is a usable key: 1 to 128 printable ASCII characters. */
bool idem_key_ok(const char *k);

/*
 * idem_check - fingerprints the request (method, path and, unless the route
 * says ROUTE_IDEM_NO_BODY, the body) and looks req->idem_key up for the
 * caller. Returns 1 when the stored answer was put into req (status and
 * body), 0 to go on, or an error status (the key was used with another
 * request; the stored answer cannot be opened).
 */
int idem_check(struct req *req);

/* Stores the answer in req->out (complete) with status for the request's
 * key, in the current write transaction. */
void idem_store(struct req *req, int status);

/* A housekeeping job (core/jobs.c): seals the stored answers written in plain
 * text before migration 0010; returns how many, -1 on failure. */
int idem_seal_legacy(struct db *db);

#endif
