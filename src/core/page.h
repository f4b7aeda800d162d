/*
 * page.h - cursor paging for list endpoints. Every list answers
 * {"items": [...], "next": CURSOR | null}; the client passes ?after=CURSOR
 * for the next page and ?limit=1..200 (default 50). Cursors are opaque to
 * clients: the last row's id or path, base64url-encoded.
 *
 *   int64_t after;
 *   int rc = page_after_id(req, &after);
 *   if (rc)
 *       return rc;
 *   struct page pg;
 *   page_begin(req, &pg);
 *   struct db_stmt *st = db_query(..., "... WHERE id > ? ORDER BY id LIMIT ?", ...,
 *                                 after, (int64_t)pg.limit + 1);
 *   while (page_next(&pg, st)) {
 *       write_row(pg.j, st);
 *       page_mark_id(&pg, db_int(st, 0));
 *   }
 *   return page_end(&pg, st);
 */
#ifndef ZHIBU_PAGE_H
#define ZHIBU_PAGE_H

struct page {
    struct req *req;
    struct jw *j; /* write each item here */
    int limit;
    int n;
    bool more;
    const char *last; /* raw cursor of the last item written */
};

/* The query fields of a plain list: after and limit. */
extern const struct param page_query[];

/* The route's "after" field as an id (0 when absent); 0 or an error status. */
int page_after_id(struct req *req, int64_t *after);
/* The "after" field as text (NULL when absent); 0 or an error status. */
int page_after_text(struct req *req, const char **after);

/* Starts the list: {"items": [ */
void page_begin(struct req *req, struct page *pg);
/* Steps st; true while there is a row to write (at most limit of them). */
bool page_next(struct page *pg, struct db_stmt *st);
/* Records the cursor of the row just written. */
void page_mark_id(struct page *pg, int64_t id);
void page_mark_text(struct page *pg, const char *raw);
/* Ends the list with "next", releases st and returns 200. */
int page_end(struct page *pg, struct db_stmt *st);

/* base64url without padding of raw (arena). */
char *cursor_encode(struct arena *a, const char *raw);
/* Decodes a cursor; NULL when malformed (anything outside base64url). */
char *cursor_decode(struct arena *a, const char *cursor);

#endif
