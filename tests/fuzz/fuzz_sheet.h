/* fuzz_sheet.h - what both spreadsheet fuzz targets check on every row they read. */
#ifndef ZHIBU_FUZZ_SHEET_H
#define ZHIBU_FUZZ_SHEET_H

/* Valid UTF-8, as sheet_in.h promises (an independent check, not the reader's own). */
static inline bool fuzz_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], cp, len;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07;
        else
            return false;
        if (i + len > n)
            return false;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static inline void fuzz_sheet_check(const uint8_t *data, size_t size)
{
    char err[256];
    struct sheet_reader *r = sheet_open_mem(data, size, err, sizeof(err));
    if (!r) {
        if (!err[0])
            abort(); /* a failure always says why */
        return;
    }
    const char *const *cells;
    size_t n;
    int rc;
    long row = 0;
    while ((rc = sheet_next(r, &cells, &n)) > 0) {
        if (sheet_row(r) != ++row || n > SHEET_MAX_COLS)
            abort();
        double p = sheet_progress(r);
        if (!(p >= 0 && p <= 1))
            abort();
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(cells[i]);
            if (len > SHEET_MAX_CELL || !fuzz_utf8((const unsigned char *)cells[i], len))
                abort();
        }
    }
    if (rc < 0 && strncmp(sheet_error(r), "row ", 4) != 0)
        abort(); /* errors name the row */
    if (sheet_next(r, &cells, &n) != rc)
        abort();
    sheet_close(r);
}

#endif
