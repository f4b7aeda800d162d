/*
 * org_counts.h - the statistics counters kept on the organisation tree
 * (org_counts.c), written in the transaction of the change they count.
 */
#ifndef ZHIBU_MOD_ORG_COUNTS_H
#define ZHIBU_MOD_ORG_COUNTS_H

struct member_rec;

/*
 * org_counts_member adds delta for every dimension of m on its branch and
 * all ancestors, and to the member totals on the tree (orgs.members_total;
 * members_rec.c calls it for every member write); org_counts_add one
 * dimension value along a path; org_counts_event counts an event in the
 * month of t; org_counts_move carries an organisation's counts from one
 * parent path to another; org_counts_recount rebuilds everything but the
 * transfer events, the member totals included (bulk loads, repairs).
 */
void org_counts_member(struct db *db, const struct member_rec *m, int64_t delta);
void org_counts_add(struct db *db, const char *path, const char *dim, const char *key,
                    int64_t delta);
void org_counts_event(struct db *db, const char *path, const char *dim, int64_t t);
void org_counts_move(struct db *db, int64_t org_id, const char *old_parent_path,
                     const char *new_parent_path);
int org_counts_recount(struct db *db);
/*
 * org_counts_account adds delta times the access figures of an account
 * (dims 'access': accounts, activated, acted; 'acted_day': the Beijing day
 * of its last action) on its member's branch and every ancestor, when it
 * belongs to a member on a roster and is not disabled. A write that changes
 * an account's member, activation, disabling or last action calls it with -1
 * before and +1 after (an account just made or linked: +1 after);
 * org_counts_member counts the member's account with the member.
 */
void org_counts_account(struct db *db, int64_t account, int64_t delta);
/* Adds delta to members_total of every organisation on path (moving a subtree). */
void org_total_add(struct db *db, const char *path, int64_t delta);

#endif
