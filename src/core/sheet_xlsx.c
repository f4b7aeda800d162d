/*
 * sheet_xlsx.c - reading the first worksheet of an XLSX file (sheet_in.h has the API).
 *
 * libzip opens the archive and inflates one part at a time; expat parses each part as a
 * stream. xl/workbook.xml names the first sheet, xl/_rels/workbook.xml.rels says which
 * part holds it (and the shared strings and styles), xl/styles.xml says which cell
 * formats are dates, xl/sharedStrings.xml is loaded whole (capped), and the worksheet is
 * parsed a row at a time: the parser is suspended at each </row> and resumed by the next
 * sheet_next.
 *
 * The file is hostile until proven otherwise: the bytes inflated from all parts are
 * capped (a zip bomb stops there), as are the shared strings' memory, the number of
 * formats, rows, columns and cell lengths; a DOCTYPE is refused (no entity expansion).
 */
#include "app.h"
#include "core/sheet_int.h"

#include <ctype.h>
#include <expat.h>
#include <math.h>
#include <zip.h>

#define XLSX_CHUNK (64 * 1024)
#define XLSX_MAX_TOTAL ((uint64_t)512 << 20) /* bytes inflated from all parts */
#define XLSX_MAX_PART ((uint64_t)64 << 20)   /* for each part read whole (not the sheet) */
#define XLSX_MAX_SST ((size_t)256 << 20)     /* shared strings: text and index */
#define XLSX_MAX_RAW (16 * SHEET_MAX_CELL)   /* text of one cell before _xHHHH_ decoding */
#define XLSX_MAX_XF 65536                    /* cell formats */
#define XLSX_MAX_NUMFMT 4096                 /* custom number formats */
#define XLSX_MAX_ROW 1048576                 /* Excel's last row */
#define XLSX_MAX_COL 16384                   /* Excel's last column, XFD */
#define SST_TOO_LONG 0x80000000u             /* in sst_off: the string is too long for a cell */

struct numfmt {
    unsigned id;
    bool date;
};

struct xlsx_in {
    zip_t *za;
    uint64_t inflated; /* bytes read from all parts, against XLSX_MAX_TOTAL */
    bool date1904;
    /* Shared strings: string i is the NUL-terminated text at sst.data + sst_off[i]. */
    struct buf sst;
    uint32_t *sst_off;
    size_t nsst, sst_cap;
    /* Cell formats (cellXfs): their number format ids, then whether each shows a date. */
    unsigned *xf_fmt;
    bool *xf_date;
    size_t nxf, xf_cap;
    struct numfmt *fmts;
    size_t nfmts;
    /* The worksheet. */
    zip_file_t *ws;
    uint64_t ws_size, ws_read;
    XML_Parser xp;
    char *chunk;
    bool suspended, at_eof, finished;
    bool in_data, in_row, in_c, in_v, in_is, in_t;
    int in_rph;
    long row_num;   /* the row being parsed */
    long ready_row; /* a finished row waiting to be returned, or 0 */
    size_t ready_ncells;
    long col;      /* the cell being parsed, 0-based */
    long last_col; /* -1 at the start of a row */
    char type;     /* 's', 'i' (inlineStr), 'b', 'n', or 'x' (text as is) */
    size_t style;
    bool has_value, overlong;
    struct buf val; /* the cell's text */
    struct buf num; /* a formatted number */
    struct sheet_reader *r;
};

/* What a handler for one part works with; the handlers' user data. */
struct part {
    XML_Parser xp;
    struct xlsx_in *x;
    char err[160];
    /* workbook.xml */
    char *sheet_rid;
    /* workbook.xml.rels */
    const char *want_rid;
    char *sheet_target, *sst_target, *styles_target;
    /* styles.xml */
    int in_xfs;
    /* sharedStrings.xml */
    bool in_si, in_t;
    int in_rph;
    bool overlong;
    struct buf cur;
};

/* ---- XML helpers ---- */

/* The local part of a name: "row" for "x:row". Namespace processing in expat would be
 * stricter but costs about half the parsing time; OOXML's local names are unique enough. */
