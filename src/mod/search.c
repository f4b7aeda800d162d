/*
 * search.c - audiences (who sees an item addressed to a subtree) and the
 * full-text search over threads, posts and whatever other modules index.
 *
 * Chinese: SQLite's unicode61 tokenizer reads a run of ideographs as one
 * token and trigram finds nothing for two characters, so the text is split
 * here before it reaches FTS5: the column uni holds every ideograph as its
 * own token, bi holds the overlapping pairs of each run ("党建工作" -> 党建
 * 建工 工作). A one-character query searches uni; a longer run is a phrase
 * of its pairs in bi (consecutive positions, so it matches exactly that
 * substring); other words (Latin, digits) are in both columns as unicode61
 * reads them (case folded). The terms of a query are ANDed.
 */
#include "app.h"
#include "mod/search.h"
#include "routes.h"

/* ---- audiences ---- */

void audience_of(struct req *req, struct audience *a)
{
    db_list_init(&a->inside, &req->arena);
    db_list_init(&a->above, &req->arena);
    const struct principal *p = req->who;
    if (p && p->member_id) {
        struct db_stmt *st =
            db_query(req->db, "SELECT org_path FROM members WHERE id = ? AND deleted_at IS NULL",
                     "i", p->member_id);
        if (db_next(st))
            db_list_str(&a->inside, db_text(st, 0));
        db_done(st);
    }
    for (size_t i = 0; p && i < p->nroles; i++) {
        db_list_str(&a->inside, p->roles[i].org_path);
        db_list_str(&a->above, p->roles[i].org_path);
    }
}

bool audience_sees(struct req *req, const char *audience_path)
{
    struct audience a;
    audience_of(req, &a);
    struct db_stmt *st =
        db_query(req->db, "SELECT 1 FROM (SELECT ? AS ap) WHERE " AUDIENCE_SQL("ap"), "sll",
                 audience_path, &a.inside, &a.above);
    bool ok = db_next(st);
    db_done(st);
    return ok;
}

const struct db_list *perm_paths(struct req *req, enum perm perm)
{
    struct db_list *l = arena_alloc(&req->arena, sizeof(*l));
    db_list_init(l, &req->arena);
    unsigned mask = perm_roles(perm);
    const struct principal *p = req->who;
    for (size_t i = 0; p && i < p->nroles; i++)
        if (mask & (1u << p->roles[i].role))
            db_list_str(l, p->roles[i].org_path);
    return l;
}

/* ---- splitting text ---- */

/* Decodes one code point at s (n > 0 bytes left); returns its length (1 for
 * a malformed byte, which then reads as U+FFFD). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (len == 0 || len > n) {
        *cp = 0xfffd;
        return 1;
    }
    if (len == 1) {
        *cp = c;
        return 1;
    }
    uint32_t v = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

static bool is_ideograph(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3134f);
}

/* A character of a non-CJK word of a query (letters, digits, other scripts);
 * ASCII and CJK punctuation and spaces separate words. */
static bool is_word_char(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (is_ideograph(c))
        return false;
    if (c >= 0x3005 && c <= 0x3007) /* 々 〆 〇: letters to unicode61 */
        return true;
    return !(c <= 0xbf || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
             (c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
             (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) || c == 0xfffd);
}

void search_split(const char *text, struct buf *uni, struct buf *bi)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0;
    const unsigned char *prev = NULL; /* the previous ideograph of the current run */
    size_t prev_len = 0, run = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);
        if (is_ideograph(cp)) {
            buf_addch(uni, ' ');
            buf_add(uni, s + i, len);
            buf_addch(uni, ' ');
            if (run >= 1) {
                buf_addch(bi, ' ');
                buf_add(bi, prev, prev_len);
                buf_add(bi, s + i, len);
                buf_addch(bi, ' ');
            }
            prev = s + i;
            prev_len = len;
            run++;
        } else {
            if (run == 1) { /* a lone ideograph is its own token in bi too */
                buf_addch(bi, ' ');
                buf_add(bi, prev, prev_len);
                buf_addch(bi, ' ');
            }
            run = 0;
            if (cp == 0xfffd && len == 1) {
                buf_addch(uni, ' ');
                buf_addch(bi, ' ');
            } else {
                buf_add(uni, s + i, len);
                buf_add(bi, s + i, len);
            }
        }
        i += len;
    }
    if (run == 1) {
        buf_addch(bi, ' ');
        buf_add(bi, prev, prev_len);
        buf_addch(bi, ' ');
    }
}

