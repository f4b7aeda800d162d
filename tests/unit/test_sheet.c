/* test_sheet.c - src/core/sheet_in.c, sheet_xlsx.c, sheet_out.c: CSV and XLSX in and out. */
#include "app.h"
#include "unit.h"
#include "core/sheet_in.h"
#include "core/sheet_out.h"

#include <iconv.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

/* Every row of r as "row:cell|cell|...\n"; "ERR row...: why" at an error. Closes r. */
static char *dump(struct sheet_reader *r)
{
    struct buf b;
    const char *const *cells;
    size_t n;
    int rc;
    buf_init(&b);
    long last = 0;
    while ((rc = sheet_next(r, &cells, &n)) > 0) {
        assert_int_equal(sheet_row(r), last + 1);
        last = sheet_row(r);
        double p = sheet_progress(r);
        assert_true(p >= 0 && p <= 1);
        buf_printf(&b, "%ld:", sheet_row(r));
        for (size_t i = 0; i < n; i++)
            buf_printf(&b, "%s%s", i ? "|" : "", cells[i]);
        buf_addch(&b, '\n');
    }
    if (rc < 0)
        buf_printf(&b, "ERR %s", sheet_error(r));
    else
        assert_true(sheet_progress(r) == 1);
    assert_int_equal(sheet_next(r, &cells, &n), rc); /* the end or the error sticks */
    sheet_close(r);
    return buf_detach(&b, NULL);
}

static char *dump_mem(const char *s, size_t n)
{
    char err[256] = "";
    struct sheet_reader *r = sheet_open_mem(s, n, err, sizeof(err));
    if (!r) {
        char *e = NULL;
        if (asprintf(&e, "OPEN %s", err) < 0)
            abort();
        return e;
    }
    return dump(r);
}

static char *dump_file(const char *path)
{
    char err[256] = "";
    struct sheet_reader *r = sheet_open_file(path, err, sizeof(err));
    if (!r) {
        char *e = NULL;
        if (asprintf(&e, "OPEN %s", err) < 0)
            abort();
        return e;
    }
    return dump(r);
}

/* As the upload spooler leaves it: an unnamed file written through fd, its offset at the end. */
static char *dump_fd(const void *data, size_t n)
{
    char *dir = unit_tmpdir(), err[256] = "";
    int fd = tmpfile_in(dir);
    assert_true(fd >= 0);
    assert_true(write_all(fd, data, n));
    struct sheet_reader *r = sheet_open_fd(fd, err, sizeof(err));
    char *got = NULL;
    if (!r) {
        if (asprintf(&got, "OPEN %s", err) < 0)
            abort();
    } else {
        got = dump(r);
    }
    /* The reader had its own descriptor: fd is still the caller's. */
    assert_int_equal(close(fd), 0);
    unit_rmdir(dir);
    return got;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[4096];
    size_t got;
    assert_non_null(f);
    buf_init(&b);
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, got);
    fclose(f);
    return buf_detach(&b, n);
}

/* Every way in: from memory, from a file's descriptor, and from a file. */
#define assert_csv(input, want)                                                                    \
    do {                                                                                           \
        char *got_ = dump_mem(input, sizeof(input) - 1);                                           \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
        got_ = dump_fd(input, sizeof(input) - 1);                                                  \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
        char *dir_ = unit_tmpdir(), *path_ = unit_path(dir_, "t.csv");                             \
        write_file(path_, input, sizeof(input) - 1);                                               \
        got_ = dump_file(path_);                                                                   \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
        free(path_);                                                                               \
        unit_rmdir(dir_);                                                                          \
    } while (0)

