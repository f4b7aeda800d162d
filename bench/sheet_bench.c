/*
 * sheet_bench.c - how fast core/sheet_in and core/sheet_out go, on a roster-like sheet.
 *
 *   build/sheet_bench [ROWS] [XLSX_ROWS] [DIR]
 *
 * (defaults: 1000000, 500000, $TMPDIR or /tmp). Writes ROWS rows of 12 short fields (Chinese names,
 * ids, phones, dates, an address with a comma in quotes) as UTF-8 CSV, converts it to GBK with
 * iconv, then times: reading the UTF-8 CSV, reading the GBK CSV, writing it as CSV and (its first
 * XLSX_ROWS rows) as XLSX with sheet_out, and reading that XLSX. XLSX_ROWS is smaller because the
 * reader stops at 512 MiB of inflated XML, about 800,000 such rows as sheet_out writes them. Every
 * read runs the whole API (open, encoding scan, every row). The files are removed at the end. See
 * docs/BENCHMARKS.md.
 */
#include "app.h"
#include "core/sheet_in.h"
#include "core/sheet_out.h"

#include <iconv.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[] = {"张三", "李四", "王五", "赵六", "钱七", "孙八"};

static void make_csv(const char *path, long rows)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        BUG("%s: %s", path, strerror(errno));
    fputs("姓名,性别,民族,出生日期,身份证号,电话,学历,入党日期,党支部,职务,地址,备注\r\n", f);
    for (long i = 0; i < rows; i++)
        fprintf(f,
                "%s,男,汉族,1980-01-%02ld,11010119800101%04ld,138%08ld,高中,2005-07-01,"
                "第%ld支部,党员,\"村%ld号, 北区\",\r\n",
                names[i % 6], i % 28 + 1, i % 10000, i, i % 50, i % 300);
    fclose(f);
}

static void to_gbk(const char *from, const char *to)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    static char ib[1 << 16], ob[1 << 17];
    size_t n, left = 0;
    if (cd == (iconv_t)-1 || !in || !out)
        BUG("to_gbk: %s", strerror(errno));
    while ((n = fread(ib + left, 1, sizeof(ib) - left, in)) > 0) {
        char *ip = ib, *op = ob;
        size_t il = left + n, ol = sizeof(ob);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != EINVAL)
            BUG("iconv: %s", strerror(errno));
        fwrite(ob, 1, (size_t)(op - ob), out);
        memmove(ib, ip, il);
        left = il;
    }
    iconv_close(cd);
    fclose(in);
    fclose(out);
}

static double file_mb(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
}

/* CPU time of this process in microseconds: steadier than the wall clock on a shared VM. */
static int64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t t0, c0;

static void start(void)
{
    t0 = mono_us();
    c0 = cpu_us();
}

static void report(const char *what, const char *path, long rows)
{
    double s = (double)(mono_us() - t0) / 1e6, c = (double)(cpu_us() - c0) / 1e6;
    printf("| %-22s | %8.1f MB | %9ld | %7.2f s | %7.2f s | %10.0f |\n", what, file_mb(path), rows,
           s, c, (double)rows / c);
    fflush(stdout);
}

/* Reads every row of path; returns the number of rows. */
static long read_all(const char *path)
{
    char err[256];
    struct sheet_reader *r = sheet_open_file(path, err, sizeof(err));
    if (!r)
        BUG("%s: %s", path, err);
    const char *const *cells;
    size_t n;
    long rows = 0;
    int rc;
    while ((rc = sheet_next(r, &cells, &n)) > 0)
        rows++;
    if (rc < 0)
        BUG("%s: %s", path, sheet_error(r));
    sheet_close(r);
    return rows;
}

/* Copies the first max rows of from into a new file to; returns the number of rows. */
static long convert(const char *from, const char *to, enum sheet_format fmt, long max)
{
    char err[256];
    struct sheet_reader *r = sheet_open_file(from, err, sizeof(err));
    struct sheet_writer *w = sheet_writer_open(to, fmt, "名册", err, sizeof(err));
    if (!r || !w)
        BUG("%s: %s", to, err);
    const char *const *cells;
    size_t n;
    long rows = 0;
    while (rows < max && sheet_next(r, &cells, &n) > 0) {
        if (rows++ == 0)
            sheet_write_header(w, cells, n);
        else
            sheet_write_row(w, cells, n);
    }
    sheet_close(r);
    if (sheet_writer_close(w, err, sizeof(err)) < 0)
        BUG("%s: %s", to, err);
    return rows;
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 1000000;
    long xrows = argc > 2 ? atol(argv[2]) : 500000;
    const char *dir = argc > 3 ? argv[3] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char utf8[512], gbk[512], csv[512], xlsx[512];
    snprintf(utf8, sizeof(utf8), "%s/sheet-bench-utf8.csv", dir);
    snprintf(gbk, sizeof(gbk), "%s/sheet-bench-gbk.csv", dir);
    snprintf(csv, sizeof(csv), "%s/sheet-bench-out.csv", dir);
    snprintf(xlsx, sizeof(xlsx), "%s/sheet-bench-out.xlsx", dir);
    make_csv(utf8, rows);
    to_gbk(utf8, gbk);

    printf("| %-22s | %11s | %9s | %9s | %9s | %10s |\n", "step", "file", "rows", "wall", "CPU",
           "rows/CPU s");
    printf(
        "|------------------------|-------------|-----------|-----------|-----------|------------|"
        "\n");
    start();
    long n = read_all(utf8);
    report("read CSV (UTF-8)", utf8, n);
    start();
    n = read_all(gbk);
    report("read CSV (GBK)", gbk, n);
    start();
    n = convert(utf8, csv, SHEET_CSV, LONG_MAX);
    report("read CSV + write CSV", csv, n);
    start();
    n = convert(utf8, xlsx, SHEET_XLSX, xrows);
    report("read CSV + write XLSX", xlsx, n);
    start();
    n = read_all(xlsx);
    report("read XLSX", xlsx, n);

    unlink(utf8);
    unlink(gbk);
    unlink(csv);
    unlink(xlsx);
    return 0;
}
