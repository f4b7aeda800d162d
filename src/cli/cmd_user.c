/*
 * cmd_user.c - zhibu user (accounts and roles) and zhibu org (organisations)
 * from the command line, for operators setting up a deployment.
 */
#include "app.h"
#include "cli/cli.h"
#include "mod/access.h"
#include "mod/org_counts.h"
#include "mod/orgs.h"

/* Audits a command-line change (actor 0: the operator at the console). */
static void cli_audit(struct db *db, const char *action, int64_t org, const char *target,
                      const char *detail)
{
    struct audit_row row = {.at = now_sec(),
                            .org_id = org,
                            .action = action,
                            .target = target,
                            .result = "ok",
                            .detail = detail,
                            .ip = "cli"};
    audit_append(db, &row);
}

/* The password from --password: "-" reads a line from stdin; none makes one up. */
static const char *password_arg(const char *v, char *buf, size_t n, bool *generated)
{
    *generated = false;
    if (v && strcmp(v, "-"))
        return v;
    if (v) {
        if (!fgets(buf, (int)n, stdin))
            return NULL;
        buf[strcspn(buf, "\r\n")] = '\0';
        return buf;
    }
    random_password(buf, n < 13 ? n : 13);
    *generated = true;
    return buf;
}

static int user_help(void)
{
    printf("usage: zhibu user SUBCOMMAND [--data DIR] options\n\n"
           "  create  --phone P --name N [--password PW|-] [--member ID]\n"
           "          [--org ID --role ROLE]      create an account (a password is made up\n"
           "                                      and printed when none is given; with\n"
           "                                      --member, the account made for that roster\n"
           "                                      member gets the phone and password)\n"
           "  passwd  --phone P [--password PW|-]  reset a password; ends its sessions\n"
           "  grant   --phone P --org ID --role ROLE\n"
           "  revoke  --phone P --org ID --role ROLE\n"
           "  disable --phone P                   block logins and end its sessions\n"
           "  enable  --phone P\n"
           "  show    --phone P                   the account and its roles\n"
           "  totp-reset --phone P                turn off the TOTP second factor of an\n"
           "                                      account that lost its phone and recovery\n"
           "                                      codes (it enrols again at the next login)\n\n"
           "--password - reads the password from standard input.\n"
           "Roles: member, branch_secretary, branch_committee, org_admin, auditor,\n"
           "       safety_officer, system_admin. A role reaches the organisation's subtree.\n");
    return 0;
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return argc < 2 ? (user_help(), 2) : user_help();
    const char *sub = argv[1];
    struct cli_opt opts[] = {{"data"}, {"phone"}, {"name"},       {"password"}, {"member"},
                             {"org"},  {"role"},  {"help", true}, {NULL}};
    if (cli_parse("user", argc - 1, argv + 1, opts))
        return 2;
    if (cli_get(opts, "help"))
        return user_help();
    if (cli_config(cli_get(opts, "data"), NULL))
        return 2;
    const char *phone = cli_get(opts, "phone");
    if (!valid_phone(phone)) {
        fprintf(stderr, "zhibu user: --phone must be an 11-digit mobile number\n");
        return 2;
    }
    int64_t org = 0, member = 0;
    const char *org_s = cli_get(opts, "org"), *member_s = cli_get(opts, "member");
    if (org_s && (!parse_i64(org_s, strlen(org_s), &org) || org <= 0)) {
        fprintf(stderr, "zhibu user: --org must be an organisation id\n");
        return 2;
    }
    if (member_s && (!parse_i64(member_s, strlen(member_s), &member) || member <= 0)) {
        fprintf(stderr, "zhibu user: --member must be a member id\n");
        return 2;
    }
    enum role role = ROLE__COUNT;
    if (cli_get(opts, "role") && (role = role_parse(cli_get(opts, "role"))) == ROLE__COUNT) {
        fprintf(stderr, "zhibu user: unknown role '%s'\n", cli_get(opts, "role"));
        return 2;
    }
    struct db *db = cli_open_data(!strcmp(sub, "create"));
    if (!db)
        return 1;
    auth_init(1);
    int rc = 1;
    char pwbuf[200];
    bool generated;
    struct arena a;
    arena_init(&a);
    db_begin(db, true);
    int64_t account = account_find_by_phone(db, phone);
    const char *target = arena_printf(&a, "account:%" PRId64, account);
    if (strcmp(sub, "create") && !account) {
        fprintf(stderr, "zhibu user %s: no account has phone %s\n", sub, phone);
        goto out;
    }
    if ((!strcmp(sub, "grant") || !strcmp(sub, "revoke")) || (role != ROLE__COUNT)) {
        if (!org || role == ROLE__COUNT || !org_path(db, &a, org)) {
            fprintf(stderr,
                    "zhibu user %s: needs --org ID of an existing organisation and --role\n", sub);
            goto out;
        }
    }
    if (!strcmp(sub, "create")) {
        const char *name = cli_get(opts, "name");
        long chars = name ? utf8_chars(name, strlen(name)) : -1;
        if (chars < 1 || chars > 40) {
            fprintf(stderr, "zhibu user create: --name is required (1 to 40 characters)\n");
            goto out;
        }
        if (account) {
            fprintf(stderr, "zhibu user create: an account with phone %s exists\n", phone);
            goto out;
        }
        const char *pw = password_arg(cli_get(opts, "password"), pwbuf, sizeof(pwbuf), &generated);
        if (!pw || utf8_chars(pw, strlen(pw)) < 8) {
            fprintf(stderr, "zhibu user create: the password needs at least 8 characters\n");
            goto out;
        }
        /* A member on a roster has an account already, made for them and not
         * activated: it gets this phone, name and password. */
        int64_t roster = 0;
        if (member)
            db_get_int(db, &roster,
                       "SELECT id FROM accounts WHERE member_id = ? AND activated_at IS NULL", "i",
                       member);
        if (roster) {
            org_counts_account(db, roster, -1); /* activated now (access figures) */
            bool ok =
                access_account_phone(db, &a, roster, phone) &&
                !db_exec(db, "UPDATE accounts SET name = ? WHERE id = ?", "si", name, roster) &&
                !account_set_password(db, roster, pw);
            org_counts_account(db, roster, +1);
            account = ok ? roster : 0;
        } else {
            account = account_create(db, phone, name, pw, member);
            if (account)
                org_counts_account(db, account, +1);
        }
        if (!account) {
            fprintf(stderr,
                    "zhibu user create: cannot create the account (member %" PRId64
                    " missing or linked already?)\n",
                    member);
            goto out;
        }
        target = arena_printf(&a, "account:%" PRId64, account);
        cli_audit(db, "account.create", org, target, "from the command line");
        if (role != ROLE__COUNT) {
            role_grant(db, account, org, role, 0);
            cli_audit(db, "role.grant", org, target, role_names[role]);
        }
        printf("created account %" PRId64 " for %s", account, phone);
        if (generated)
            printf(" with password %s", pw);
        printf("\n");
    } else if (!strcmp(sub, "passwd")) {
        const char *pw = password_arg(cli_get(opts, "password"), pwbuf, sizeof(pwbuf), &generated);
        if (!pw || utf8_chars(pw, strlen(pw)) < 8) {
            fprintf(stderr, "zhibu user passwd: the password needs at least 8 characters\n");
            goto out;
        }
        org_counts_account(db, account, -1); /* a first password activates */
        account_set_password(db, account, pw);
        org_counts_account(db, account, +1);
        session_revoke_all(db, account, 0);
        cli_audit(db, "account.password", account_home_org(db, account), target,
                  "reset from the command line");
        printf("password of %s reset%s%s\n", phone, generated ? " to " : "", generated ? pw : "");
    } else if (!strcmp(sub, "grant")) {
        if (!role_grant(db, account, org, role, 0)) {
            fprintf(stderr, "zhibu user grant: %s already has %s on %" PRId64 "\n", phone,
                    role_names[role], org);
            goto out;
        }
        cli_audit(db, "role.grant", org, target, role_names[role]);
        printf("granted %s on organisation %" PRId64 " to %s\n", role_names[role], org, phone);
    } else if (!strcmp(sub, "revoke")) {
        int64_t now = now_sec();
        auth_changed(db);
        db_exec(db,
                "UPDATE roles SET deleted_at = ?, updated_at = ?, seq = ? WHERE account_id = ? "
                "AND org_id = ? AND role = ? AND deleted_at IS NULL",
                "iiiiis", now, now, db_next_seq(db), account, org, role_names[role]);
        if (db_changes(db) == 0) {
            fprintf(stderr, "zhibu user revoke: %s has no %s role on %" PRId64 "\n", phone,
                    role_names[role], org);
            goto out;
        }
        cli_audit(db, "role.revoke", org, target, role_names[role]);
        printf("revoked %s on organisation %" PRId64 " from %s\n", role_names[role], org, phone);
    } else if (!strcmp(sub, "disable") || !strcmp(sub, "enable")) {
        bool off = !strcmp(sub, "disable");
        auth_changed(db);
        org_counts_account(db, account, -1); /* a disabled account is not counted */
        db_exec(db, "UPDATE accounts SET disabled_at = ?, updated_at = ?, seq = ? WHERE id = ?",
                "Iiii", off ? now_sec() : 0, now_sec(), db_next_seq(db), account);
        org_counts_account(db, account, +1);
        if (off)
            session_revoke_all(db, account, 0);
        cli_audit(db, off ? "account.disable" : "account.enable", account_home_org(db, account),
                  target, NULL);
        printf("account %s %s\n", phone, off ? "disabled" : "enabled");
    } else if (!strcmp(sub, "totp-reset")) {
        db_exec(db, "DELETE FROM totp_recovery WHERE account_id = ?", "i", account);
        db_exec(db, "DELETE FROM totp_secrets WHERE account_id = ?", "i", account);
        if (db_changes(db) == 0) {
            fprintf(stderr, "zhibu user totp-reset: %s has no second factor\n", phone);
            goto out;
        }
        auth_changed(db);
        cli_audit(db, "account.totp_reset", account_home_org(db, account), target,
                  "second factor turned off from the command line");
        printf("second factor of %s turned off\n", phone);
    } else if (!strcmp(sub, "show")) {
        struct principal p = {.account_id = account};
        principal_load_roles(db, &a, &p);
        struct db_stmt *st = db_query(
            db,
            "SELECT name, disabled_at IS NOT NULL, EXISTS (SELECT 1 FROM totp_secrets t WHERE "
            "t.account_id = accounts.id AND t.active_at IS NOT NULL) FROM accounts WHERE id = ?",
            "i", account);
        if (db_next(st))
            printf("account %" PRId64 ": %s%s%s\n", account, db_text(st, 0),
                   db_int(st, 1) ? " (disabled)" : "", db_int(st, 2) ? " (TOTP on)" : "");
        db_done(st);
        for (size_t i = 0; i < p.nroles; i++)
            printf("  %s on %" PRId64 " %s\n", role_names[p.roles[i].role], p.roles[i].org_id,
                   p.roles[i].org_name);
    } else {
        fprintf(stderr, "zhibu user: unknown subcommand '%s' (see zhibu user --help)\n", sub);
        rc = 2;
        goto out;
    }
    rc = db_commit(db) == DB_OK ? 0 : 1;
    if (rc)
        fprintf(stderr, "zhibu user %s: the change could not be stored\n", sub);
    else
        audit_anchor();
out:
    if (db_in_tx(db))
        db_rollback(db);
    db_close(db);
    arena_release(&a);
    return rc;
}

