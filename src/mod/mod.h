/*
 * mod.h - what the domain modules share with each other and with routes.c:
 * their route tables and the few helpers another module calls.
 */
#ifndef ZHIBU_MOD_H
#define ZHIBU_MOD_H

extern const struct route account_routes[];
extern const struct route orgs_routes[];
extern const struct route roles_routes[];
extern const struct route members_routes[];
extern const struct route audit_routes[];

/* Organisation levels, NULL-terminated (for P_ENUM). */
extern const char *const org_levels[];
/* Whether an organisation of level child may sit under one of level parent
 * (parent NULL: as a root). */
bool org_level_fits(const char *parent, const char *child);
/* Inserts an organisation under parent (0 and ppath "/" for a root) and
 * returns its id, 0 on failure; *path_out gets its path (arena). */
int64_t org_insert(struct db *db, struct arena *a, int64_t parent, const char *ppath,
                   const char *name, const char *level, const char **path_out);
/* Writes [{id,name,level},...] for the ids on a materialised path. */
void org_write_path(struct db *db, struct jw *j, const char *path);
/* Upper bound of the subtree range for a path: "/1/12/" -> "/1/120". */
char *org_path_end(struct arena *a, const char *path);

/*
 * Member counts kept on the tree (orgs.members_total): every change that adds
 * or removes a member with status normal, or moves one between branches,
 * calls org_members_adjust() in the same transaction (delta +1/-1, on the
 * member's branch and, when set, party group). org_members_recount()
 * recomputes every total from the members table (bulk loads, repairs).
 */
void org_members_adjust(struct db *db, int64_t org_id, int64_t group_id, int64_t delta);
int org_members_recount(struct db *db);

/* Writes the "me" object of an account (GET /me, login). */
void account_write_me(struct req *req, struct jw *j, const struct principal *p);

#endif
