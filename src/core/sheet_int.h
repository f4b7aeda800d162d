/*
 * sheet_int.h - what sheet_in.c (the API and CSV) and sheet_xlsx.c (XLSX) share. Only
 * those two files include it; everyone else uses sheet_in.h.
 */
#ifndef ZHIBU_SHEET_INT_H
#define ZHIBU_SHEET_INT_H

#include "core/sheet_in.h"

struct csv_in;
struct xlsx_in;

struct sheet_reader {
    struct csv_in *csv; /* exactly one of csv and xlsx is set */
    struct xlsx_in *xlsx;
    long row;  /* the row just returned */
    long at;   /* the row being read, for error messages */
    int state; /* 0 reading, 1 at the end, -1 failed */
    char err[256];
    /* The row being built: each cell's bytes and a NUL in cells, starting at off[i]. */
    struct buf cells;
    size_t off[SHEET_MAX_COLS + 1];
    const char *cellv[SHEET_MAX_COLS];
    size_t ncells;
};

/* Records the reason (printf-style), marks r failed and returns -1. */
int sheet_fail(struct sheet_reader *r, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Empties the row being built. */
void sheet_row_reset(struct sheet_reader *r);
/* Appends n bytes to the cell being built; -1 (r failed) if it gets too long. */
int sheet_cell_add(struct sheet_reader *r, const char *s, size_t n);
/* Finishes the cell being built; -1 (r failed) past SHEET_MAX_COLS cells. */
int sheet_cell_end(struct sheet_reader *r);
/* Points cellv at the finished cells. */
void sheet_row_done(struct sheet_reader *r);

/* Writes Excel's name for the 0-based column col ("A", "Z", "AA", ...) into out. */
void sheet_col_name(size_t col, char out[8]);

/* True if s[0..n) is valid UTF-8 without NUL bytes. */
bool sheet_utf8_ok(const char *s, size_t n);

/* Open the XLSX at path / in len bytes at data (referenced, not copied) into r; 0, or -1
 * with the reason in err (r is then closed by the caller). */
int xlsx_open_file(struct sheet_reader *r, const char *path, char *err, size_t errlen);
/* Takes f (closed with the reader, also on failure). */
int xlsx_open_fp(struct sheet_reader *r, FILE *f, char *err, size_t errlen);
int xlsx_open_mem(struct sheet_reader *r, const void *data, size_t len, char *err, size_t errlen);
/* Builds the next row in r: 1, 0 at the end, -1 on an error (r failed). */
int xlsx_next(struct sheet_reader *r);
double xlsx_progress(const struct xlsx_in *x);
void xlsx_free(struct xlsx_in *x);

#endif
