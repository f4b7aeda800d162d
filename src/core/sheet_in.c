/*
 * sheet_in.c - the reader API, the row being built, and CSV.
 *
 * CSV is RFC 4180 read the way Excel reads it: quoted cells with "" for a quote and line
 * breaks inside, rows ended by CRLF, LF or CR, a quote inside an unquoted cell kept as is.
 * The input is decoded in chunks of CSV_CHUNK bytes, so a file is never in memory whole.
 *
 * Encoding: a UTF-8 BOM means UTF-8. Otherwise the whole input is scanned once first: all
 * valid UTF-8, or mostly valid multi-byte UTF-8 with a few bad bytes (a damaged UTF-8
 * file, whose bad row is then an error), is read as UTF-8; anything else is GB18030 (which
 * includes GBK), what Excel on Chinese Windows writes, converted with iconv. A file that is
 * neither is an error at the row where the bad bytes are.
 */
#include "app.h"
#include "core/sheet_int.h"

#include <fcntl.h>
#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_CHUNK (64 * 1024)
/* GB18030 to UTF-8 at most doubles the bytes (2 bytes become 3 at worst). */
#define CSV_CONV (2 * CSV_CHUNK + 16)

enum csv_enc { CSV_UTF8, CSV_GB18030 };

struct csv_in {
    FILE *f;                  /* a file, or ... */
    const unsigned char *mem; /* ... a caller's buffer */
    size_t memlen, mempos;
    enum csv_enc enc;
    iconv_t cd;
    unsigned char *raw;     /* file chunks, after 4 bytes of room for the carry */
    unsigned char carry[4]; /* the start of a character cut off at a chunk's end */
    size_t ncarry;
    char *conv;           /* GB18030 chunks converted to UTF-8 */
    const char *p, *end;  /* decoded bytes the parser has not used yet */
    char pending[96];     /* a bad input found after end, reported on reaching it */
    bool skip_lf;         /* the last row ended with CR: a LF next belongs to it */
    uint64_t done, total; /* input bytes decoded, and the input's size */
};

/* ---- the reader and the row being built ---- */

int sheet_fail(struct sheet_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    r->state = -1;
    return -1;
}

void sheet_row_reset(struct sheet_reader *r)
{
    buf_reset(&r->cells);
    r->ncells = 0;
    r->off[0] = 0;
}

int sheet_cell_add(struct sheet_reader *r, const char *s, size_t n)
{
    if (r->cells.len - r->off[r->ncells] + n > SHEET_MAX_CELL) {
        char col[8];
        sheet_col_name(r->ncells, col);
        return sheet_fail(r, "row %ld, column %s: a cell is longer than %d bytes", r->at, col,
                          SHEET_MAX_CELL);
    }
    buf_add(&r->cells, s, n);
    return 0;
}

int sheet_cell_end(struct sheet_reader *r)
{
    if (r->ncells == SHEET_MAX_COLS)
        return sheet_fail(r, "row %ld: more than %d columns", r->at, SHEET_MAX_COLS);
    buf_addch(&r->cells, '\0');
    r->off[++r->ncells] = r->cells.len;
    return 0;
}

void sheet_row_done(struct sheet_reader *r)
{
    for (size_t i = 0; i < r->ncells; i++)
        r->cellv[i] = r->cells.data + r->off[i];
}

void sheet_col_name(size_t col, char out[8])
{
    char rev[8];
    size_t n = 0;
    col++;
    while (col && n < 7) {
        rev[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
}

/* ---- UTF-8 ---- */

/* The valid UTF-8 character at s, with n > 0 bytes there: its length (1 to 4), 0 if the
 * bytes are not UTF-8 (overlong forms, surrogates and values past U+10FFFF are not), -1 if
 * they are the valid start of a character cut off by the end. */
static int utf8_char(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    int len;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n)
            return -1;
        if (s[k] < lo || s[k] > hi)
            return 0;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

enum { UTF8_OK, UTF8_SHORT, UTF8_BAD };

/* The length of the valid UTF-8 at the start of s[0..n); *status says what ended it:
 * UTF8_OK (the end), UTF8_SHORT (a character cut off by the end) or UTF8_BAD. */
static size_t utf8_prefix(const unsigned char *s, size_t n, int *status)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            uint64_t w;
            while (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ULL)))
                i += 8;
            continue;
        }
        int len = utf8_char(s + i, n - i);
        if (len <= 0) {
            *status = len < 0 ? UTF8_SHORT : UTF8_BAD;
            return i;
        }
        i += (size_t)len;
    }
    *status = UTF8_OK;
    return i;
}