static const char *local(const char *name)
{
    const char *sp = strrchr(name, ':');
    return sp ? sp + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* Stops the parser of part p with a reason. */
static void part_stop(struct part *p, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void part_stop(struct part *p, const char *fmt, ...)
{
    if (p->err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof(p->err), fmt, ap);
    va_end(ap);
    XML_StopParser(p->xp, XML_FALSE);
}

/* Documents in an XLSX never have a DOCTYPE; refusing it rules out entity tricks. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    part_stop(ud, "a DOCTYPE is not allowed");
}

static XML_Parser parser_new(void *ud, XML_StartElementHandler start, XML_EndElementHandler end,
                             XML_CharacterDataHandler text, XML_StartDoctypeDeclHandler doctype)
{
    XML_Parser xp = XML_ParserCreate(NULL);
    if (!xp)
        BUG("XML_ParserCreate: out of memory");
    XML_SetUserData(xp, ud);
    XML_SetElementHandler(xp, start, end);
    XML_SetCharacterDataHandler(xp, text);
    XML_SetStartDoctypeDeclHandler(xp, doctype);
    return xp;
}

/* Counts n more inflated bytes; false past XLSX_MAX_TOTAL. */
static bool count_inflated(struct xlsx_in *x, zip_int64_t n)
{
    x->inflated += (uint64_t)n;
    return x->inflated <= XLSX_MAX_TOTAL;
}

/* Parses the part called name with p's parser. Returns 0, 1 if there is no such part,
 * or -1 with the reason in err. */
static int part_parse(struct xlsx_in *x, struct part *p, const char *name, char *err, size_t errlen)
{
    zip_int64_t idx = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
    if (idx < 0)
        return 1;
    zip_file_t *zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!zf) {
        snprintf(err, errlen, "%s: %s", name, zip_strerror(x->za));
        return -1;
    }
    int rc = -1;
    uint64_t size = 0;
    for (;;) {
        zip_int64_t n = zip_fread(zf, x->chunk, XLSX_CHUNK);
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", name, zip_file_strerror(zf));
            goto out;
        }
        size += (uint64_t)n;
        if (!count_inflated(x, n) || size > XLSX_MAX_PART) {
            snprintf(err, errlen, "%s: the file inflates to too many bytes", name);
            goto out;
        }
        if (XML_Parse(p->xp, x->chunk, (int)n, n == 0) != XML_STATUS_OK) {
            if (p->err[0])
                snprintf(err, errlen, "%s: %s", name, p->err);
            else
                snprintf(err, errlen, "%s: not valid XML (%s at line %lu)", name,
                         XML_ErrorString(XML_GetErrorCode(p->xp)),
                         (unsigned long)XML_GetCurrentLineNumber(p->xp));
            goto out;
        }
        if (n == 0)
            break;
    }
    rc = 0;
out:
    zip_fclose(zf);
    return rc;
}

/* Decodes OOXML's _xHHHH_ escapes (a character XML cannot hold, e.g. _x000D_) in b. */
static void unescape(struct buf *b)
{
    char *s = b->data, *o = s;
    size_t n = b->len;
    for (size_t i = 0; i < n;) {
        unsigned cp = 0;
        if (s[i] == '_' && i + 6 < n && s[i + 1] == 'x' && s[i + 6] == '_' &&
            isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3]) &&
            isxdigit((unsigned char)s[i + 4]) && isxdigit((unsigned char)s[i + 5])) {
            char hex[5] = {s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0};
            cp = (unsigned)strtoul(hex, NULL, 16);
        }
        if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
            *o++ = s[i++];
            continue;
        }
        if (cp < 0x80) {
            *o++ = (char)cp;
        } else if (cp < 0x800) {
            *o++ = (char)(0xc0 | cp >> 6);
            *o++ = (char)(0x80 | (cp & 0x3f));
        } else {
            *o++ = (char)(0xe0 | cp >> 12);
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
            *o++ = (char)(0x80 | (cp & 0x3f));
        }
        i += 7;
    }
    b->len = (size_t)(o - s);
    b->data[b->len] = '\0';
}

