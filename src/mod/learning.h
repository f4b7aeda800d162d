/*
 * learning.h - what the two halves of learning share: lessons and courses
 * (learning.c) and question banks, quizzes and exams (learning_quiz.c).
 *
 * Who sees a learning item published on organisation O: everyone inside O's
 * subtree (their member record's branch, or an organisation they hold a role
 * on) and learning.publish on O or above. An item of the staff track (the
 * training for those who run the branch online) reaches only role holders
 * besides "member".
 */
#ifndef ZHIBU_MOD_LEARNING_H
#define ZHIBU_MOD_LEARNING_H

extern const char *const learning_levels[];
extern const char *const learning_tracks[];

/* The caller's reach, for LEARN_SEES_SQL(col) bound "ll" with &inside,
 * manage; staff: the caller holds a role other than member (arena-owned). */
struct learn_scope {
    struct db_list inside;
    const struct db_list *manage;
    bool staff;
};
void learn_scope_of(struct req *req, struct learn_scope *s);
#define LEARN_SEES_SQL(col) AUDIENCE_SQL(col)
/* The same test in C for one item on org_path of the track. */
bool learn_sees(struct req *req, const char *org_path, const char *track);
/* The caller holds a role other than "member" somewhere. */
bool learn_is_staff(const struct principal *p);

/*
 * Review where configured (POST /learning/review): whether an item the
 * caller publishes on path waits for review — an organisation at or above
 * path asks for it and the caller holds no learning.publish there.
 */
bool learn_review_needed(struct req *req, const char *path);

/*
 * An item that may wait for review, as data: its name ("lesson", "course",
 * "bank", "quiz": the audit's), the SQL giving 1 when item ? waits, the SQL
 * deciding it (bound: approve, note, reviewer, now, seq, id), the SQL setting
 * its publication time (now, id) if it has one, the error when it does not
 * wait, and what answers the item.
 */
struct learn_review_kind {
    const char *name, *waiting, *decide, *published;
    int not_waiting;
    int (*respond)(struct req *req, int64_t id, int status);
};
/* Publishes (approve) or sends back with the body's reason the item the
 * dispatcher found (req->obj); audited; answers the item. */
int learn_review_decide(struct req *req, const struct learn_review_kind *k, bool approve);
/* The body of a reject route: {reason}. */
extern const struct param learn_reject_body[];
/* Lists the banks (banks) or quizzes waiting for review under path after id
 * after into pg (learning_quiz.c, for GET /learning/reviews); the status. */
int learn_quiz_reviews(struct req *req, struct page *pg, const char *path, int64_t after,
                       bool banks);

/*
 * A question of a bank as entered (JSON or a sheet's row). learn_question_check()
 * checks it against its type (a choice has 2 to LEARN_MAX_OPTIONS options and its
 * answer letters among them, one for single; true/false 对/错, true/false, 正确/错误,
 * √/×, 是/否; fill-in any text, alternatives separated by |) and sets *key to the
 * answer as stored (letters upper case in order, "true"/"false", the text; arena);
 * NULL when it is fine, else why not, with the field at fault ("options",
 * "answer") in *field. learn_answer_right() marks what a person answered against a
 * stored key (a choice: the same letters in any order; fill-in: one of the
 * alternatives, spaces at both ends aside; unanswered: wrong).
 */
#define LEARN_MAX_OPTIONS 8
struct learn_question {
    const char *type, *stem, *answer, *explanation;
    const char *options[LEARN_MAX_OPTIONS];
    size_t noptions;
    int64_t file_id;
};
const char *learn_question_check(struct arena *a, const struct learn_question *q, const char **key,
                                 const char **field);
bool learn_answer_right(struct arena *a, const char *type, const char *key, size_t noptions,
                        const char *answer);

/* The organisations a figure is given for, below organisation ? (bound three times):
 * its children, party groups aside (their members are counted in their branch), or the
 * organisation itself when it has none (a branch). */
#define ORGS_BELOW                                                                                 \
    "((o.parent_id = ? AND o.level <> 'group') OR (o.id = ? AND NOT EXISTS (SELECT 1 FROM orgs "   \
    "c WHERE c.parent_id = ? AND c.level <> 'group' AND c.deleted_at IS NULL)))"

/*
 * Figures per organisation below org (ORGS_BELOW): learn_tally_orgs() lists them with
 * their paths (arena, at most 500); learn_tally_add() adds v to count k of the one whose
 * subtree holds path (a branch's path from a query grouped by branch);
 * learn_tally_members() counts the members on the rosters under path into count k.
 */
#define LEARN_TALLY_COUNTS 6
struct learn_tally {
    int64_t id;
    const char *name, *level, *path;
    int64_t count[LEARN_TALLY_COUNTS];
};
struct learn_tally *learn_tally_orgs(struct req *req, int64_t org, size_t *n);
void learn_tally_add(struct learn_tally *t, size_t n, const char *path, int k, int64_t v);
void learn_tally_members(struct req *req, struct learn_tally *t, size_t n, const char *path, int k);

#endif
