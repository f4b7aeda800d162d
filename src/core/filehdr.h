/*
 * filehdr.h - the HTTP headers of file transfers, parsed and written
 * without trusting the client: Range (RFC 9110 14.2, one range), the
 * upload headers Upload-Offset and Upload-Checksum (as the tus protocol
 * spells them), and Content-Disposition with a UTF-8 name (RFC 6266 +
 * RFC 8187/5987). Pure functions, fuzzed by tests/fuzz/fuzz_range.c and
 * fuzz_upload_headers.c.
 */
#ifndef ZHIBU_FILEHDR_H
#define ZHIBU_FILEHDR_H

enum range_result {
    RANGE_NONE,          /* no Range, or one to ignore (not bytes, several ranges, malformed):
                            answer 200 with the whole file, as RFC 9110 allows */
    RANGE_OK,            /* one satisfiable range: 206, bytes start..start+len-1 */
    RANGE_UNSATISFIABLE, /* a valid range that starts beyond the end: 416 */
};

/*
 * Parses the Range header h (NULL: none) for a file of size bytes:
 * "bytes=a-b", "bytes=a-", "bytes=-n". On RANGE_OK fills *start and *len
 * (len >= 1, start + len <= size).
 */
enum range_result range_parse(const char *h, int64_t size, int64_t *start, int64_t *len);

/* Upload-Offset: decimal digits only (no sign, no spaces), at most 18 of them. */
bool upload_offset_parse(const char *h, int64_t *offset);

/*
 * Upload-Checksum: "sha256 <base64 of the 32-byte digest>" (tus checksum
 * extension; only sha256). Fills digest; false when malformed or another
 * algorithm.
 */
bool upload_checksum_parse(const char *h, unsigned char digest[32]);

/*
 * Writes a Content-Disposition value for a download named name (UTF-8):
 * "attachment" or "inline", an ASCII fallback filename="file.EXT" (the
 * extension only if it is short and plain) and filename*=UTF-8''<percent
 * encoded name>. The result is NUL-terminated in out (truncated names are
 * cut at a whole percent escape). Returns out.
 */
char *content_disposition(const char *name, bool inline_, char *out, size_t n);

#endif