/* ---- workbook.xml and its relationships ---- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct part *p = ud;
    const char *el = local(name), *v;
    if (strcmp(el, "sheet") == 0 && !p->sheet_rid) {
        v = attr(atts, "id");
        if (!v)
            part_stop(p, "the first sheet has no id");
        else
            p->sheet_rid = xstrdup(v);
    } else if (strcmp(el, "workbookPr") == 0 && (v = attr(atts, "date1904"))) {
        p->x->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    }
}

/* Where a relationship target in xl/_rels/workbook.xml.rels points, as a part name. */
static char *rel_target(const char *t)
{
    if (t[0] == '/')
        return xstrdup(t + 1);
    char *s;
    if (asprintf(&s, "xl/%s", t) < 0)
        BUG("asprintf: out of memory");
    return s;
}

static bool ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct part *p = ud;
    if (strcmp(local(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    if (!id || !type || !target)
        return;
    if (strcmp(id, p->want_rid) == 0 && !p->sheet_target) {
        if (!ends_with(type, "/worksheet"))
            part_stop(p, "the first sheet is not a worksheet (a chart?)");
        else
            p->sheet_target = rel_target(target);
    } else if (ends_with(type, "/sharedStrings") && !p->sst_target) {
        p->sst_target = rel_target(target);
    } else if (ends_with(type, "/styles") && !p->styles_target) {
        p->styles_target = rel_target(target);
    }
}

/* ---- styles.xml: which cell formats are dates ---- */

/* Built-in number formats that show dates (and times, which are left as numbers when
 * they have no day part). */
static bool builtin_date(unsigned id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
           (id >= 50 && id <= 58);
}

/* A custom format code shows a date if it has y or d, or m without h or s (which would
 * make it minutes), outside quoted text, escapes and [brackets]. */
static bool code_is_date(const char *f)
{
    bool yd = false, m = false, hs = false;
    for (; *f; f++) {
        if (*f == '"' || *f == '[') {
            f = strchr(f + 1, *f == '"' ? '"' : ']');
            if (!f)
                break;
            continue;
        }
        if ((*f == '\\' || *f == '_' || *f == '*') && f[1]) {
            f++;
            continue;
        }
        int c = tolower((unsigned char)*f);
        if (c == 'y' || c == 'd')
            yd = true;
        else if (c == 'm')
            m = true;
        else if (c == 'h' || c == 's')
            hs = true;
    }
    return yd || (m && !hs);
}

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct part *p = ud;
    struct xlsx_in *x = p->x;
    const char *el = local(name);
    if (strcmp(el, "cellXfs") == 0) {
        p->in_xfs++;
    } else if (strcmp(el, "xf") == 0 && p->in_xfs) {
        if (x->nxf == XLSX_MAX_XF) {
            part_stop(p, "more than %d cell formats", XLSX_MAX_XF);
            return;
        }
        if (x->nxf == x->xf_cap) {
            x->xf_cap = x->xf_cap ? 2 * x->xf_cap : 64;
            x->xf_fmt = xrealloc(x->xf_fmt, x->xf_cap * sizeof(*x->xf_fmt));
        }
        const char *id = attr(atts, "numFmtId");
        x->xf_fmt[x->nxf++] = id ? (unsigned)strtoul(id, NULL, 10) : 0;
    } else if (strcmp(el, "numFmt") == 0) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (!id || !code)
            return;
        if (x->nfmts == XLSX_MAX_NUMFMT) {
            part_stop(p, "more than %d number formats", XLSX_MAX_NUMFMT);
            return;
        }
        x->fmts = xrealloc(x->fmts, (x->nfmts + 1) * sizeof(*x->fmts));
        x->fmts[x->nfmts++] =
            (struct numfmt){.id = (unsigned)strtoul(id, NULL, 10), .date = code_is_date(code)};
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    struct part *p = ud;
    if (strcmp(local(name), "cellXfs") == 0 && p->in_xfs)
        p->in_xfs--;
}

/* Turns the formats' ids into one flag per cell format. */
static void styles_resolve(struct xlsx_in *x)
{
    x->xf_date = xcalloc(x->nxf ? x->nxf : 1, sizeof(*x->xf_date));
    for (size_t i = 0; i < x->nxf; i++) {
        unsigned id = x->xf_fmt[i];
        bool date = builtin_date(id);
        for (size_t k = 0; k < x->nfmts; k++)
            if (x->fmts[k].id == id)
                date = x->fmts[k].date;
        x->xf_date[i] = date;
    }
}

/* ---- sharedStrings.xml ---- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct part *p = ud;
    const char *el = local(name);
    if (strcmp(el, "si") == 0) {
        p->in_si = true;
        p->overlong = false;
        buf_reset(&p->cur);
    } else if (strcmp(el, "rPh") == 0) {
        p->in_rph++; /* phonetic hints are not part of the text */
    } else if (strcmp(el, "t") == 0 && p->in_si && !p->in_rph) {
        p->in_t = true;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    struct part *p = ud;
    if (!p->in_t || p->overlong)
        return;
    if (p->cur.len + (size_t)len > XLSX_MAX_RAW)
        p->overlong = true;
    else
        buf_add(&p->cur, s, (size_t)len);
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct part *p = ud;
    struct xlsx_in *x = p->x;
    const char *el = local(name);
    if (strcmp(el, "t") == 0) {
        p->in_t = false;
    } else if (strcmp(el, "rPh") == 0 && p->in_rph) {
        p->in_rph--;
    } else if (strcmp(el, "si") == 0 && p->in_si) {
        p->in_si = false;
        unescape(&p->cur);
        /* A string too long for a cell is kept empty and marked: using it is an error
         * that names the row. */
        bool too_long = p->overlong || p->cur.len > SHEET_MAX_CELL;
        size_t n = too_long ? 0 : p->cur.len;
        if (x->sst.len + n + 1 + (x->nsst + 1) * sizeof(*x->sst_off) > XLSX_MAX_SST) {
            part_stop(p, "the shared strings take more than %zu MiB", XLSX_MAX_SST >> 20);
            return;
        }
        if (x->nsst == x->sst_cap) {
            x->sst_cap = x->sst_cap ? 2 * x->sst_cap : 256;
            x->sst_off = xrealloc(x->sst_off, x->sst_cap * sizeof(*x->sst_off));
        }
        x->sst_off[x->nsst++] = (uint32_t)x->sst.len | (too_long ? SST_TOO_LONG : 0);
        buf_add(&x->sst, p->cur.data, n);
        buf_addch(&x->sst, '\0');
    }
}

