/*
 * second_factor.h - the TOTP second factor (second_factor.c) as login and
 * GET /me (account.c) see it.
 */
#ifndef ZHIBU_MOD_SECOND_FACTOR_H
#define ZHIBU_MOD_SECOND_FACTOR_H

enum totp_login {
    TOTP_LOGIN_OFF,     /* the account has no active second factor */
    TOTP_LOGIN_OK,      /* the code was right and is now used up */
    TOTP_LOGIN_MISSING, /* a second factor is on and no code was sent */
    TOTP_LOGIN_BAD,     /* wrong, malformed or already used */
};
/*
 * The second-factor step of a login whose password was right, in the current
 * write transaction: a TOTP code (its step then never accepted again) or an
 * unused recovery code (then marked used; *via_recovery).
 */
enum totp_login totp_login_check(struct db *db, struct arena *a, int64_t account, const char *code,
                                 bool *via_recovery);
/* Writes the "secondFactor" object of /me: {enabled, pending, required,
 * enrolRequired, enrolBy, recoveryCodesLeft}. Returns the second from which
 * it would read otherwise (enrolRequired turns true at enrolBy), 0 if the
 * clock does not change it. */
int64_t totp_write_me(struct db *db, struct jw *j, const struct principal *p);

#endif
