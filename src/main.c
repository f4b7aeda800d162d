/*
 * main.c - the zhibu command: dispatches to the subcommands in src/cli/.
 */
#include "app.h"
#include "cli/cli.h"

#include <sys/stat.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", cmd_serve, "run the HTTP server"},
    {"migrate", cmd_migrate, "create or upgrade the database schema"},
    {"demo", cmd_demo, "create a demo county in a new data directory"},
    {"user", cmd_user, "create accounts, reset passwords, grant and revoke roles"},
    {"org", cmd_org, "create and list organisations"},
    {"backup", cmd_backup, "write a consistent online copy of the database"},
    {"restore", cmd_restore, "install a backup as the database (checked, atomic)"},
    {"import", cmd_import, "import a roster from CSV or XLSX (all rows or none)"},
    {"export", cmd_export, "write a roster to XLSX or CSV"},
    {"audit", cmd_audit, "verify the audit log's hash chain"},
    {"routes", cmd_routes, "print the route table and the permission table (--json)"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "zhibu %s - the online party branch server\n\n"
            "usage: zhibu COMMAND [options]\n\ncommands:\n",
            ZHIBU_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --data DIR (default ./data, or $ZHIBU_DATA) and --help.\n"
               "zhibu COMMAND --help explains one command.\n");
}

int main(int argc, char **argv)
{
    /* Every file zhibu writes (the store and its WAL, backups, exports, the
     * temporary files of imports and exports) may hold personal data: only
     * the account that runs zhibu reads them. */
    umask(077);
    if (argc < 2) {
        fprintf(stderr, "zhibu: missing command (see zhibu --help)\n");
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("zhibu %s\n", ZHIBU_VERSION);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "zhibu: unknown command '%s' (see zhibu --help)\n", argv[1]);
    return 2;
}