#define SEARCH_MAX_TERMS 16

bool search_query_build(const char *q, struct buf *out)
{
    const unsigned char *s = (const unsigned char *)q;
    size_t n = strlen(q), i = 0;
    int terms = 0;
    while (i < n && terms < SEARCH_MAX_TERMS) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);
        if (is_ideograph(cp)) {
            /* a run of ideographs */
            const unsigned char *start[64];
            size_t lens[64], k = 0;
            while (i < n) {
                len = utf8_next(s + i, n - i, &cp);
                if (!is_ideograph(cp))
                    break;
                if (k < ARRAY_SIZE(start)) {
                    start[k] = s + i;
                    lens[k++] = len;
                }
                i += len;
            }
            if (out->len)
                buf_addch(out, ' ');
            if (k == 1) {
                buf_addstr(out, "uni : \"");
                buf_add(out, start[0], lens[0]);
            } else {
                buf_addstr(out, "bi : \"");
                for (size_t j = 0; j + 1 < k; j++) {
                    if (j)
                        buf_addch(out, ' ');
                    buf_add(out, start[j], lens[j]);
                    buf_add(out, start[j + 1], lens[j + 1]);
                }
            }
            buf_addch(out, '"');
            terms++;
        } else if (is_word_char(cp)) {
            if (out->len)
                buf_addch(out, ' ');
            buf_addch(out, '"');
            while (i < n) {
                len = utf8_next(s + i, n - i, &cp);
                if (!is_word_char(cp))
                    break;
                buf_add(out, s + i, len); /* word characters never include '"' */
                i += len;
            }
            buf_addch(out, '"');
            terms++;
        } else {
            i += len;
        }
    }
    return terms > 0;
}

/* ---- the index ---- */

/*
 * Scope tokens (column aud), one word each for unicode61: a private thread has
 * m<member id> and t<prefix> for every prefix of its branch's path; anything
 * else has p<prefix> for every prefix of its audience path and e<path> for the
 * audience path itself. A path "/1/2/10/" is written 1x2x10. A caller inside an
 * audience (their branch or role org V under it) matches e<any prefix of V>; a
 * role on R matches p<R>; channel.answer on A matches t<A>; the member m<id>.
 */
static void path_token(struct buf *b, char kind, const char *path, size_t len)
{
    if (b->len)
        buf_addch(b, ' ');
    buf_addch(b, kind);
    bool first = true;
    for (size_t i = 1; i < len; i++) {
        if (path[i] == '/') {
            first = false;
            continue;
        }
        if (!first && path[i - 1] == '/')
            buf_addch(b, 'x');
        buf_addch(b, path[i]);
    }
}

/* kind + every prefix of path ("/1/", "/1/2/", ...), or only the whole path. */
static void path_tokens(struct buf *b, char kind, const char *path, bool whole)
{
    size_t n = strlen(path);
    if (whole) {
        path_token(b, kind, path, n);
        return;
    }
    for (size_t i = 1; i < n; i++)
        if (path[i] == '/')
            path_token(b, kind, path, i + 1);
}

void search_scope_set(struct search_scope *sc, struct arena *a, int64_t member_id,
                      const char *const *inside, size_t ninside, const char *const *above,
                      size_t nabove, const char *const *answer, size_t nanswer)
{
    struct buf f;
    buf_init_arena(&f, a);
    const struct {
        struct db_list *list;
        const char *const *paths;
        size_t n;
        char kind;
        bool prefixes;
    } sets[] = {{&sc->inside, inside, ninside, 'e', true},
                {&sc->above, above, nabove, 'p', false},
                {&sc->answer, answer, nanswer, 't', false}};
    for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
        db_list_init(sets[s].list, a);
        for (size_t i = 0; i < sets[s].n; i++) {
            db_list_str(sets[s].list, sets[s].paths[i]);
            path_tokens(&f, sets[s].kind, sets[s].paths[i], !sets[s].prefixes);
        }
    }
    if (member_id)
        buf_printf(&f, "%sm%" PRId64, f.len ? " " : "", member_id);
    /* "e1 e1x2 p1x2" -> "aud : (e1 OR e1x2 OR p1x2)" */
    struct buf q;
    buf_init_arena(&q, a);
    buf_addstr(&q, "aud : (");
    for (size_t i = 0; i < f.len; i++) {
        if (f.data[i] == ' ')
            buf_addstr(&q, " OR ");
        else
            buf_addch(&q, f.data[i]);
    }
    if (!f.len)
        buf_addstr(&q, "none");
    buf_addch(&q, ')');
    sc->member_id = member_id;
    sc->aud = q.data;
}

