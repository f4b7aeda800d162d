/*
 * access.h - every member gets in (access.c): the account each member on a
 * roster has, kept in step with the member record, and the activation codes
 * the sign-in routes of account.c check.
 */
#ifndef ZHIBU_MOD_ACCESS_H
#define ZHIBU_MOD_ACCESS_H

struct member_rec;

#define ACTIVATION_DIGITS 12   /* about 40 bits; typed in groups of four */
#define ACTIVATION_DAYS 30     /* a slip is valid this long */
#define ACTIVATION_TRIES 5     /* failed uses of a found code before it is revoked */
#define SMS_CODE_DIGITS 6      /* sign-in and new-password codes */
#define SMS_CODE_SECONDS 300   /* valid for five minutes */
#define SMS_CODE_TRIES 5       /* wrong tries of one code before it is dead */
#define SMS_PHONE_GAP 60       /* seconds between two codes for one phone */
#define SMS_PHONE_PER_HOUR 5   /* codes asked for one phone in an hour */
#define SMS_SOURCE_PER_HOUR 30 /* codes asked from one source address in an hour */

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

/* The jobs (src/routes.c): accounts for members on a roster that have none
 * (records from before migration 0020 or bulk loads), a batch per run; and
 * pruning of spent codes and old request rows. Rows acted on, -1 on failure. */
int access_accounts_job(struct db *db);
int access_prune_job(struct db *db);

#endif
