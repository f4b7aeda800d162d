/*
 * filehdr.h - the HTTP headers of file transfers, parsed and written
 * without trusting the client: Range (RFC 9110 14.2, one range), the
 * upload headers Upload-Offset, Upload-Checksum and Upload-Metadata (the tus
 * protocol's), and Content-Disposition with a UTF-8 name (RFC 6266 +
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

enum upload_hash {
    UPLOAD_SHA1,   /* 20-byte digest: the algorithm every tus server must accept */
    UPLOAD_SHA256, /* 32-byte digest */
};

/*
 * Upload-Checksum: "<algorithm> <base64 of the digest>" (tus checksum
 * extension), the algorithm sha1 or sha256. Fills *alg and digest (20 or 32
 * bytes of it); false when malformed or another algorithm.
 */
bool upload_checksum_parse(const char *h, enum upload_hash *alg, unsigned char digest[32]);

/*
 * Upload-Metadata (tus creation): comma-separated pairs "key base64value" or
 * a lone "key"; keys are 1-64 visible ASCII characters other than the comma,
 * unique; values standard base64 with padding. Finds key and writes its
 * decoded value into out (n bytes, NUL-terminated; a lone key is ""), *len
 * its length. Returns 1 when found, 0 when absent, -1 when the header is
 * malformed or the value does not fit (NULL h: 0).
 */
int upload_metadata_get(const char *h, const char *key, char *out, size_t n, size_t *len);

/*
 * Writes a Content-Disposition value for a download named name (UTF-8):
 * "attachment" or "inline", an ASCII fallback filename="file.EXT" (the
 * extension only if it is short and plain) and filename*=UTF-8''<percent
 * encoded name>. The result is NUL-terminated in out (truncated names are
 * cut at a whole percent escape). Returns out.
 */
char *content_disposition(const char *name, bool inline_, char *out, size_t n);

#endif
