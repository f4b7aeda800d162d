/*
 * fuzz_sheet_xlsx.c - the XLSX reader (core/sheet_in.h) on damaged archives: the input
 * always starts with "PK\3\4" so it reaches libzip and the XML parsers. The same checks
 * as fuzz_sheet_csv: no crash, and every row returned keeps the header's promises.
 */
#include "app.h"
#include "core/sheet_in.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = xmalloc(size + 4);
    memcpy(buf, "PK\3\4", 4);
    memcpy(buf + 4, data, size);
    /* Seeds are whole files: skip their own signature instead of doubling it. */
    if (size >= 4 && memcmp(data, "PK\3\4", 4) == 0)
        fuzz_sheet_check(data, size);
    else
        fuzz_sheet_check(buf, size + 4);
    free(buf);
    return 0;
}