/* ---- the worksheet ---- */

static void ws_fail(struct xlsx_in *x, const char *what);

static void XMLCALL ws_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    ws_fail(ud, "a DOCTYPE is not allowed");
}

/* Stops the worksheet parser after r has failed. */
static void ws_stop(struct xlsx_in *x)
{
    XML_StopParser(x->xp, XML_FALSE);
}

static void ws_fail(struct xlsx_in *x, const char *what)
{
    sheet_fail(x->r, "row %ld: %s", x->row_num + (x->in_row ? 0 : 1), what);
    ws_stop(x);
}

/* Parses a cell reference like "C5" into a 0-based column; -1 if it is not one. */
static long ref_col(const char *ref)
{
    long col = 0;
    int n = 0;
    /* At most three letters (XFD); more is not a reference, and must not overflow. */
    for (; *ref >= 'A' && *ref <= 'Z' && n <= 3; ref++, n++)
        col = col * 26 + (*ref - 'A' + 1);
    if (n == 0 || n > 3 || col > XLSX_MAX_COL)
        return -1;
    return col - 1;
}

static void XMLCALL ws_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx_in *x = ud;
    struct sheet_reader *r = x->r;
    const char *el = local(name), *v;
    if (r->state < 0)
        return;
    if (strcmp(el, "sheetData") == 0) {
        x->in_data = true;
    } else if (strcmp(el, "row") == 0 && x->in_data) {
        if (x->in_row) {
            ws_fail(x, "a row inside a row");
            return;
        }
        long num = x->row_num + 1;
        if ((v = attr(atts, "r"))) {
            char *end;
            num = strtol(v, &end, 10);
            if (*end || num <= x->row_num || num > XLSX_MAX_ROW) {
                {
                    ws_fail(x, "rows out of order or past the last row");
                    return;
                }
            }
        }
        x->row_num = r->at = num;
        x->in_row = true;
        x->last_col = -1;
        sheet_row_reset(r);
    } else if (strcmp(el, "c") == 0 && x->in_row) {
        long col = x->last_col + 1;
        if ((v = attr(atts, "r")) && ((col = ref_col(v)) < 0 || col <= x->last_col)) {
            ws_fail(x, "a cell reference is out of order or not valid");
            return;
        }
        x->col = x->last_col = col;
        x->in_c = true;
        x->has_value = x->overlong = false;
        buf_reset(&x->val);
        v = attr(atts, "t");
        x->type = !v || strcmp(v, "n") == 0     ? 'n'
                  : strcmp(v, "s") == 0         ? 's'
                  : strcmp(v, "inlineStr") == 0 ? 'i'
                  : strcmp(v, "b") == 0         ? 'b'
                                                : 'x';
        v = attr(atts, "s");
        x->style = v ? strtoul(v, NULL, 10) : 0;
    } else if (x->in_c && strcmp(el, "v") == 0) {
        x->in_v = x->has_value = true;
    } else if (x->in_c && strcmp(el, "is") == 0) {
        x->in_is = x->has_value = true;
    } else if (x->in_is && strcmp(el, "rPh") == 0) {
        x->in_rph++;
    } else if (x->in_is && !x->in_rph && strcmp(el, "t") == 0) {
        x->in_t = true;
    }
}