bool sheet_utf8_ok(const char *s, size_t n)
{
    int status;
    return utf8_prefix((const unsigned char *)s, n, &status) == n && !memchr(s, '\0', n);
}

/* ---- CSV input: encoding and chunks ---- */

/* Counts valid multi-byte characters and bad sequences in s[0..n) into *multi and *bad;
 * returns how many bytes it used (fewer than n if a character is cut off at the end and
 * more input follows). */
static size_t utf8_census(const unsigned char *s, size_t n, bool last, uint64_t *multi,
                          uint64_t *bad)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int len = utf8_char(s + i, n - i);
        if (len < 0 && !last)
            return i;
        if (len <= 0) {
            (*bad)++;
            i++;
        } else {
            (*multi)++;
            i += (size_t)len;
        }
    }
    return i;
}

/* Scans the input (from its start, without a BOM) to choose its encoding, and rewinds a
 * file. Stops early once the answer is clear. */
static enum csv_enc csv_guess(struct csv_in *in)
{
    uint64_t multi = 0, bad = 0;
    if (in->mem) {
        utf8_census(in->mem, in->memlen, true, &multi, &bad);
    } else {
        size_t have = 0, got;
        while (bad < 1024 && (got = fread(in->raw + have, 1, CSV_CHUNK, in->f)) > 0) {
            have += got;
            size_t used = utf8_census(in->raw, have, false, &multi, &bad);
            memmove(in->raw, in->raw + used, have - used);
            have -= used;
        }
        utf8_census(in->raw, have, true, &multi, &bad);
        rewind(in->f);
    }
    return bad == 0 || multi > 4 * bad ? CSV_UTF8 : CSV_GB18030;
}

/* Decodes raw[0..n) into in->p..in->end, and returns how many of the n bytes it used; the
 * rest start a character that the next chunk finishes. last: no more input follows. */
static size_t csv_decode(struct csv_in *in, const unsigned char *raw, size_t n, bool last)
{
    if (in->enc == CSV_UTF8) {
        int status;
        size_t ok = utf8_prefix(raw, n, &status);
        in->p = (const char *)raw;
        in->end = in->p + ok;
        if (status == UTF8_BAD || (status == UTF8_SHORT && last)) {
            snprintf(in->pending, sizeof(in->pending), "the text is not valid UTF-8");
            return n;
        }
        return ok;
    }
    char *ip = (char *)raw, *op = in->conv;
    size_t il = n, ol = CSV_CONV;
    if (iconv(in->cd, &ip, &il, &op, &ol) == (size_t)-1) {
        if (errno == EILSEQ || (errno == EINVAL && last)) {
            snprintf(in->pending, sizeof(in->pending),
                     "the text is neither UTF-8 nor GB18030 (GBK)");
            il = 0;
        } else if (errno != EINVAL) {
            BUG("iconv: %s", strerror(errno)); /* E2BIG: CSV_CONV is always enough */
        }
    }
    in->p = in->conv;
    in->end = op;
    return n - il;
}

/* Decodes the next chunk into in->p..in->end. Returns 1 with bytes there, 0 at the end of
 * the input, -1 on bad input (in->pending says what), which sticks. */
static int csv_fill(struct csv_in *in)
{
    for (;;) {
        if (in->pending[0])
            return -1;
        const unsigned char *raw;
        size_t n;
        bool last;
        if (in->f) {
            unsigned char *start = in->raw + 4 - in->ncarry;
            memcpy(start, in->carry, in->ncarry);
            size_t got = fread(in->raw + 4, 1, CSV_CHUNK, in->f);
            if (got < CSV_CHUNK && ferror(in->f)) {
                snprintf(in->pending, sizeof(in->pending), "read error: %s", strerror(errno));
                return -1;
            }
            raw = start;
            n = in->ncarry + got;
            last = got == 0;
        } else {
            raw = in->mem + in->mempos;
            n = in->memlen - in->mempos < CSV_CHUNK ? in->memlen - in->mempos : CSV_CHUNK;
            last = in->mempos + n == in->memlen;
            in->mempos += n;
        }
        if (n == 0)
            return 0;
        size_t used = csv_decode(in, raw, n, last);
        size_t left = n - used;
        assert(left < 4);
        if (in->f) {
            memcpy(in->carry, raw + used, left);
            in->ncarry = left;
        } else {
            in->mempos -= left;
        }
        in->done += used;
        if (in->p < in->end)
            return 1;
    }
}