int cmd_org(int argc, char **argv)
{
    const char *help =
        "usage: zhibu org SUBCOMMAND [--data DIR] options\n\n"
        "  create --name N --level LEVEL [--parent ID]   create an organisation\n"
        "  list   [--parent ID]                          list the children (or roots)\n"
        "  recount                                       recompute every organisation's\n"
        "                                                member count from the members\n\n"
        "Levels: province > city > county > township > general_branch > branch > group.\n"
        "A deployment starts with one root (province, city or county) made here; admins\n"
        "create the rest through the API.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    struct cli_opt opts[] = {{"data"}, {"name"}, {"level"}, {"parent"}, {"help", true}, {NULL}};
    if (cli_parse("org", argc - 1, argv + 1, opts))
        return 2;
    if (cli_get(opts, "help")) {
        fputs(help, stdout);
        return 0;
    }
    if (cli_config(cli_get(opts, "data"), NULL))
        return 2;
    int64_t parent = 0;
    const char *ps = cli_get(opts, "parent");
    if (ps && (!parse_i64(ps, strlen(ps), &parent) || parent <= 0)) {
        fprintf(stderr, "zhibu org: --parent must be an organisation id\n");
        return 2;
    }
    struct db *db = cli_open_data(!strcmp(sub, "create"));
    if (!db)
        return 1;
    struct arena a;
    arena_init(&a);
    int rc = 1;
    if (!strcmp(sub, "recount")) {
        db_begin(db, true);
        org_counts_recount(db); /* the statistics counters and the member totals */
        int64_t n = 0;
        db_get_int(db, &n, "SELECT COUNT(*) FROM orgs", "");
        if (db_commit(db) == DB_OK) {
            printf("recounted the members of %" PRId64 " organisations\n", n);
            rc = 0;
        } else {
            fprintf(stderr, "zhibu org recount: the counts could not be stored\n");
        }
    } else if (!strcmp(sub, "list")) {
        db_begin(db, false);
        struct db_stmt *st = db_query(db,
                                      "SELECT id, level, name, closed_at IS NOT NULL FROM orgs "
                                      "WHERE (parent_id = ? OR (? = 0 AND parent_id IS NULL)) AND "
                                      "deleted_at IS NULL ORDER BY id",
                                      "ii", parent, parent);
        while (db_next(st))
            printf("%" PRId64 "\t%s\t%s%s\n", db_int(st, 0), db_text(st, 1), db_text(st, 2),
                   db_int(st, 3) ? " (closed)" : "");
        db_done(st);
        rc = db_failed(db) ? 1 : 0;
        db_commit(db);
    } else if (!strcmp(sub, "create")) {
        const char *name = cli_get(opts, "name"), *level = cli_get(opts, "level");
        long chars = name ? utf8_chars(name, strlen(name)) : -1;
        if (chars < 1 || chars > 60 || !level) {
            fprintf(stderr, "zhibu org create: --name (1 to 60 characters) and --level needed\n");
            goto out;
        }
        db_begin(db, true);
        const char *ppath = "/", *plevel = NULL;
        if (parent) {
            struct db_stmt *st =
                db_query(db, "SELECT path, level FROM orgs WHERE id = ?", "i", parent);
            ppath = NULL;
            if (db_next(st)) {
                ppath = arena_strdup(&a, db_text(st, 0));
                plevel = arena_strdup(&a, db_text(st, 1));
            }
            db_done(st);
            if (!ppath) {
                fprintf(stderr, "zhibu org create: no organisation %" PRId64 "\n", parent);
                db_rollback(db);
                goto out;
            }
        }
        if (!org_level_fits(plevel, level)) {
            fprintf(stderr, "zhibu org create: a %s cannot be placed %s%s\n", level,
                    plevel ? "under a " : "at the top", plevel ? plevel : "");
            db_rollback(db);
            goto out;
        }
        int64_t id = org_insert(db, &a, parent, ppath, name, level, NULL);
        cli_audit(db, "org.create", id, arena_printf(&a, "org:%" PRId64, id), level);
        if (db_commit(db) == DB_OK) {
            audit_anchor();
            printf("created %s %" PRId64 " %s\n", level, id, name);
            rc = 0;
        } else {
            fprintf(stderr, "zhibu org create: the change could not be stored\n");
        }
    } else {
        fprintf(stderr, "zhibu org: unknown subcommand '%s'\n", sub);
        rc = 2;
    }
out:
    db_close(db);
    arena_release(&a);
    return rc;
}
