#include "app.h"

#include <sodium.h>

char *cursor_encode(struct arena *a, const char *raw)
{
    size_t n = strlen(raw);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, (const unsigned char *)raw, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

char *cursor_decode(struct arena *a, const char *cursor)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(cursor), len;
    /* libsodium 1.0.18 reads bytes >= 0x80 as '_': refuse them first, so a
     * cursor has exactly one spelling. */
    if (strspn(cursor, alphabet) != n)
        return NULL;
    char *out = arena_alloc(a, n + 1);
    if (sodium_base642bin((unsigned char *)out, n, cursor, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    out[len] = '\0';
    if (strlen(out) != len)
        return NULL;
    return out;
}

const struct param page_query[] = {
    PAGE_PARAMS,
    {NULL},
};

int page_after_text(struct req *req, const char **after)
{
    *after = NULL;
    const char *cur = req_query_str(req, "after");
    if (!cur)
        return 0;
    *after = cursor_decode(&req->arena, cur);
    if (!*after)
        return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    return 0;
}

int page_after_id(struct req *req, int64_t *after)
{
    const char *raw;
    int rc = page_after_text(req, &raw);
    *after = 0;
    if (rc || !raw)
        return rc;
    if (!parse_i64(raw, strlen(raw), after))
        return req_fail_field(req, ERR_INVALID, "after", "malformed cursor");
    return 0;
}

void page_begin(struct req *req, struct page *pg)
{
    *pg = (struct page){.req = req, .j = req_data(req), .limit = req_limit(req)};
    jw_obj_begin(pg->j);
    jw_key(pg->j, "items");
    jw_arr_begin(pg->j);
}

bool page_next(struct page *pg, struct db_stmt *st)
{
    if (pg->more || !db_next(st))
        return false;
    if (pg->n == pg->limit) {
        pg->more = true; /* the extra row fetched: there is a next page */
        return false;
    }
    pg->n++;
    return true;
}

void page_mark_id(struct page *pg, int64_t id)
{
    pg->last = arena_printf(&pg->req->arena, "%" PRId64, id);
}

void page_mark_text(struct page *pg, const char *raw)
{
    pg->last = arena_strdup(&pg->req->arena, raw);
}

int page_end(struct page *pg, struct db_stmt *st)
{
    db_done(st);
    jw_arr_end(pg->j);
    jw_kv_str(pg->j, "next",
              pg->more && pg->last ? cursor_encode(&pg->req->arena, pg->last) : NULL);
    jw_obj_end(pg->j);
    return 200;
}
