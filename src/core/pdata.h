/*
 * pdata.h - personal data protection: values such as phone and ID numbers
 * are sealed at rest with XChaCha20-Poly1305 (libsodium) and found through a
 * keyed hash. The master key lives in DATA/secret.key (32 bytes, mode 0600),
 * created on first use, never in the database: a copy of the database
 * without the key cannot be read.
 */
#ifndef ZHIBU_PDATA_H
#define ZHIBU_PDATA_H

#define PDATA_HASH_BYTES 32

/* Loads DATA/secret.key, creating it if missing. -1 with a reason on error. */
int pdata_init(const char *data_dir, char *err, size_t errlen);

/* Keyed hash of value for equality lookups (domain separates kinds). */
void pdata_hash(const char *domain, const char *value, unsigned char out[PDATA_HASH_BYTES]);
/* Seals value; returns an arena blob of *len bytes (nonce + ciphertext + tag). */
unsigned char *pdata_seal(struct arena *a, const char *domain, const char *value, size_t *len);
/* Opens a sealed blob; NULL if it was tampered with or sealed with another key. */
char *pdata_open(struct arena *a, const char *domain, const unsigned char *blob, size_t len);
/*
 * Files of personal data (scans on a member's record): sealed as a stream
 * (libsodium secretstream, XChaCha20-Poly1305, 64 KiB chunks, a key derived
 * from the master key) so neither side is held in memory. pdata_seal_file
 * writes the sealed form of size bytes of in_fd (read from offset 0) to
 * out_fd; pdata_open_file writes the plain text of the sealed in_fd to
 * out_fd and its length in *size, and fails on any tampering, truncation or
 * another key. 0 or -1.
 */
int pdata_seal_file(int in_fd, int64_t size, int out_fd);
int pdata_open_file(int in_fd, int out_fd, int64_t *size);
/* Keyed hash for the audit chain. */
void pdata_audit_mac(const void *in, size_t n, unsigned char out[32]);
/* "138****5678" from a phone number (into an arena string). */
char *pdata_mask_phone(struct arena *a, const char *phone);

/* Random bytes as base64url without padding into out (>= 4*n/3+2 bytes). */
void random_token(size_t nbytes, char *out, size_t outlen);

/* A random password of len-1 letters and digits that are hard to confuse. */
void random_password(char *out, size_t len);

#endif
