/*
 * notices.h - what announcements (notices.c) give the housekeeping thread.
 */
#ifndef ZHIBU_MOD_NOTICES_H
#define ZHIBU_MOD_NOTICES_H

/* Reminds, once, those who have not acknowledged an announcement whose deadline
 * has passed (a reminder entry in their feeds), in the runner's transaction.
 * A housekeeping job (core/jobs.h, mod_jobs in routes.c) run every second.
 * Returns the announcements reminded of, -1 on failure. */
int notice_sweep(struct db *db);

/* SMS reminders the day before a notice's deadline (Beijing, from 09:00), once
 * per notice, to members who have not acknowledged and take what needs action
 * by SMS: left to notice_sms_job. A housekeeping job. Returns the notices
 * reminded of, -1 on failure. */
int notice_sms_reminders(struct db *db);

/* Queues the SMS of a published notice (or of its reminder) a batch of members
 * at a time (table notice_sms_fanout): a housekeeping job run in batches
 * (core/jobs.h), woken by the publish. Returns > 0 while there is more to do,
 * 0 when nothing is left, -1 on failure. */
int notice_sms_job(struct db *db);

/* Whether account still owes notice (a live one that asks for it) an
 * acknowledgement. */
bool notice_ack_pending(struct db *db, int64_t account, int64_t notice);

/* Acknowledges notice for account (member) from an SMS reply, in the caller's
 * write transaction: 0, or -1 when nothing is pending. */
int notice_ack_from_sms(struct db *db, int64_t account, int64_t member, int64_t notice);

#endif
