#include "app.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char anchor_path[600];
static pthread_mutex_t anchor_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t anchored_id;
/* The newest row this thread appended in its open transaction. */
static _Thread_local int64_t pending_id;
static _Thread_local unsigned char pending_hash[32];

void audit_init(const char *data_dir)
{
    snprintf(anchor_path, sizeof(anchor_path), "%s/audit.head", data_dir);
    anchored_id = 0;
}

/* Writes "ID HEX" to the anchor file atomically (temp file + rename). */
static int anchor_write(int64_t id, const unsigned char hash[32])
{
    char hex[65], tmp[700];
    hex_encode(hash, 32, hex);
    snprintf(tmp, sizeof(tmp), "%s.tmp", anchor_path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int rc = fprintf(f, "%" PRId64 " %s\n", id, hex) < 0;
    /* On disk before the rename: after a power cut the anchor is the old
     * one or the new one, never an empty file. */
    rc |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    rc |= fclose(f) != 0;
    if (rc || rename(tmp, anchor_path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void audit_anchor(void)
{
    if (!pending_id || !anchor_path[0])
        return;
    pthread_mutex_lock(&anchor_lock);
    /* Rows are appended under the store's write lock, so ids grow with
     * commit order: only a newer head replaces the anchor. */
    if (pending_id > anchored_id && anchor_write(pending_id, pending_hash) == 0)
        anchored_id = pending_id;
    else if (pending_id > anchored_id)
        log_error("audit: cannot write %s: %s", anchor_path, strerror(errno));
    pthread_mutex_unlock(&anchor_lock);
    pending_id = 0;
}

void audit_discard(void)
{
    pending_id = 0;
}

/* Reads the anchor; 0 when there is none, -1 when it is malformed. */
static int anchor_read(int64_t *id, unsigned char hash[32])
{
    FILE *f = fopen(anchor_path, "r");
    if (!f)
        return 0;
    char hex[80] = "";
    int n = fscanf(f, "%" SCNd64 " %79s", id, hex);
    fclose(f);
    if (n != 2 || strlen(hex) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        hash[i] = (unsigned char)v;
    }
    return 1;
}

/* The bytes the row hash covers: previous hash, id, and every field. */
static void audit_digest(const unsigned char prev[32], int64_t id, const struct audit_row *r,
                         unsigned char out[32])
{
    struct buf b;
    buf_init(&b);
    buf_add(&b, prev, 32);
    buf_printf(&b, "%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n", id, r->at, r->actor_id,
               r->org_id);
    const char *fields[] = {r->action, r->target, r->result, r->detail, r->ip, r->request_id};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        /* NULL and "" differ: a presence byte, then the text and a NUL. */
        buf_addch(&b, fields[i] ? '1' : '0');
        if (fields[i])
            buf_add(&b, fields[i], strlen(fields[i]) + 1);
    }
    pdata_audit_mac(b.data, b.len, out);
    buf_release(&b);
}

int audit_append(struct db *db, const struct audit_row *row)
{
    unsigned char prev[32] = {0}, hash[32];
    int64_t last_id = 0;
    struct db_stmt *st =
        db_query(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", "");
    if (db_next(st)) {
        size_t n;
        const void *h = db_blob(st, 1, &n);
        last_id = db_int(st, 0);
        if (n == 32)
            memcpy(prev, h, 32);
    }
    db_done(st);
    int64_t id = last_id + 1;
    audit_digest(prev, id, row, hash);
    pending_id = id;
    memcpy(pending_hash, hash, 32);
    return db_exec(db,
                   "INSERT INTO audit_log (id, at, actor_id, org_id, action, target, result, "
                   "detail, ip, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?)",
                   "iiiissssssbb", id, row->at, row->actor_id, row->org_id, row->action,
                   row->target, row->result, row->detail, row->ip, row->request_id, prev,
                   (size_t)32, hash, (size_t)32);
}

int64_t audit_verify(struct db *db, bool reanchor, char *err, size_t errlen)
{
    unsigned char prev[32] = {0}, anchor_hash[32];
    int64_t expect = 1, count = 0, anchor_id = 0;
    int anchor = anchor_read(&anchor_id, anchor_hash);
    if (anchor < 0 && !reanchor) {
        snprintf(err, errlen, "%s is malformed", anchor_path);
        return -1;
    }
    struct db_stmt *st = db_query(db,
                                  "SELECT id, at, actor_id, org_id, action, target, result, "
                                  "detail, ip, request_id, prev_hash, hash FROM audit_log ORDER "
                                  "BY id",
                                  "");
    while (db_next(st)) {
        int64_t id = db_int(st, 0);
        struct audit_row r = {
            .at = db_int(st, 1),
            .actor_id = db_int(st, 2),
            .org_id = db_int(st, 3),
            .action = db_text(st, 4),
            .target = db_text(st, 5),
            .result = db_text(st, 6),
            .detail = db_text(st, 7),
            .ip = db_text(st, 8),
            .request_id = db_text(st, 9),
        };
        size_t plen, hlen;
        const unsigned char *ph = db_blob(st, 10, &plen);
        const unsigned char *h = db_blob(st, 11, &hlen);
        unsigned char want[32];
        if (id != expect) {
            snprintf(err, errlen, "row %" PRId64 " missing (next row is %" PRId64 ")", expect, id);
            count = -1;
            break;
        }
        if (plen != 32 || memcmp(ph, prev, 32) != 0) {
            snprintf(err, errlen, "row %" PRId64 ": chain broken (previous hash differs)", id);
            count = -1;
            break;
        }
        audit_digest(prev, id, &r, want);
        bool nul = false; /* a NUL hidden inside a text field */
        for (int c = 4; c <= 9; c++)
            nul |= !db_isnull(st, c) && db_text_len(st, c) != strlen(db_text(st, c));
        if (hlen != 32 || memcmp(h, want, 32) != 0 || nul) {
            snprintf(err, errlen, "row %" PRId64 ": contents were changed", id);
            count = -1;
            break;
        }
        if (anchor > 0 && !reanchor && id == anchor_id && memcmp(want, anchor_hash, 32) != 0) {
            snprintf(err, errlen, "row %" PRId64 " differs from the anchor in %s", id, anchor_path);
            count = -1;
            break;
        }
        memcpy(prev, want, 32);
        expect++;
        count++;
    }
    db_done(st);
    if (count >= 0 && db_failed(db)) {
        snprintf(err, errlen, "cannot read the audit log");
        return -1;
    }
    if (count >= 0 && reanchor) {
        if (count && anchor_write(count, prev) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", anchor_path, strerror(errno));
            return -1;
        }
        return count;
    }
    if (count >= 0 && anchor > 0 && count < anchor_id) {
        snprintf(err, errlen,
                 "rows %" PRId64 " to %" PRId64 " were deleted (the anchor in %s names row %" PRId64
                 ")",
                 count + 1, anchor_id, anchor_path, anchor_id);
        return -1;
    }
    if (count > 0 && anchor == 0) {
        snprintf(err, errlen,
                 "%s is missing, so deleted newest rows cannot be ruled out (after restoring a "
                 "backup, run zhibu audit verify --reanchor)",
                 anchor_path);
        return -1;
    }
    return count;
}
