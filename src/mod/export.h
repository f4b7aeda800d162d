/*
 * export.h - the roster export (export.c), for the API and the command line
 * (zhibu export).
 */
#ifndef ZHIBU_MOD_EXPORT_H
#define ZHIBU_MOD_EXPORT_H

struct sheet_writer;

/* Rows of the subtree of org_path in roster order with the template's
 * columns (so a file can be imported again); ID number, phone and address
 * masked unless full. status: as the roster's filter. */
struct export_members {
    struct db *db;
    const char *org_path;
    const char *status;
    bool full;
    long rows; /* out */
};
/* A sheet_fill callback (core/sheet_out.h); ctx is a struct export_members. */
void export_members_fill(struct sheet_writer *w, void *ctx);

#endif