static void XMLCALL ws_text(void *ud, const XML_Char *s, int len)
{
    struct xlsx_in *x = ud;
    if (!(x->in_v || x->in_t) || x->overlong || x->r->state < 0)
        return;
    if (x->val.len + (size_t)len > XLSX_MAX_RAW)
        x->overlong = true;
    else
        buf_add(&x->val, s, (size_t)len);
}

/* The text of a number cell: a date as YYYY-MM-DD if its format shows one, a whole
 * number without ".0" or exponent, other numbers to 15 significant digits as Excel shows
 * them; text that is not a number is kept as it is. Returns x->num's data or v. */
static const char *number_text(struct xlsx_in *x, const char *v, bool date)
{
    char *end;
    if (!strchr("+-.0123456789", v[0]) || !v[0] || strpbrk(v, "xXnN"))
        return v;
    double d = strtod(v, &end);
    if (*end || !isfinite(d))
        return v;
    buf_reset(&x->num);
    double days = floor(d) + (x->date1904 ? 1462 : 0);
    if (date && days >= 1 && days < 2958466) {
        if (days == 60) {
            buf_addstr(&x->num, "1900-02-29"); /* Excel's leap-year bug: a day that never was */
            return x->num.data;
        }
        int y, m, dd;
        /* Serial 61 is 1900-03-01, 25569 days before 1970; below 60, one day less. */
        civil_from_days((int64_t)days - 25569 + (days < 60 ? 1 : 0), &y, &m, &dd);
        buf_printf(&x->num, "%04d-%02d-%02d", y, m, dd);
    } else if (d == floor(d) && fabs(d) < 9007199254740992.0) {
        buf_printf(&x->num, "%.0f", d + 0.0);
    } else {
        buf_printf(&x->num, "%.15g", d);
    }
    return x->num.data;
}

/* Adds the finished cell to the row, after empty cells for any gap before it. */
static void ws_cell(struct xlsx_in *x)
{
    struct sheet_reader *r = x->r;
    const char *text = x->val.data;
    bool too_long = x->overlong;
    char col[8];
    sheet_col_name((size_t)x->col, col);
    if (x->col >= SHEET_MAX_COLS) {
        sheet_fail(r, "row %ld: more than %d columns", x->row_num, SHEET_MAX_COLS);
        ws_stop(x);
        return;
    }
    switch (x->type) {
    case 's': {
        char *end;
        unsigned long i = strtoul(text, &end, 10);
        if (!isdigit((unsigned char)text[0]) || *end || i >= x->nsst) {
            sheet_fail(r, "row %ld, column %s: no such shared string", x->row_num, col);
            ws_stop(x);
            return;
        }
        text = x->sst.data + (x->sst_off[i] & ~SST_TOO_LONG);
        too_long = x->sst_off[i] & SST_TOO_LONG;
        break;
    }
    case 'i':
        unescape(&x->val);
        break;
    case 'b':
        text = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
        break;
    case 'n':
        text = number_text(x, text, x->style < x->nxf && x->xf_date[x->style]);
        break;
    }
    size_t n = strlen(text);
    if (too_long || n > SHEET_MAX_CELL) {
        sheet_fail(r, "row %ld, column %s: a cell is longer than %d bytes", x->row_num, col,
                   SHEET_MAX_CELL);
    } else if (!sheet_utf8_ok(text, n)) {
        sheet_fail(r, "row %ld, column %s: the text is not valid UTF-8", x->row_num, col);
    } else {
        while (r->ncells < (size_t)x->col)
            if (sheet_cell_end(r) < 0)
                break;
        if (r->state == 0 && sheet_cell_add(r, text, n) == 0)
            sheet_cell_end(r);
    }
    if (r->state < 0)
        ws_stop(x);
}

