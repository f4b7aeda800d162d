/*
 * search.h - audiences (who sees what is addressed to a subtree) and the
 * full-text index (search.c), which posts, threads and notices feed.
 */
#ifndef ZHIBU_MOD_SEARCH_H
#define ZHIBU_MOD_SEARCH_H

/*
 * Who sees what is addressed to a subtree. An item with audience path A
 * (an organisation's path) is seen by a caller who is inside A (their
 * member record's branch or one of their roles lies in A's subtree) or
 * above it (a role on an ancestor of A). audience_of() lists the caller's
 * paths for the SQL test AUDIENCE_SQL(col): bind "ll" with &a.inside,
 * &a.above.
 */
struct audience {
    struct db_list inside; /* the member's branch and every role's org */
    struct db_list above;  /* the roles' orgs */
};
/* Fills a (arena-owned lists) for the caller of req. */
void audience_of(struct req *req, struct audience *a);
#define AUDIENCE_SQL(col)                                                                          \
    "(EXISTS (SELECT 1 FROM {list} v WHERE substr(v.value, 1, length(" col ")) = " col             \
    ") OR EXISTS (SELECT 1 FROM {list} r WHERE substr(" col ", 1, length(r.value)) = "             \
    "r.value))"
/* The same test in C for one item. */
bool audience_sees(struct req *req, const char *audience_path);
/* The org paths of the caller's roles that grant perm, a list to bind with
 * 'l' (arena). */
const struct db_list *perm_paths(struct req *req, enum perm perm);

/*
 * The search index (GET /api/v1/search). A document is (kind, id): kind is
 * "thread", "news", "experience" here; other modules add their own (e.g.
 * "notice"). search_index_put() stores or replaces a document visible to the
 * audience of organisation org_id (inside or above it, as audience_sees());
 * search_index_drop() removes it (no-op if absent). Both run in the
 * caller's write transaction; title and text are UTF-8 and copied.
 */
void search_index_put(struct db *db, const char *kind, int64_t id, int64_t org_id,
                      const char *title, const char *text);
void search_index_drop(struct db *db, const char *kind, int64_t id);
/* The full form: audience path given, and member_id (non-zero: a private
 * thread, seen only by that member and by channel.answer on org_path). */
void search_index_put_doc(struct db *db, const char *kind, int64_t id, int64_t org_id,
                          const char *org_path, const char *audience_path, int64_t member_id,
                          const char *title, const char *text, int64_t created_at);
/*
 * The pre-split text for the index: CJK ideographs one by one (uni) and as
 * overlapping pairs (bi), other text as it is (malloc'd into the bufs).
 * search_query_build() turns a user's query into an FTS5 expression (uni
 * for a single ideograph, a bi phrase for a longer run, other words quoted;
 * all ANDed); false when nothing is left to search.
 */
void search_split(const char *text, struct buf *uni, struct buf *bi);
bool search_query_build(const char *q, struct buf *out);
/* Who searches: their member id (0: none) and paths as lists (as audience_of,
 * perm_paths(PERM_CHANNEL_ANSWER)). */
struct search_scope {
    int64_t member_id;
    struct db_list answer, inside, above;
    const char *aud; /* the same as an FTS5 filter on the scope tokens */
};
/* Sets sc (arena-owned) from the caller's member id (0: none), the org paths
 * they are inside (their branch, their roles' orgs), above (their roles'
 * orgs) and where they hold channel.answer. */
void search_scope_set(struct search_scope *sc, struct arena *a, int64_t member_id,
                      const char *const *inside, size_t ninside, const char *const *above,
                      size_t nabove, const char *const *answer, size_t nanswer);
/* The matching documents the scope may see, newest first, with ids below
 * before_id (0: from the newest), at most limit: columns doc id, kind, ref
 * id, org id, org name, title, text, created_at. The caller db_done()s it. */
struct db_stmt *search_run(struct db *db, const char *fts_query, const struct search_scope *sc,
                           const char *kind, int64_t before_id, int limit);

#endif
