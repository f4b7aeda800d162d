#include "app.h"
#include "cli/cli.h"
#include "db/migrate.h"

#include <sys/stat.h>

int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "zhibu %s: unexpected argument '%s' (see zhibu %s --help)\n", cmd, a,
                    cmd);
            return -1;
        }
        a += 2;
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        struct cli_opt *o = opts;
        while (o->name && (strlen(o->name) != n || strncmp(o->name, a, n)))
            o++;
        if (!o->name) {
            fprintf(stderr, "zhibu %s: unknown option --%.*s (see zhibu %s --help)\n", cmd, (int)n,
                    a, cmd);
            return -1;
        }
        if (o->flag) {
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "zhibu %s: --%s needs a value\n", cmd, o->name);
            return -1;
        }
    }
    return 0;
}

const char *cli_get(const struct cli_opt *opts, const char *name)
{
    for (; opts->name; opts++)
        if (!strcmp(opts->name, name))
            return opts->value;
    BUG("option %s not declared", name);
}

int cli_config(const char *data_flag, const char *listen_flag)
{
    config_defaults(&cfg);
    const char *data = data_flag ? data_flag : getenv("ZHIBU_DATA");
    if (data && *data)
        snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", data);
    char path[600], err[700];
    snprintf(path, sizeof(path), "%s/zhibu.conf", cfg.data_dir);
    if (config_load_file(&cfg, path, err, sizeof(err)) != 0 ||
        config_check(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "zhibu: %s\n", err);
        return -1;
    }
    const char *listen = listen_flag ? listen_flag : getenv("ZHIBU_LISTEN");
    if (listen && *listen && !config_set_listen(&cfg, listen)) {
        fprintf(stderr, "zhibu: bad listen address '%s' (expected HOST:PORT)\n", listen);
        return -1;
    }
    const char *web = getenv("ZHIBU_WEB");
    if (web && *web)
        snprintf(cfg.web_root, sizeof(cfg.web_root), "%s", web);
    log_set_level(cfg.log_level);
    return 0;
}

const char *cli_db_path(void)
{
    static char path[600];
    snprintf(path, sizeof(path), "%s/zhibu.db", cfg.data_dir);
    return path;
}

struct db *cli_open_data(bool create)
{
    struct stat st;
    if (stat(cfg.data_dir, &st) != 0) {
        if (!create || mkdir(cfg.data_dir, 0700) != 0) {
            fprintf(stderr, "zhibu: data directory %s: %s\n", cfg.data_dir, strerror(errno));
            return NULL;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "zhibu: %s is not a directory\n", cfg.data_dir);
        return NULL;
    }
    char err[700];
    audit_init(cfg.data_dir);
    if (pdata_init(cfg.data_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "zhibu: %s\n", err);
        return NULL;
    }
    struct db *db = db_open(cli_db_path(), err, sizeof(err));
    if (!db) {
        fprintf(stderr, "zhibu: %s\n", err);
        return NULL;
    }
    int applied;
    if (migrate_run(db, &applied, err, sizeof(err)) != 0) {
        fprintf(stderr, "zhibu: %s\n", err);
        db_close(db);
        return NULL;
    }
    if (applied)
        log_info("applied %d migration(s); schema version %d", applied, migrate_latest());
    return db;
}
