/*
 * access.h - every member gets in (access.c): the account each member on a
 * roster has, kept in step with the member record, and the activation codes
 * the sign-in routes of account.c check.
 */
#ifndef ZHIBU_MOD_ACCESS_H
#define ZHIBU_MOD_ACCESS_H

struct member_rec;

#define ACTIVATION_DIGITS 12 /* about 40 bits; typed in groups of four */
#define SMS_CODE_DIGITS 6    /* sign-in and new-password codes */
/* Lifetimes, tries and throttles of the codes are configured (core/config.h:
 * activation_code_days, activation_code_tries, login_code_minutes,
 * login_code_tries, login_code_gap_s, login_codes_per_phone_hour,
 * login_codes_per_source_hour), within bounds config.c sets. */

/*
 * Keeps the account of member m in step with its record, in the caller's
 * write transaction (members_rec.c calls it on every insert, old NULL, and
 * update): a member on the roster without an account gets one that cannot
 * sign in until activated (an account with the record's phone and no member
 * is linked instead; a member without a phone, or whose phone another
 * account holds, gets one without a phone); the account follows the name,
 * a new phone until it is activated (when no other account holds it) and
 * the branch (its member
 * role moves with a transfer; no member role where the account holds another
 * role, a secretary's); a member leaving the roster loses the member role
 * and any open activation code. Returns the account id, 0 if none.
 */
int64_t access_member_sync(struct db *db, struct arena *a, const struct member_rec *m,
                           const struct member_rec *old);

/* Gives the account this phone number unless another account holds it:
 * false then. In the caller's write transaction. */
bool access_account_phone(struct db *db, struct arena *a, int64_t account, const char *phone);

/* The keyed hash of a typed activation code (spaces and dashes ignored);
 * false if it cannot be one. */
bool activation_code_hash(const char *typed, unsigned char out[PDATA_HASH_BYTES]);

/*
 * A real action of an account at t (a notice read or acknowledged, a post
 * seen, a message written, a meeting checked in to: what the access figures
 * call active), in the caller's write transaction: the account's last action
 * moves forward to t, and with it the day it counts in (org_counts). Callers
 * call it when the action's row was written, not when it was there already.
 * access_member_acted: the same for the account of a member.
 */
void access_acted(struct db *db, int64_t account, int64_t t);
void access_member_acted(struct db *db, int64_t member, int64_t t);

/* Brings every account's last action up to the latest the action tables hold
 * (never back: a row overwritten later, a secretary's mark over a check-in,
 * does not undo an action that happened). Part of `zhibu org recount`. */
int access_last_actions_recount(struct db *db);

/* The jobs (src/routes.c): accounts for members on a roster that have none
 * (records from before migration 0020 or bulk loads), a batch per run; and
 * pruning of spent codes and old request rows. Rows acted on, -1 on failure. */
int access_accounts_job(struct db *db);
int access_prune_job(struct db *db);

#endif
