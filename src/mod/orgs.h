/*
 * orgs.h - the organisation tree (orgs.c): levels, inserting an organisation,
 * paths. Reading a path is the core's (org_path, core/auth.h).
 */
#ifndef ZHIBU_MOD_ORGS_H
#define ZHIBU_MOD_ORGS_H

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

#endif
