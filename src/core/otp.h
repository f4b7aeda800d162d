/*
 * otp.h - time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits,
 * 30 s steps) over liboath, the otpauth:// URI authenticator apps read, its
 * QR code as SVG (libqrencode), and one-time recovery codes.
 *
 * Replay protection is the caller's half of the contract: totp_check() is
 * given the newest step the account has used and accepts only later ones;
 * the caller stores the step it returns in the same transaction.
 */
#ifndef ZHIBU_OTP_H
#define ZHIBU_OTP_H

#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends */
#define TOTP_SECRET_B32 32   /* base32 characters of a 20-byte secret, no padding */
#define TOTP_RECOVERY_CODES 10
#define TOTP_RECOVERY_LEN 11 /* "abcde-fghjk" */

/* A fresh random secret, base32 (RFC 4648, no padding), into out. */
void totp_secret_new(char out[TOTP_SECRET_B32 + 1]);

/*
 * The code of the step holding unix time t for a raw secret: digits (6..8)
 * decimal digits into out (digits + 1 bytes). False if liboath refuses.
 */
bool totp_code_at(const unsigned char *secret, size_t len, int64_t t, unsigned digits, char *out);

/*
 * Checks a 6-digit code against the base32 secret at time now, accepting the
 * step of now and one step either side, but only steps after last_step
 * (the newest step the account used; 0 if none). Returns the matching step,
 * 0 if the code is malformed, wrong, or of a step already used.
 */
int64_t totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step);

/* otpauth://totp/ISSUER:LABEL?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
 * (arena). */
char *totp_uri(struct arena *a, const char *issuer, const char *label, const char *secret_b32);

/* The QR code of text as a standalone SVG document (arena); NULL if it does not fit. */
char *totp_qr_svg(struct arena *a, const char *text);

/* A new recovery code "abcde-fghjk" (letters and digits hard to confuse) into out. */
void totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1]);
/*
 * The canonical form of a typed recovery code (lower case, without spaces
 * and dashes) into out (>= 11 bytes); false if it cannot be one.
 */
bool totp_recovery_normalize(const char *in, char out[TOTP_RECOVERY_LEN + 1]);

#endif