/* Bytes that end an unquoted cell or need a look. */
static const bool csv_stop[256] = {
    [','] = true, ['"'] = true, ['\r'] = true, ['\n'] = true, ['\0'] = true};

/* Reads the next CSV record into r: 1, 0 at the end, -1 on an error. */
static int csv_next(struct sheet_reader *r)
{
    struct csv_in *in = r->csv;
    enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE_END } st = F_START;
    bool any = false; /* the record has a cell, even an empty one */
    r->at = r->row + 1;
    sheet_row_reset(r);
    for (;;) {
        if (in->p == in->end) {
            int rc = csv_fill(in);
            if (rc < 0)
                return sheet_fail(r, "row %ld: %s", r->at, in->pending);
            if (rc == 0)
                break;
        }
        if (in->skip_lf) {
            in->skip_lf = false;
            if (*in->p == '\n') {
                in->p++;
                continue;
            }
        }
        const char *q = in->p;
        char c;
        switch (st) {
        case F_START:
            st = *q == '"' ? F_QUOTED : F_PLAIN;
            if (st == F_QUOTED) {
                in->p++;
                any = true;
            }
            break;
        case F_PLAIN:
            while (q < in->end && !csv_stop[(unsigned char)*q])
                q++;
            if (q > in->p) {
                if (sheet_cell_add(r, in->p, (size_t)(q - in->p)) < 0)
                    return -1;
                any = true;
                in->p = q;
            }
            if (q == in->end)
                break;
            c = *in->p++;
            if (c == ',') {
                if (sheet_cell_end(r) < 0)
                    return -1;
                st = F_START;
                any = true;
            } else if (c == '"') {
                /* A quote inside an unquoted cell is kept, as Excel does. */
                if (sheet_cell_add(r, "\"", 1) < 0)
                    return -1;
                any = true;
            } else if (c == '\0') {
                return sheet_fail(r, "row %ld: the text has a NUL byte", r->at);
            } else {
                in->skip_lf = c == '\r';
                goto record_end;
            }
            break;
        case F_QUOTED:
            while (q < in->end && *q != '"' && *q != '\0')
                q++;
            if (q > in->p && sheet_cell_add(r, in->p, (size_t)(q - in->p)) < 0)
                return -1;
            in->p = q;
            if (q == in->end)
                break;
            if (*in->p++ == '\0')
                return sheet_fail(r, "row %ld: the text has a NUL byte", r->at);
            st = F_QUOTE_END;
            break;
        case F_QUOTE_END:
            if (*q == '"') {
                in->p++;
                if (sheet_cell_add(r, "\"", 1) < 0)
                    return -1;
                st = F_QUOTED;
            } else {
                st = F_PLAIN; /* text after the closing quote is kept, as Excel does */
            }
            break;
        }
    }
    if (st == F_QUOTED)
        return sheet_fail(r, "row %ld: a quoted cell is never closed", r->at);
    if (!any)
        return 0;
record_end:
    if (any && sheet_cell_end(r) < 0)
        return -1;
    sheet_row_done(r);
    r->row = r->at;
    return 1;
}

/* Sets up CSV reading of in (f or mem set); head is the input's first n bytes. */
static int csv_start(struct sheet_reader *r, const unsigned char *head, size_t n, char *err,
                     size_t errlen)
{
    struct csv_in *in = r->csv;
    in->cd = (iconv_t)-1;
    in->raw = xmalloc(CSV_CHUNK + 4);
    if (n >= 2 && ((head[0] == 0xff && head[1] == 0xfe) || (head[0] == 0xfe && head[1] == 0xff))) {
        snprintf(err, errlen, "UTF-16 text is not supported: save the sheet as CSV or XLSX");
        return -1;
    }
    if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0) {
        in->enc = CSV_UTF8;
        in->done = 3;
        if (in->f && fseek(in->f, 3, SEEK_SET) != 0) {
            snprintf(err, errlen, "seek: %s", strerror(errno));
            return -1;
        }
        in->mempos = 3;
    } else {
        in->enc = csv_guess(in);
    }
    if (in->enc == CSV_GB18030) {
        in->cd = iconv_open("UTF-8", "GB18030");
        if (in->cd == (iconv_t)-1) {
            snprintf(err, errlen, "iconv GB18030: %s", strerror(errno));
            return -1;
        }
        in->conv = xmalloc(CSV_CONV);
    }
    in->p = in->end = in->conv;
    return 0;
}

