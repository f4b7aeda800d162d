/*
 * cli.h - the zhibu subcommands and what they share: option parsing and
 * opening a data directory.
 */
#ifndef ZHIBU_CLI_H
#define ZHIBU_CLI_H

/* Options as "--name value" or "--name=value"; flags take no value. */
struct cli_opt {
    const char *name; /* without the dashes */
    bool flag;
    const char *value; /* set by cli_parse; "1" for a present flag */
};

/* Parses argv[1..] into opts (ended by {NULL}); -1 with a message on stderr. */
int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts);
const char *cli_get(const struct cli_opt *opts, const char *name);

/* Resolves the data directory and the configuration (flags > env > conf file
 * > defaults) into cfg. data_flag may be NULL. */
int cli_config(const char *data_flag, const char *listen_flag);
/*
 * Opens the data directory in cfg: creates it (mode 0700) if create, loads
 * or creates the personal-data key, opens DATA/zhibu.db and migrates it.
 * Prints the reason on stderr and returns NULL on failure.
 */
struct db *cli_open_data(bool create);
/* The database file inside the data directory. */
const char *cli_db_path(void);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_routes(int argc, char **argv);

#endif
