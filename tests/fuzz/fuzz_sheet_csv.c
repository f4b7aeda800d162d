/*
 * fuzz_sheet_csv.c - the CSV reader (core/sheet_in.h) on arbitrary bytes: it must not
 * crash, and whatever it returns keeps the promises of the header: valid UTF-8 without
 * NUL, cells within SHEET_MAX_CELL, rows within SHEET_MAX_COLS, row numbers one by one,
 * progress within 0..1. Inputs starting with "PK\3\4" go to the XLSX reader instead.
 */
#include "app.h"
#include "core/sheet_in.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_sheet_check(data, size);
    return 0;
}