static void csv_free(struct csv_in *in)
{
    if (!in)
        return;
    if (in->f)
        fclose(in->f);
    if (in->cd != (iconv_t)-1)
        iconv_close(in->cd);
    free(in->raw);
    free(in->conv);
    free(in);
}

/* ---- the API ---- */

static struct sheet_reader *reader_new(void)
{
    struct sheet_reader *r = xcalloc(1, sizeof(*r));
    buf_init(&r->cells);
    return r;
}

static bool is_zip(const unsigned char *head, size_t n)
{
    return n >= 4 && memcmp(head, "PK\3\4", 4) == 0;
}

struct sheet_reader *sheet_open_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct sheet_reader *r = reader_new();
    unsigned char head[4];
    size_t n = fread(head, 1, sizeof(head), f);
    struct stat st;
    if (is_zip(head, n)) {
        fclose(f);
        if (xlsx_open_file(r, path, err, errlen) < 0)
            goto fail;
        return r;
    }
    r->csv = xcalloc(1, sizeof(*r->csv));
    r->csv->f = f;
    if (fstat(fileno(f), &st) == 0)
        r->csv->total = (uint64_t)st.st_size;
    rewind(f);
    if (csv_start(r, head, n, err, errlen) < 0)
        goto fail;
    return r;
fail:
    sheet_close(r);
    return NULL;
}

struct sheet_reader *sheet_open_fd(int fd, char *err, size_t errlen)
{
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    FILE *f = own >= 0 ? fdopen(own, "rb") : NULL;
    if (!f) {
        if (own >= 0)
            close(own);
        snprintf(err, errlen, "cannot read the file: %s", strerror(errno));
        return NULL;
    }
    struct sheet_reader *r = reader_new();
    unsigned char head[4];
    rewind(f); /* the offset is fd's: where its writer left it */
    size_t n = fread(head, 1, sizeof(head), f);
    struct stat st;
    rewind(f);
    if (is_zip(head, n)) {
        if (xlsx_open_fp(r, f, err, errlen) < 0)
            goto fail;
        return r;
    }
    r->csv = xcalloc(1, sizeof(*r->csv));
    r->csv->f = f;
    if (fstat(fileno(f), &st) == 0)
        r->csv->total = (uint64_t)st.st_size;
    if (csv_start(r, head, n, err, errlen) < 0)
        goto fail;
    return r;
fail:
    sheet_close(r);
    return NULL;
}

struct sheet_reader *sheet_open_mem(const void *data, size_t len, char *err, size_t errlen)
{
    struct sheet_reader *r = reader_new();
    if (is_zip(data, len)) {
        if (xlsx_open_mem(r, data, len, err, errlen) < 0)
            goto fail;
        return r;
    }
    r->csv = xcalloc(1, sizeof(*r->csv));
    r->csv->mem = len ? data : (const unsigned char *)"";
    r->csv->memlen = len;
    r->csv->total = len;
    if (csv_start(r, data, len, err, errlen) < 0)
        goto fail;
    return r;
fail:
    sheet_close(r);
    return NULL;
}

int sheet_next(struct sheet_reader *r, const char *const **cells, size_t *ncells)
{
    *cells = NULL;
    *ncells = 0;
    if (r->state)
        return r->state > 0 ? 0 : -1;
    int rc = r->csv ? csv_next(r) : xlsx_next(r);
    if (rc == 0)
        r->state = 1;
    if (rc <= 0)
        return rc;
    *cells = r->cellv;
    *ncells = r->ncells;
    return 1;
}

long sheet_row(const struct sheet_reader *r)
{
    return r->row;
}

double sheet_progress(const struct sheet_reader *r)
{
    double p;
    if (r->state == 1)
        return 1;
    if (r->csv)
        p = r->csv->total ? (double)r->csv->done / (double)r->csv->total : 1;
    else
        p = xlsx_progress(r->xlsx);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

const char *sheet_error(const struct sheet_reader *r)
{
    return r->err;
}

void sheet_close(struct sheet_reader *r)
{
    if (!r)
        return;
    csv_free(r->csv);
    xlsx_free(r->xlsx);
    buf_release(&r->cells);
    free(r);
}
