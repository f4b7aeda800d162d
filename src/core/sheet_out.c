/*
 * sheet_out.c - writing CSV and XLSX files (sheet_out.h has the API).
 */
#include "app.h"
#include "core/sheet_out.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define SHEET_WIDTH_ROWS 1000 /* rows looked at to size the XLSX columns */
#define SHEET_WIDTH_MAX 60
#define SHEET_WIDTH_COLS 256 /* columns sized; the rest keep the default width */

struct sheet_writer {
    enum sheet_format fmt;
    char err[256];    /* the first error, "" if none */
    FILE *f;          /* CSV */
    struct buf line;  /* CSV: the row being written */
    lxw_workbook *wb; /* XLSX */
    lxw_worksheet *ws;
    lxw_format *bold;
    lxw_row_t row;
    unsigned width[SHEET_WIDTH_COLS]; /* XLSX: widest cell per column, in Latin letters */
    size_t ncols;
};

/* True if Excel or LibreOffice could take the cell for a formula. */
static bool needs_apostrophe(const char *cell)
{
    return cell[0] && strchr("=+-@\t\r", cell[0]);
}

const char *sheet_neutralise(struct arena *a, const char *cell)
{
    if (!cell)
        return arena_strdup(a, "");
    return needs_apostrophe(cell) ? arena_printf(a, "'%s", cell) : arena_strdup(a, cell);
}

static void writer_fail(struct sheet_writer *w, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void writer_fail(struct sheet_writer *w, const char *fmt, ...)
{
    if (w->err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof(w->err), fmt, ap);
    va_end(ap);
}

struct sheet_writer *sheet_writer_open(const char *path, enum sheet_format fmt,
                                       const char *sheet_name, char *err, size_t errlen)
{
    struct sheet_writer *w = xcalloc(1, sizeof(*w));
    w->fmt = fmt;
    buf_init(&w->line);
    if (fmt == SHEET_CSV) {
        w->f = fopen(path, "wb");
        if (!w->f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto fail;
        }
        fputs("\xef\xbb\xbf", w->f); /* the BOM: Excel reads the file as UTF-8 */
        return w;
    }
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
    w->wb = workbook_new_opt(path, &opt);
    if (!w->wb) {
        snprintf(err, errlen, "%s: cannot create the workbook", path);
        goto fail;
    }
    const char *name = sheet_name ? sheet_name : "Sheet1";
    lxw_error e = workbook_validate_sheet_name(w->wb, name);
    if (e != LXW_NO_ERROR) {
        snprintf(err, errlen, "sheet name \"%s\": %s", name, lxw_strerror(e));
        goto fail;
    }
    w->ws = workbook_add_worksheet(w->wb, name);
    w->bold = workbook_add_format(w->wb);
    if (!w->ws || !w->bold) {
        snprintf(err, errlen, "%s: cannot add the worksheet", path);
        goto fail;
    }
    format_set_bold(w->bold);
    return w;
fail:
    if (w->wb) {
        /* Nothing useful is in it yet; closing writes an empty file we remove. */
        workbook_close(w->wb);
        remove(path);
    }
    if (w->f)
        fclose(w->f);
    buf_release(&w->line);
    free(w);
    return NULL;
}

/* Display width of UTF-8 text in Latin letters: CJK and other wide characters count 2. */
static unsigned text_width(const char *s)
{
    unsigned wd = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        wd += *p >= 0xe1 ? 2 : 1; /* from U+1000: CJK, Hangul, full-width forms */
    }
    return wd;
}

static void csv_row(struct sheet_writer *w, const char *const *cells, size_t n)
{
    struct buf *b = &w->line;
    buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (i)
            buf_addch(b, ',');
        bool quote = strpbrk(c, ",\"\r\n") != NULL || needs_apostrophe(c);
        if (quote)
            buf_addch(b, '"');
        if (needs_apostrophe(c))
            buf_addch(b, '\'');
        for (const char *q; (q = strchr(c, '"')); c = q + 1) {
            buf_add(b, c, (size_t)(q - c + 1));
            buf_addch(b, '"');
        }
        buf_addstr(b, c);
        if (quote)
            buf_addch(b, '"');
    }
    buf_add(b, "\r\n", 2);
    if (fwrite(b->data, 1, b->len, w->f) != b->len)
        writer_fail(w, "write: %s", strerror(errno));
}

