/*
 * json.h - the streaming JSON writer used for every response. It writes
 * straight into a buf, inserts commas itself, and escapes strings. Callers
 * must pass valid UTF-8 (everything stored came through jansson, which
 * rejects invalid UTF-8); invalid bytes are replaced by U+FFFD anyway.
 */
#ifndef ZHIBU_JSON_H
#define ZHIBU_JSON_H

#define JW_MAX_DEPTH 32

struct jw {
    struct buf *out;
    int depth;
    bool need_comma[JW_MAX_DEPTH];
    bool after_key;
};

void jw_init(struct jw *j, struct buf *out);

void jw_obj_begin(struct jw *j);
void jw_obj_end(struct jw *j);
void jw_arr_begin(struct jw *j);
void jw_arr_end(struct jw *j);
/* Writes an object key; the next value call writes its value. */
void jw_key(struct jw *j, const char *key);

void jw_str(struct jw *j, const char *s);
void jw_strn(struct jw *j, const char *s, size_t n);
void jw_int(struct jw *j, int64_t v);
/* A number with a fixed count of decimals (0..9), as printf's "%.*f" writes
 * it: jw_fixed(j, 2.0 / 3, 4) writes 0.6667. NaN and infinities write null. */
void jw_fixed(struct jw *j, double v, int decimals);
void jw_bool(struct jw *j, bool v);
void jw_null(struct jw *j);
/* Seconds since the epoch as an ISO 8601 UTC string. */
void jw_time(struct jw *j, int64_t t);
/* Appends already-serialised JSON as one value: a document this writer made
 * earlier and stored (an idempotent answer, a notice's attachments, a history
 * detail). Never text put together by hand. */
void jw_raw(struct jw *j, const char *raw, size_t n);

/* key + value shorthands */
void jw_kv_str(struct jw *j, const char *key, const char *s); /* NULL -> null */
void jw_kv_int(struct jw *j, const char *key, int64_t v);

/*
 * A small flat object written with the writer into out (n bytes; a longer
 * one is a bug): fmt has one letter per member, 'i' (key, int64_t) or 's'
 * (key, const char *). For event payloads and history details:
 *   jw_small(buf, sizeof(buf), "is", "meetingId", id, "what", "closed")
 * Returns out.
 */
char *jw_small(char *out, size_t n, const char *fmt, ...);
void jw_kv_bool(struct jw *j, const char *key, bool v);
void jw_kv_null(struct jw *j, const char *key);
void jw_kv_time(struct jw *j, const char *key, int64_t t); /* 0 -> null */
void jw_kv_id(struct jw *j, const char *key, int64_t id);  /* 0 (none) -> null */

/* Escapes s as a JSON string (with quotes) onto b. */
void jw_escape(struct buf *b, const char *s, size_t n);

#endif