static void XMLCALL ws_end(void *ud, const XML_Char *name)
{
    struct xlsx_in *x = ud;
    const char *el = local(name);
    if (x->r->state < 0)
        return;
    if (strcmp(el, "v") == 0) {
        x->in_v = false;
    } else if (strcmp(el, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(el, "rPh") == 0 && x->in_rph) {
        x->in_rph--;
    } else if (strcmp(el, "is") == 0) {
        x->in_is = false;
    } else if (strcmp(el, "c") == 0 && x->in_c) {
        x->in_c = x->in_v = x->in_is = x->in_t = false;
        x->in_rph = 0;
        if (x->has_value)
            ws_cell(x);
    } else if (strcmp(el, "row") == 0 && x->in_row) {
        x->in_row = false;
        x->ready_row = x->row_num;
        x->ready_ncells = x->r->ncells;
        XML_StopParser(x->xp, XML_TRUE); /* sheet_next returns it; the next one resumes */
    } else if (strcmp(el, "sheetData") == 0) {
        x->in_data = false;
    }
}

int xlsx_next(struct sheet_reader *r)
{
    struct xlsx_in *x = r->xlsx;
    for (;;) {
        if (x->ready_row) {
            if (r->row + 1 < x->ready_row) {
                r->row++; /* a row the file leaves out: empty */
                r->ncells = 0;
                return 1;
            }
            r->row = x->ready_row;
            r->ncells = x->ready_ncells;
            x->ready_row = 0;
            sheet_row_done(r);
            return 1;
        }
        if (x->finished)
            return 0;
        enum XML_Status st;
        if (x->suspended) {
            st = XML_ResumeParser(x->xp);
        } else {
            zip_int64_t n = zip_fread(x->ws, x->chunk, XLSX_CHUNK);
            if (n < 0)
                return sheet_fail(r, "row %ld: %s", x->row_num + 1, zip_file_strerror(x->ws));
            x->ws_read += (uint64_t)n;
            if (!count_inflated(x, n))
                return sheet_fail(r, "row %ld: the file inflates to more than %d MiB",
                                  x->row_num + 1, (int)(XLSX_MAX_TOTAL >> 20));
            x->at_eof = n == 0;
            st = XML_Parse(x->xp, x->chunk, (int)n, x->at_eof);
        }
        if (st == XML_STATUS_ERROR) {
            if (r->state < 0)
                return -1;
            return sheet_fail(r, "row %ld: the worksheet is not valid XML (%s at line %lu)",
                              x->row_num + (x->in_row ? 0 : 1),
                              XML_ErrorString(XML_GetErrorCode(x->xp)),
                              (unsigned long)XML_GetCurrentLineNumber(x->xp));
        }
        x->suspended = st == XML_STATUS_SUSPENDED;
        if (!x->suspended && x->at_eof)
            x->finished = true;
    }
}

/* ---- opening ---- */

/* Reads the workbook's parts and opens the first worksheet. 0 or -1 with err. */
static int xlsx_load(struct xlsx_in *x, char *err, size_t errlen)
{
    struct part p = {.x = x};
    int rc = -1;
    buf_init(&p.cur);
    x->chunk = xmalloc(XLSX_CHUNK);

    p.xp = parser_new(&p, wb_start, NULL, NULL, on_doctype);
    int found = part_parse(x, &p, "xl/workbook.xml", err, errlen);
    XML_ParserFree(p.xp);
    if (found != 0 || !p.sheet_rid) {
        if (found >= 0)
            snprintf(err, errlen, "not an Excel workbook: %s",
                     found ? "no xl/workbook.xml" : "it has no sheets");
        goto out;
    }

    p.want_rid = p.sheet_rid;
    p.xp = parser_new(&p, rels_start, NULL, NULL, on_doctype);
    found = part_parse(x, &p, "xl/_rels/workbook.xml.rels", err, errlen);
    XML_ParserFree(p.xp);
    if (found != 0 || !p.sheet_target) {
        if (found >= 0)
            snprintf(err, errlen, "not an Excel workbook: the first sheet's part is not named");
        goto out;
    }

    p.xp = parser_new(&p, styles_start, styles_end, NULL, on_doctype);
    found = part_parse(x, &p, p.styles_target ? p.styles_target : "xl/styles.xml", err, errlen);
    XML_ParserFree(p.xp);
    if (found < 0)
        goto out;
    styles_resolve(x);

    p.xp = parser_new(&p, sst_start, sst_end, sst_text, on_doctype);
    found = part_parse(x, &p, p.sst_target ? p.sst_target : "xl/sharedStrings.xml", err, errlen);
    XML_ParserFree(p.xp);
    if (found < 0)
        goto out;

    zip_int64_t idx = zip_name_locate(x->za, p.sheet_target, ZIP_FL_NOCASE);
    zip_stat_t st;
    if (idx < 0 || !(x->ws = zip_fopen_index(x->za, (zip_uint64_t)idx, 0))) {
        snprintf(err, errlen, "%s: %s", p.sheet_target,
                 idx < 0 ? "the first worksheet is missing" : zip_strerror(x->za));
        goto out;
    }
    if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
        x->ws_size = st.size;
    x->xp = parser_new(x, ws_start, ws_end, ws_text, ws_doctype);
    rc = 0;
out:
    free(p.sheet_rid);
    free(p.sheet_target);
    free(p.sst_target);
    free(p.styles_target);
    buf_release(&p.cur);
    return rc;
}

static struct xlsx_in *xlsx_new(struct sheet_reader *r)
{
    struct xlsx_in *x = xcalloc(1, sizeof(*x));
    buf_init(&x->sst);
    buf_init(&x->val);
    buf_init(&x->num);
    x->r = r;
    r->xlsx = x;
    return x;
}

int xlsx_open_file(struct sheet_reader *r, const char *path, char *err, size_t errlen)
{
    struct xlsx_in *x = xlsx_new(r);
    int ze = 0;
    x->za = zip_open(path, ZIP_RDONLY, &ze);
    if (!x->za) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        snprintf(err, errlen, "not a readable XLSX file: %s", zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    return xlsx_load(x, err, errlen);
}

int xlsx_open_fp(struct sheet_reader *r, FILE *f, char *err, size_t errlen)
{
    struct xlsx_in *x = xlsx_new(r);
    zip_error_t e;
    zip_error_init(&e);
    zip_source_t *src = zip_source_filep_create(f, 0, -1, &e);
    if (!src)
        fclose(f);
    else if (!(x->za = zip_open_from_source(src, ZIP_RDONLY, &e)))
        zip_source_free(src);
    if (!x->za) {
        snprintf(err, errlen, "not a readable XLSX file: %s", zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    zip_error_fini(&e);
    return xlsx_load(x, err, errlen);
}

int xlsx_open_mem(struct sheet_reader *r, const void *data, size_t len, char *err, size_t errlen)
{
    struct xlsx_in *x = xlsx_new(r);
    zip_error_t e;
    zip_error_init(&e);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &e);
    if (src && !(x->za = zip_open_from_source(src, ZIP_RDONLY, &e)))
        zip_source_free(src);
    if (!x->za) {
        snprintf(err, errlen, "not a readable XLSX file: %s", zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    zip_error_fini(&e);
    return xlsx_load(x, err, errlen);
}

double xlsx_progress(const struct xlsx_in *x)
{
    return x->ws_size ? (double)x->ws_read / (double)x->ws_size : 0;
}

void xlsx_free(struct xlsx_in *x)
{
    if (!x)
        return;
    if (x->xp)
        XML_ParserFree(x->xp);
    if (x->ws)
        zip_fclose(x->ws);
    if (x->za)
        zip_discard(x->za);
    buf_release(&x->sst);
    buf_release(&x->val);
    buf_release(&x->num);
    free(x->sst_off);
    free(x->xf_fmt);
    free(x->xf_date);
    free(x->fmts);
    free(x->chunk);
    free(x);
}