static void xlsx_row(struct sheet_writer *w, const char *const *cells, size_t n, lxw_format *fmt)
{
    char *tmp = NULL;
    for (size_t i = 0; i < n && !w->err[0]; i++) {
        const char *c = cells[i];
        if (!c || !*c)
            continue;
        if (needs_apostrophe(c)) {
            free(tmp);
            if (asprintf(&tmp, "'%s", c) < 0)
                BUG("asprintf: out of memory");
            c = tmp;
        }
        if (i >= LXW_COL_MAX) {
            writer_fail(w, "row %lu: more than %d columns", (unsigned long)w->row + 1, LXW_COL_MAX);
            break;
        }
        lxw_error e = worksheet_write_string(w->ws, w->row, (lxw_col_t)i, c, fmt);
        if (e != LXW_NO_ERROR)
            writer_fail(w, "row %lu: %s", (unsigned long)w->row + 1, lxw_strerror(e));
        if (i < SHEET_WIDTH_COLS && w->row < SHEET_WIDTH_ROWS) {
            unsigned wd = text_width(c);
            if (wd > w->width[i])
                w->width[i] = wd;
            if (i + 1 > w->ncols)
                w->ncols = i + 1;
        }
    }
    free(tmp);
    w->row++;
}

static void write_row(struct sheet_writer *w, const char *const *cells, size_t n, bool header)
{
    if (w->err[0])
        return;
    if (w->fmt == SHEET_CSV)
        csv_row(w, cells, n);
    else
        xlsx_row(w, cells, n, header ? w->bold : NULL);
}

void sheet_write_header(struct sheet_writer *w, const char *const *cells, size_t n)
{
    write_row(w, cells, n, true);
}

void sheet_write_row(struct sheet_writer *w, const char *const *cells, size_t n)
{
    write_row(w, cells, n, false);
}

int sheet_writer_close(struct sheet_writer *w, char *err, size_t errlen)
{
    if (w->f && fclose(w->f) != 0)
        writer_fail(w, "close: %s", strerror(errno));
    if (w->wb) {
        for (size_t i = 0; i < w->ncols; i++) {
            unsigned wd = w->width[i] + 2;
            worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i,
                                 wd < 8                 ? 8
                                 : wd > SHEET_WIDTH_MAX ? SHEET_WIDTH_MAX
                                                        : wd,
                                 NULL);
        }
        lxw_error e = workbook_close(w->wb);
        if (e != LXW_NO_ERROR)
            writer_fail(w, "%s", lxw_strerror(e));
    }
    int rc = w->err[0] ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s", w->err);
    buf_release(&w->line);
    free(w);
    return rc;
}

/* ---- a sheet as the answer to a request ---- */

const char *const sheet_formats[] = {"xlsx", "csv", NULL};

/* Writes a sheet to a temporary file and answers with it. */
static int send_sheet(struct req *req, enum sheet_format fmt, const char *name,
                      void (*fill)(struct sheet_writer *, void *), void *ctx)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/tmp", cfg.data_dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tmp/sheet-XXXXXX", cfg.data_dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return req_fail(req, ERR_INTERNAL, "cannot create a temporary file");
    close(fd);
    char why[200];
    struct sheet_writer *w = sheet_writer_open(path, fmt, "sheet1", why, sizeof(why));
    if (!w) {
        unlink(path);
        return req_fail(req, ERR_INTERNAL, "%s", why);
    }
    fill(w, ctx);
    if (sheet_writer_close(w, why, sizeof(why))) {
        unlink(path);
        return req_fail(req, ERR_INTERNAL, "%s", why);
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    struct stat stt;
    if (fd < 0 || fstat(fd, &stt)) {
        if (fd >= 0)
            close(fd);
        return req_fail(req, ERR_INTERNAL, "cannot read the file back");
    }
    return req_send_file(req, fd, stt.st_size,
                         fmt == SHEET_XLSX ? "application/vnd.openxmlformats-officedocument."
                                             "spreadsheetml.sheet"
                                           : "text/csv; charset=utf-8",
                         name);
}

int sheet_respond(struct req *req, const char *format, const char *base,
                  void (*fill)(struct sheet_writer *, void *), void *ctx)
{
    bool xlsx = !format || !strcmp(format, "xlsx");
    return send_sheet(req, xlsx ? SHEET_XLSX : SHEET_CSV,
                      arena_printf(&req->arena, "%s.%s", base, xlsx ? "xlsx" : "csv"), fill, ctx);
}