/* Quotes, "" escapes, line breaks inside quotes, CRLF, LF and CR. */
static void test_csv_rfc4180(void **state)
{
    (void)state;
    assert_csv("a,b,c\r\n1,2,3\r\n", "1:a|b|c\n2:1|2|3\n");
    assert_csv("a,b\n1,2", "1:a|b\n2:1|2\n"); /* LF, no newline at the end */
    assert_csv("a,b\r1,2\r", "1:a|b\n2:1|2\n");
    assert_csv("\"x,y\",\"say \"\"hi\"\"\",\"\"\n", "1:x,y|say \"hi\"|\n");
    assert_csv("\"two\r\nlines\",b\r\nnext,row\r\n", "1:two\r\nlines|b\n2:next|row\n");
    assert_csv(" a , b ", "1: a | b \n");         /* nothing trimmed */
    assert_csv("ab\"c,\"d\"e\n", "1:ab\"c|de\n"); /* stray quotes as Excel */
    assert_csv("", "");
    assert_csv("\n", "1:\n");
    assert_csv(",", "1:|\n");
}

/* A BOM goes, blank lines are rows without cells, ragged rows stay ragged. */
static void test_csv_bom_empty_ragged(void **state)
{
    (void)state;
    assert_csv("\xef\xbb\xbf姓名,电话\r\n\r\n张三,13800000001,extra\r\n\r\n李四\r\n",
               "1:姓名|电话\n2:\n3:张三|13800000001|extra\n4:\n5:李四\n");
    /* A record with a line break inside is one row, as Excel numbers it. */
    assert_csv("\"a\nb\nc\",x\ny\n", "1:a\nb\nc|x\n2:y\n");
}

/* Converts UTF-8 to GBK with iconv; the caller frees. */
static char *to_gbk(const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t il = strlen(utf8), ol = 2 * il + 4;
    char *out = xmalloc(ol), *op = out, *ip = (char *)utf8;
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    *outlen = (size_t)(op - out);
    return out;
}

/* Excel on Chinese Windows saves GBK; it reads back as UTF-8, also across chunk edges. */
static void test_csv_gbk(void **state)
{
    (void)state;
    const char *text = "姓名,身份证号,党支部\r\n张三,110101199003071234,\"第一党支部,北村\"\r\n";
    size_t n;
    char *gbk = to_gbk(text, &n);
    assert_true(n < strlen(text)); /* really GBK: two bytes a character */
    char *got = dump_mem(gbk, n);
    assert_string_equal(got, "1:姓名|身份证号|党支部\n2:张三|110101199003071234|第一党支部,北村\n");
    free(got);
    free(gbk);

    /* 30,000 rows: characters cut at every possible place by the 64 KiB chunks. */
    struct buf u, want;
    buf_init(&u);
    buf_init(&want);
    for (int i = 0; i < 30000; i++) {
        buf_printf(&u, "%d,王小明%s,村\r\n", i, i % 3 ? "" : "乙");
        buf_printf(&want, "%d:%d|王小明%s|村\n", i + 1, i, i % 3 ? "" : "乙");
    }
    gbk = to_gbk(u.data, &n);
    char *dir = unit_tmpdir(), *path = unit_path(dir, "gbk.csv");
    write_file(path, gbk, n);
    got = dump_file(path);
    assert_string_equal(got, want.data);
    free(got);
    got = dump_mem(gbk, n);
    assert_string_equal(got, want.data);
    free(got);
    /* The same text as UTF-8 crosses the chunk edges too. */
    write_file(path, u.data, u.len);
    got = dump_file(path);
    assert_string_equal(got, want.data);
    free(got);
    free(gbk);
    free(path);
    unit_rmdir(dir);
    buf_release(&u);
    buf_release(&want);
}