void search_index_put_doc(struct db *db, const char *kind, int64_t id, int64_t org_id,
                          const char *org_path, const char *audience_path, int64_t member_id,
                          const char *title, const char *text, int64_t created_at)
{
    search_index_drop(db, kind, id);
    db_exec(db,
            "INSERT INTO search_docs (kind, ref_id, org_id, org_path, audience_path, member_id, "
            "title, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "siissIssi", kind, id, org_id, org_path, audience_path, member_id, title, text,
            created_at);
    int64_t doc = db_last_id(db);
    struct buf all, uni, bi;
    buf_init(&all);
    buf_init(&uni);
    buf_init(&bi);
    buf_printf(&all, "%s\n%s", title, text);
    search_split(all.data, &uni, &bi);
    struct buf aud;
    buf_init(&aud);
    if (member_id) {
        buf_printf(&aud, "m%" PRId64, member_id);
        path_tokens(&aud, 't', org_path, false);
    } else {
        path_tokens(&aud, 'p', audience_path, false);
        path_tokens(&aud, 'e', audience_path, true);
    }
    db_exec(db, "INSERT INTO search_fts (rowid, uni, bi, aud) VALUES (?, ?, ?, ?)", "isss", doc,
            uni.data, bi.data, aud.data);
    buf_release(&aud);
    buf_release(&all);
    buf_release(&uni);
    buf_release(&bi);
}

void search_index_put(struct db *db, const char *kind, int64_t id, int64_t org_id,
                      const char *title, const char *text)
{
    struct arena a;
    arena_init(&a);
    const char *path = org_path(db, &a, org_id);
    if (path)
        search_index_put_doc(db, kind, id, org_id, path, path, 0, title, text, now_sec());
    arena_release(&a);
}

void search_index_drop(struct db *db, const char *kind, int64_t id)
{
    int64_t doc;
    if (!db_get_int(db, &doc, "SELECT id FROM search_docs WHERE kind = ? AND ref_id = ?", "si",
                    kind, id))
        return;
    db_exec(db, "DELETE FROM search_fts WHERE rowid = ?", "i", doc);
    db_exec(db, "DELETE FROM search_docs WHERE id = ?", "i", doc);
}

/* ---- GET /api/v1/search ---- */

struct db_stmt *search_run(struct db *db, const char *fts_query, const struct search_scope *sc,
                           const char *kind, int64_t before_id, int limit)
{
    struct buf m;
    buf_init(&m);
    buf_printf(&m, "(%s) AND %s", fts_query, sc->aud);
    struct db_stmt *st = db_query(
        db,
        "SELECT d.id, d.kind, d.ref_id, d.org_id, o.name, d.title, d.text, d.created_at "
        "FROM search_fts f JOIN search_docs d ON d.id = f.rowid JOIN orgs o ON o.id = d.org_id "
        "WHERE search_fts MATCH ? AND (? = 0 OR f.rowid < ?) AND d.kind = COALESCE(?, d.kind) "
        "AND CASE WHEN d.member_id IS NOT NULL THEN d.member_id = ? OR EXISTS (SELECT 1 FROM "
        "{list} r WHERE substr(d.org_path, 1, length(r.value)) = r.value) ELSE " AUDIENCE_SQL(
            "d.audience_path") " END ORDER BY f.rowid DESC LIMIT ?",
        "siisillli", m.data, before_id, before_id, kind, sc->member_id ? sc->member_id : -1,
        &sc->answer, &sc->inside, &sc->above, (int64_t)limit);
    buf_release(&m); /* the engine copied it when binding */
    return st;
}

/* A short excerpt of text around the first place q's first word occurs
 * (the start when it is not found): up to 30 characters before, 80 in all. */
