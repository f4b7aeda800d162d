/*
 * sheet_in.h - reading rows from a spreadsheet a user uploaded: CSV (UTF-8, or GB18030/GBK
 * as Excel on Chinese Windows saves it) or XLSX (the first worksheet). No domain logic:
 * rows come out as arrays of UTF-8 strings and the caller decides what they mean.
 *
 * The format is decided by the bytes, not the file name: "PK\3\4" is XLSX, anything else
 * is CSV. Every cell returned is valid UTF-8 without NUL bytes, at most SHEET_MAX_CELL
 * bytes long, and a row has at most SHEET_MAX_COLS cells; a file that breaks this is an
 * error naming the row, never a truncated value.
 *
 * Row numbers are the ones the user sees in Excel: a CSV record with newlines inside
 * quotes is one row, and empty rows (blank CSV lines, rows an XLSX file leaves out) are
 * returned with ncells 0 so the numbers stay right; the caller skips them. XLSX rows do
 * not keep trailing empty cells, so rows of one file may have different lengths (CSV rows
 * can be ragged too).
 */
#ifndef ZHIBU_SHEET_IN_H
#define ZHIBU_SHEET_IN_H

#define SHEET_MAX_CELL 4000 /* bytes in one cell */
#define SHEET_MAX_COLS 256  /* cells in one row */

struct sheet_reader;

/* Opens the file at path. A CSV file is read twice, in 64 KiB chunks (never in memory
 * whole): once here to choose between UTF-8 and GB18030, then row by row. XLSX parts are
 * inflated and parsed as streams; at most 512 MiB is inflated in all, against zip bombs.
 * Returns a reader the caller closes with sheet_close, or NULL with the reason in err. */
struct sheet_reader *sheet_open_file(const char *path, char *err, size_t errlen);

/* The same for the open file fd, read from its start (an upload spooled to a temporary
 * file): the reader works on a duplicate, so the caller keeps and closes fd. */
struct sheet_reader *sheet_open_fd(int fd, char *err, size_t errlen);

/* The same for len bytes at data. The data is referenced, not copied: it must stay
 * unchanged until sheet_close. */
struct sheet_reader *sheet_open_mem(const void *data, size_t len, char *err, size_t errlen);

/* Reads the next row: returns 1 with *cells pointing at *ncells NUL-terminated strings
 * (owned by the reader, valid until the next call or sheet_close), 0 at the end, -1 on an
 * error (sheet_error says why, with the row number). After 0 or -1 it keeps returning
 * the same. */
int sheet_next(struct sheet_reader *r, const char *const **cells, size_t *ncells);

/* 1-based row number of the row just returned, as Excel shows it; 0 before the first. */
long sheet_row(const struct sheet_reader *r);

/* How far through the input the reader is, 0..1, for progress bars. */
double sheet_progress(const struct sheet_reader *r);

/* Why sheet_next returned -1 ("" if it has not). Owned by the reader. */
const char *sheet_error(const struct sheet_reader *r);

/* Frees the reader and everything it returned. NULL is fine. */
void sheet_close(struct sheet_reader *r);

#endif