/* Bad input is an error naming the row, never a crash or a cut value. */
static void test_csv_errors(void **state)
{
    (void)state;
    char *got = dump_mem("a\n\"open,b\nc\n", 12);
    assert_string_equal(got, "1:a\nERR row 2: a quoted cell is never closed");
    free(got);

    struct buf b;
    buf_init(&b);
    buf_addstr(&b, "ok\nx,");
    for (int i = 0; i < SHEET_MAX_CELL + 1; i++)
        buf_addch(&b, 'y');
    got = dump_mem(b.data, b.len);
    assert_string_equal(got, "1:ok\nERR row 2, column B: a cell is longer than 4000 bytes");
    free(got);

    buf_reset(&b);
    for (int i = 0; i < SHEET_MAX_COLS; i++)
        buf_addch(&b, ',');
    got = dump_mem(b.data, b.len);
    assert_string_equal(got, "ERR row 1: more than 256 columns");
    free(got);

    got = dump_mem("a\nb\0c\n", 6);
    assert_string_equal(got, "1:a\nERR row 2: the text has a NUL byte");
    free(got);

    /* Much valid UTF-8 with one bad byte is damaged UTF-8, not GB18030. */
    buf_reset(&b);
    for (int i = 0; i < 50; i++)
        buf_addstr(&b, "张三,李四\n");
    buf_addstr(&b, "bad\xff\n");
    got = dump_mem(b.data, b.len);
    assert_non_null(strstr(got, "50:张三|李四\nERR row 51: the text is not valid UTF-8"));
    free(got);

    got = dump_mem("\xff\xfe"
                   "a\0",
                   4);
    assert_string_equal(got, "OPEN UTF-16 text is not supported: save the sheet as CSV or XLSX");
    free(got);
    got = dump_file("/nonexistent/x.csv");
    assert_non_null(strstr(got, "OPEN /nonexistent/x.csv: "));
    free(got);
    buf_release(&b);
}

