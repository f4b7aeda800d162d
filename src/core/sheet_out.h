/*
 * sheet_out.h - writing rows to a spreadsheet file for download: CSV (UTF-8 with a BOM,
 * CRLF, so Excel on Chinese Windows opens it right) or XLSX (libxlsxwriter in constant
 * memory mode: a row is on disk once written). Every cell is text, never a formula, and
 * is neutralised against formula injection (sheet_neutralise) in both formats.
 *
 * Errors while writing are kept and reported by sheet_writer_close, so a loop of
 * sheet_write_row calls needs no checks.
 */
#ifndef ZHIBU_SHEET_OUT_H
#define ZHIBU_SHEET_OUT_H

enum sheet_format { SHEET_CSV, SHEET_XLSX };

struct sheet_writer;

/* Creates (or truncates) the file at path. sheet_name names the XLSX worksheet (at most
 * 31 characters, none of []:*?/\; NULL for "Sheet1"); CSV ignores it. Returns a writer
 * that sheet_writer_close frees, or NULL with the reason in err. */
struct sheet_writer *sheet_writer_open(const char *path, enum sheet_format fmt,
                                       const char *sheet_name, char *err, size_t errlen);

/* Appends a row of n UTF-8 strings (a NULL cell is empty). sheet_write_header writes it
 * in bold in XLSX (the same as a row in CSV). An XLSX file does not keep empty cells at
 * the end of a row: reading it back gives the row without them. */
void sheet_write_header(struct sheet_writer *w, const char *const *cells, size_t n);
void sheet_write_row(struct sheet_writer *w, const char *const *cells, size_t n);

/* Finishes the file and frees w. Returns 0, or -1 with the first error in err. */
int sheet_writer_close(struct sheet_writer *w, char *err, size_t errlen);

/* The cell as it is written: a value starting with = + - @ TAB or CR gets a leading
 * apostrophe so no spreadsheet runs it as a formula; others are unchanged. Returns a copy
 * in arena a (NULL gives ""). */
const char *sheet_neutralise(struct arena *a, const char *cell);

/* For a handler: answers with a spreadsheet ("xlsx" by default, or "csv") named base.ext
 * that fill writes. */
extern const char *const sheet_formats[];
int sheet_respond(struct req *req, const char *format, const char *base,
                  void (*fill)(struct sheet_writer *, void *), void *ctx);

#endif