static void excerpt_write(struct jw *j, const char *text, const char *q)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    /* the first word or ideograph of q */
    const unsigned char *w = (const unsigned char *)q;
    size_t qn = strlen(q), wi = 0, wlen = 0;
    while (wi < qn) {
        uint32_t cp;
        size_t len = utf8_next(w + wi, qn - wi, &cp);
        if (is_ideograph(cp) || is_word_char(cp)) {
            wlen = len;
            break;
        }
        wi += len;
    }
    size_t at = 0;
    if (wlen) {
        for (size_t k = 0; k + wlen <= n; k++)
            if (!strncasecmp(text + k, q + wi, wlen)) {
                at = k;
                break;
            }
    }
    /* back up to 30 characters */
    size_t from = at;
    for (int c = 0; c < 30 && from > 0; c++) {
        from--;
        while (from > 0 && (s[from] & 0xc0) == 0x80)
            from--;
    }
    size_t to = from;
    for (int c = 0; c < 80 && to < n; c++) {
        uint32_t cp;
        to += utf8_next(s + to, n - to, &cp);
    }
    jw_key(j, "excerpt");
    jw_strn(j, text + from, to - from);
}

/* The caller's search scope: their branch and roles, channel.answer roles. */
static void scope_of(struct req *req, struct search_scope *sc)
{
    const struct principal *p = req->who;
    const char **inside = arena_alloc(&req->arena, (p->nroles + 1) * sizeof(char *));
    const char **above = arena_alloc(&req->arena, (p->nroles + 1) * sizeof(char *));
    const char **answer = arena_alloc(&req->arena, (p->nroles + 1) * sizeof(char *));
    size_t ni = 0, na = 0, nt = 0;
    if (p->member_id) {
        struct db_stmt *st =
            db_query(req->db, "SELECT org_path FROM members WHERE id = ? AND deleted_at IS NULL",
                     "i", p->member_id);
        if (db_next(st))
            inside[ni++] = arena_strdup(&req->arena, db_text(st, 0));
        db_done(st);
    }
    unsigned mask = perm_roles(PERM_CHANNEL_ANSWER);
    for (size_t i = 0; i < p->nroles; i++) {
        inside[ni++] = above[na++] = p->roles[i].org_path;
        if (mask & (1u << p->roles[i].role))
            answer[nt++] = p->roles[i].org_path;
    }
    search_scope_set(sc, &req->arena, p->member_id, inside, ni, above, na, answer, nt);
}

static const struct param search_query[] = {
    {"q", P_STR, P_REQUIRED, 1, 100},
    {"kind", P_STR, 0, 1, 20},
    PAGE_PARAMS,
    {NULL},
};

/*
 * GET /api/v1/search?q=&kind=&after=&limit= -> {items: [{kind, id, orgId,
 * orgName, title, excerpt, createdAt}], next}: newest first, only what the
 * caller may see: threads of their own or of an organisation where they
 * hold channel.answer, published posts and other documents of an audience
 * they are inside or above. Errors: request.invalid (q), search.bad_query
 * (nothing searchable in q). Any logged-in caller.
 */
static int h_search(struct req *req)
{
    const char *q = req_query_str(req, "q");
    struct buf fq;
    buf_init_arena(&fq, &req->arena);
    if (!search_query_build(q, &fq))
        return req_fail_field(req, ERR_SEARCH_QUERY, "q", NULL);
    int64_t after;
    int rc = page_after_id(req, &after);
    if (rc)
        return rc;
    struct search_scope sc;
    scope_of(req, &sc);
    struct page pg;
    page_begin(req, &pg);
    struct db_stmt *st =
        search_run(req->db, fq.data, &sc, req_query_str(req, "kind"), after, pg.limit + 1);
    while (page_next(&pg, st)) {
        struct jw *j = pg.j;
        jw_obj_begin(j);
        jw_kv_str(j, "kind", db_text(st, 1));
        jw_kv_int(j, "id", db_int(st, 2));
        jw_kv_int(j, "orgId", db_int(st, 3));
        jw_kv_str(j, "orgName", db_text(st, 4));
        jw_kv_str(j, "title", db_text(st, 5));
        excerpt_write(j, db_text(st, 6), q);
        jw_kv_time(j, "createdAt", db_int(st, 7));
        jw_obj_end(j);
        page_mark_id(&pg, db_int(st, 0));
    }
    return page_end(&pg, st);
}

const struct route search_routes[] = {
    {"GET", "/api/v1/search", h_search, SCOPE_LOGIN, PERM_NONE, NULL, search_query, NULL, 0},
    {NULL},
};