/* A workbook as Excel writes it (shared strings), made with libxlsxwriter. */
static char *make_xlsx(const char *dir)
{
    char *path = unit_path(dir, "in.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "名册");
    workbook_add_worksheet(wb, "second"); /* only the first is read */
    lxw_format *ymd = workbook_add_format(wb);
    format_set_num_format(ymd, "yyyy\"年\"m\"月\"d\"日\"");
    lxw_format *builtin = workbook_add_format(wb);
    format_set_num_format_index(builtin, 14);
    lxw_format *time = workbook_add_format(wb);
    format_set_num_format(time, "hh:mm");
    worksheet_write_string(ws, 0, 0, "姓名", NULL);
    worksheet_write_string(ws, 0, 1, "电话", NULL);
    worksheet_write_string(ws, 0, 3, "入党日期", NULL); /* D1, with C1 a gap */
    worksheet_write_string(ws, 1, 0, "张三", NULL);
    worksheet_write_number(ws, 1, 1, 13800000001.0, NULL);
    worksheet_write_number(ws, 1, 2, 3.25, NULL);
    lxw_datetime dt = {.year = 2019, .month = 7, .day = 1};
    worksheet_write_datetime(ws, 1, 3, &dt, ymd);
    /* row 3 left out: an empty row */
    worksheet_write_boolean(ws, 3, 0, 1, NULL);
    worksheet_write_number(ws, 3, 1, 61, builtin); /* 1900-03-01 */
    worksheet_write_number(ws, 3, 2, 59, builtin); /* 1900-02-28 */
    worksheet_write_number(ws, 3, 3, 0.5, time);   /* a time, not a date */
    worksheet_write_number(ws, 3, 4, -0.0, NULL);
    worksheet_write_string(ws, 4, 1, "a,\"b\"\nc", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

static void test_xlsx_read(void **state)
{
    (void)state;
    char *dir = unit_tmpdir(), *path = make_xlsx(dir);
    const char *want = "1:姓名|电话||入党日期\n"
                       "2:张三|13800000001|3.25|2019-07-01\n"
                       "3:\n"
                       "4:TRUE|1900-03-01|1900-02-28|0.5|0\n"
                       "5:|a,\"b\"\nc\n";
    char *got = dump_file(path);
    assert_string_equal(got, want);
    free(got);
    size_t n;
    char *data = read_file(path, &n);
    got = dump_mem(data, n);
    assert_string_equal(got, want);
    free(got);
    got = dump_fd(data, n);
    assert_string_equal(got, want);
    free(got);

    /* Cut short: libzip cannot find the directory at the end. */
    got = dump_mem(data, n / 2);
    assert_non_null(strstr(got, "OPEN not a readable XLSX file: "));
    free(got);
    got = dump_fd(data, n / 2);
    assert_non_null(strstr(got, "OPEN not a readable XLSX file: "));
    free(got);
    /* A zip signature and nothing of a zip after it. */
    got = dump_mem("PK\3\4 this is not a zip file at all", 35);
    assert_non_null(strstr(got, "OPEN not a readable XLSX file: "));
    free(got);
    free(data);
    free(path);
    unit_rmdir(dir);
}

/* An XLSX cell over the limit is an error naming the row and column. */
static void test_xlsx_long_cell(void **state)
{
    (void)state;
    char *dir = unit_tmpdir(), *path = unit_path(dir, "long.xlsx");
    char *big = xmalloc(SHEET_MAX_CELL + 2);
    memset(big, 'x', SHEET_MAX_CELL + 1);
    big[SHEET_MAX_CELL + 1] = '\0';
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    worksheet_write_string(ws, 0, 0, "ok", NULL);
    worksheet_write_string(ws, 1, 2, big, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *got = dump_file(path);
    assert_string_equal(got, "1:ok\nERR row 2, column C: a cell is longer than 4000 bytes");
    free(got);
    free(big);
    free(path);
    unit_rmdir(dir);
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL_TYPE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

/* Reads an XLSX made of a worksheet (sheet_xml) and optional shared strings and styles,
 * or with a workbook and relationships of its own; the rows as dump() gives them. */
static char *dump_parts(const char *sheet_xml, const char *sst, const char *styles,
                        const char *workbook, const char *rels)
{
    char *dir = unit_tmpdir(), *path = unit_path(dir, "t.xlsx");
    const char *parts[][2] = {
        {"xl/workbook.xml",
         workbook ? workbook
                  : "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"
                    "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/_rels/workbook.xml.rels",
         rels ? rels
              : "<Relationships><Relationship Id=\"rId1\" Type=\"" REL_TYPE
                "worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"},
        {"xl/worksheets/sheet1.xml", sheet_xml},
        {"xl/sharedStrings.xml", sst},
        {"xl/styles.xml", styles},
    };
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        if (!parts[i][1])
            continue;
        zip_source_t *src = zip_source_buffer(z, parts[i][1], strlen(parts[i][1]), 0);
        assert_true(zip_file_add(z, parts[i][0], src, 0) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    char *got = dump_file(path);
    free(path);
    unit_rmdir(dir);
    return got;
}

#define WS(rows) "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>" rows "</sheetData></worksheet>"

/* What Excel and other writers put in files: prefixes, phonetic hints, escapes, the 1904
 * date system, custom date formats, rows and cells without references. */
static void test_xlsx_parts(void **state)
{
    (void)state;
    const char *sst = "<x:sst xmlns:x=\"" NS_MAIN "\"><x:si><x:t>张三</x:t></x:si>"
                      "<x:si><x:r><x:t>王</x:t></x:r><x:r><x:t xml:space=\"preserve\"> 五_x000D_"
                      "</x:t></x:r><x:rPh><x:t>wang</x:t></x:rPh></x:si></x:sst>";
    const char *styles =
        "<styleSheet xmlns=\"" NS_MAIN "\"><numFmts>"
        "<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;\"/>"
        "<numFmt numFmtId=\"165\" formatCode=\"[h]:mm:ss\"/>"
        "<numFmt numFmtId=\"166\" formatCode=\"0.00&quot;d&quot;\"/>"
        "</numFmts><cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs>"
        "<xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/>"
        "<xf numFmtId=\"166\"/></cellXfs></styleSheet>";
    const char *wb = "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><workbookPr "
                     "date1904=\"1\"/><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/>"
                     "</sheets></workbook>";
    char *got = dump_parts("<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData>"
                           "<x:row><x:c t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>1</x:v></x:c>"
                           "</x:row><x:row r=\"3\"><x:c r=\"B3\" s=\"1\"><x:v>0</x:v></x:c>"
                           "<x:c s=\"2\"><x:v>1.5</x:v></x:c><x:c s=\"3\"><x:v>2.5</x:v></x:c>"
                           "<x:c s=\"0\"><x:v>1E-3</x:v></x:c><x:c r=\"Z3\"/></x:row>"
                           "</x:sheetData></x:worksheet>",
                           sst, styles, wb, NULL);
    assert_string_equal(got, "1:张三|王 五\r\n2:\n3:|1904-01-01|1.5|2.5|0.001\n");
    free(got);
}

/* Hostile or broken parts give an error that says where, never a crash. */
static void test_xlsx_hostile(void **state)
{
    (void)state;
    char *got = dump_parts("<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>" WS(
                               "<row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row>"),
                           NULL, NULL, NULL, NULL);
    assert_string_equal(got, "ERR row 1: a DOCTYPE is not allowed");
    free(got);
    got = dump_parts(WS(""), "<!DOCTYPE sst><sst/>", NULL, NULL, NULL);
    assert_string_equal(got, "OPEN xl/sharedStrings.xml: a DOCTYPE is not allowed");
    free(got);
    got = dump_parts(WS("<row><c t=\"s\"><v>0</v></c></row><row><c t=\"s\"><v>7</v></c></row>"),
                     "<sst><si><t>a</t></si></sst>", NULL, NULL, NULL);
    assert_string_equal(got, "1:a\nERR row 2, column A: no such shared string");
    free(got);
    got = dump_parts(WS("<row r=\"2\"><c r=\"B2\"><v>1</v></c><c r=\"A2\"><v>2</v></c></row>"),
                     NULL, NULL, NULL, NULL);
    assert_string_equal(got, "ERR row 2: a cell reference is out of order or not valid");
    free(got);
    got = dump_parts(WS("<row r=\"2\"/><row r=\"2\"/>"), NULL, NULL, NULL, NULL);
    assert_string_equal(got, "1:\n2:\nERR row 3: rows out of order or past the last row");
    free(got);
    got = dump_parts(WS("<row><c r=\"IW1\"><v>1</v></c></row>"), NULL, NULL, NULL, NULL);
    assert_string_equal(got, "ERR row 1: more than 256 columns");
    free(got);
    got = dump_parts(WS("<row><c><v>1</v></c>"), NULL, NULL, NULL, NULL);
    assert_non_null(strstr(got, "ERR row 1: the worksheet is not valid XML"));
    free(got);
    got = dump_parts(WS(""), NULL, NULL, "<workbook><sheets/></workbook>", NULL);
    assert_string_equal(got, "OPEN not an Excel workbook: it has no sheets");
    free(got);
    got = dump_parts(WS(""), NULL, NULL, NULL,
                     "<Relationships><Relationship Id=\"rId1\" Type=\"" REL_TYPE
                     "chartsheet\" Target=\"c.xml\"/></Relationships>");
    assert_string_equal(got, "OPEN xl/_rels/workbook.xml.rels: the first sheet is not a "
                             "worksheet (a chart?)");
    free(got);
}

static void test_neutralise(void **state)
{
    (void)state;
    struct arena *a = &unit_arena;
    assert_string_equal(sheet_neutralise(a, "=1+2"), "'=1+2");
    assert_string_equal(sheet_neutralise(a, "+86 138"), "'+86 138");
    assert_string_equal(sheet_neutralise(a, "-5"), "'-5");
    assert_string_equal(sheet_neutralise(a, "@SUM(A1)"), "'@SUM(A1)");
    assert_string_equal(sheet_neutralise(a, "\tx"), "'\tx");
    assert_string_equal(sheet_neutralise(a, "\rx"), "'\rx");
    assert_string_equal(sheet_neutralise(a, "张三=1"), "张三=1");
    assert_string_equal(sheet_neutralise(a, ""), "");
    assert_string_equal(sheet_neutralise(a, NULL), "");
}

static const char *const rt_rows[][6] = {
    {"姓名", "电话", "备注", "", "公式", "空"},
    {"张三", "13800000001", "逗号,在里面", "", "=HYPERLINK(\"x\")", NULL},
    {"李四", "+8613800000002", "引号\"在\"里面", "两行\r\n文字", "@cmd", "-1"},
    {"王五", "", "换行\n", "\t缩进", "'已有撇号", "最后"},
};

/* Writes rt_rows in fmt and reads them back: the cells, neutralised. */
static void round_trip(enum sheet_format fmt, const char *name)
{
    char *dir = unit_tmpdir(), *path = unit_path(dir, name);
    char err[256];
    struct sheet_writer *w = sheet_writer_open(path, fmt, "党员名册", err, sizeof(err));
    assert_non_null(w);
    sheet_write_header(w, rt_rows[0], 6);
    for (size_t i = 1; i < ARRAY_SIZE(rt_rows); i++)
        sheet_write_row(w, rt_rows[i], 6);
    sheet_write_row(w, NULL, 0);
    assert_int_equal(sheet_writer_close(w, err, sizeof(err)), 0);

    struct sheet_reader *r = sheet_open_file(path, err, sizeof(err));
    assert_non_null(r);
    const char *const *cells;
    size_t n;
    for (size_t i = 0; i < ARRAY_SIZE(rt_rows); i++) {
        assert_int_equal(sheet_next(r, &cells, &n), 1);
        size_t want = 6;
        while (fmt == SHEET_XLSX && want && (!rt_rows[i][want - 1] || !*rt_rows[i][want - 1]))
            want--; /* XLSX keeps no empty cells at the end */
        assert_int_equal(n, want);
        for (size_t k = 0; k < n; k++) {
            const char *c = sheet_neutralise(&unit_arena, rt_rows[i][k]);
            assert_string_equal(cells[k], c);
        }
    }
    if (fmt == SHEET_CSV) { /* an XLSX file keeps no empty row at the end */
        assert_int_equal(sheet_next(r, &cells, &n), 1);
        assert_int_equal(n, 0);
    }
    assert_int_equal(sheet_next(r, &cells, &n), 0);
    sheet_close(r);
    free(path);
    unit_rmdir(dir);
}

static void test_round_trip_csv(void **state)
{
    (void)state;
    round_trip(SHEET_CSV, "out.csv");
    /* The bytes: BOM, CRLF, quotes only where needed, apostrophes. */
    char *dir = unit_tmpdir(), *path = unit_path(dir, "b.csv");
    char err[256];
    struct sheet_writer *w = sheet_writer_open(path, SHEET_CSV, NULL, err, sizeof(err));
    const char *row[] = {"a", "b,c", "=1", "say \"x\"", NULL};
    sheet_write_row(w, row, 5);
    assert_int_equal(sheet_writer_close(w, err, sizeof(err)), 0);
    size_t n;
    char *data = read_file(path, &n);
    assert_string_equal(data, "\xef\xbb\xbf"
                              "a,\"b,c\",\"'=1\",\"say \"\"x\"\"\",\r\n");
    free(data);
    free(path);
    unit_rmdir(dir);
}

static void test_round_trip_xlsx(void **state)
{
    (void)state;
    round_trip(SHEET_XLSX, "out.xlsx");
}

static void test_writer_errors(void **state)
{
    (void)state;
    char err[256];
    assert_null(sheet_writer_open("/nonexistent/x.csv", SHEET_CSV, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/x.csv"));
    char *dir = unit_tmpdir(), *path = unit_path(dir, "x.xlsx");
    assert_null(sheet_writer_open(path, SHEET_XLSX, "bad[name]", err, sizeof(err)));
    assert_non_null(strstr(err, "bad[name]"));
    free(path);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_rfc4180),
        cmocka_unit_test(test_csv_bom_empty_ragged),
        cmocka_unit_test(test_csv_gbk),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_xlsx_read),
        cmocka_unit_test(test_xlsx_long_cell),
        cmocka_unit_test(test_xlsx_parts),
        cmocka_unit_test(test_xlsx_hostile),
        cmocka_unit_test_setup_teardown(test_neutralise, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_csv, unit_arena_setup, unit_arena_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_xlsx, unit_arena_setup,
                                        unit_arena_teardown),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
