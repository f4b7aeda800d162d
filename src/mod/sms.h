/*
 * sms.h - what the SMS module (mod/sms.c: members' choices, replies,
 * delivery reports, settings) gives other modules. The outbox and the
 * templates are core's (core/sms.h).
 */
#ifndef ZHIBU_MOD_SMS_H
#define ZHIBU_MOD_SMS_H

#include "core/sms.h"

/* A member's choice (sms_prefs.mode). */
enum sms_mode { SMS_MODE_APP, SMS_MODE_APP_SMS, SMS_MODE_SMS };

/*
 * Queues a message of kind for member, inside the caller's write
 * transaction, when their choice lets it through: 'sms' always, 'app_sms'
 * when needs_action, 'app' never. No choice made: 'app_sms' with an account,
 * 'sms' without (a member without the app is reached by SMS alone). The
 * phone is the member record's, else the account's. Returns sms_enqueue's
 * result (0 queued, 1 already queued, < 0 refused), or 2 when nothing is
 * sent (their choice, or no phone).
 */
int sms_to_member(struct db *db, int64_t member, enum sms_kind kind, bool needs_action,
                  const char *const vars[4], const char *dedupe);

/* SMS to the members expected at a meeting, 24 hours and 1 hour before it
 * (once each; the 24-hour one is skipped for a meeting already within the
 * hour), with the online link for members working away. A housekeeping job.
 * Returns the messages queued, -1 on failure. */
int sms_meeting_reminders(struct db *db);

/* The SQL condition on a member m (with LEFT JOINs accounts a ON a.member_id =
 * m.id and sms_prefs p ON p.member_id = m.id) that their choice takes
 * what needs action by SMS: for bulk queries (a notice to a county). */
#define SMS_WANTS_ACTION_SQL "(p.mode IS NULL OR p.mode <> 'app')"

/* The reply that acknowledges a notice ("回复1确认"). */
#define SMS_ACK_REPLY "1"

#endif
