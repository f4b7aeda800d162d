/*
 * notices_int.h - what the two halves of announcements share: publishing, the
 * feed, read and acknowledgement, reminders and SMS (notices.c), and the read
 * report, told in person, the members a notice reaches and their export
 * (notices_report.c). Only those two files include it.
 *
 * A header of its own rather than a section of notices.h (as core/sheet_int.h
 * beside sheet_in.h): notices.h is what announcements give the rest of the
 * server (the housekeeping jobs, the SMS replies), and routes.c and sms.c
 * include it; the notice's fields and its object kind stay out of their view.
 */
#ifndef ZHIBU_MOD_NOTICES_INT_H
#define ZHIBU_MOD_NOTICES_INT_H

#include "core/roster.h"

/* A row of notices: an announcement (kind "notice") or an entry derived from
 * one (correction, retraction, reminder: ref_id the original). */
struct notice {
    int64_t id, ref_id, org_id, author_id, published_at, updated_at, reminded_at;
    const char *kind, *org_path, *title, *body, *attachments, *priority, *ack_deadline, *state;
    unsigned role_mask;
    bool chosen, pinned, ack_required;
    int64_t version;
};

/* Loads notice id (not deleted) into n, its strings in a; false when there is
 * none. */
bool notice_load(struct db *db, struct arena *a, int64_t id, struct notice *n);

/* The notice of an object route, authorised by the dispatcher (req->obj), into
 * n (request arena): 0, or the status of notice.not_found. */
int notice_get(struct req *req, struct notice *n);

/* A notice as the object of a route: managed with notice.publish on its
 * organisation, read by its audience (PARTY_AUDIENCE). */
extern const struct object_kind notice_kind;

/* The members who receive a notice, on a roster under [?1, ?2): the SQL after
 * "FROM members m", bound ?3 chosen, ?4 the announcement's id (an original,
 * never a derived entry), ?5 role_mask, ?6 its org_path and ?7 org_path_end()
 * of that. */
#define RECIPIENTS_WHERE                                                                           \
    " WHERE m.org_path >= ?1 AND m.org_path < ?2 AND m.deleted_at IS NULL AND m.status "           \
    "IN " ROSTER_STATUSES " AND (?3 = 0 OR EXISTS (SELECT 1 FROM notice_recipients r WHERE "       \
    "r.notice_id = ?4 AND r.member_id = m.id)) AND (?5 = 0 OR (?5 & 1) OR EXISTS (SELECT 1 "       \
    "FROM accounts a2 JOIN roles g ON g.account_id = a2.id AND g.deleted_at IS NULL JOIN orgs "    \
    "go ON go.id = g.org_id WHERE a2.member_id = m.id AND go.path >= ?6 AND go.path < ?7 AND "     \
    "(?5 >> (CASE g.role WHEN 'member' THEN 0 WHEN 'branch_secretary' THEN 1 WHEN "                \
    "'branch_committee' THEN 2 WHEN 'org_admin' THEN 3 WHEN 'auditor' THEN 4 WHEN "                \
    "'safety_officer' THEN 5 ELSE 6 END)) & 1))"

#endif
