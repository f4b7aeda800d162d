/*
 * dues.h - the arrears rule of party dues (dues.c), shared with the
 * statistics and the exports.
 */
#ifndef ZHIBU_MOD_DUES_H
#define ZHIBU_MOD_DUES_H

/* Dues arrears (DOMAIN.md: six months unpaid counts as leaving the party, so
 * warn well before): months unpaid up to last month (the current month is
 * not yet due) from paid_through ("YYYY-MM"; NULL or "": from the month of
 * joining). */
#define DUES_WARN_MONTHS 3
#define DUES_ALERT_MONTHS 4
#define DUES_LAPSE_MONTHS 6
void dues_last_month(char out[8]);
int dues_months_unpaid(const char *paid_through, const char *joined_at);
/* The arrears level of months unpaid: ok, warning, alert or lapsed. */
const char *dues_level(int64_t months);

/*
 * The arrears SMS (a housekeeping job): a member DUES_WARN_MONTHS months
 * behind and not lapsed gets one SMS (template dues) per arrears episode;
 * the episode ends when the member is less than DUES_WARN_MONTHS behind
 * again (members.dues_sms_at, migration 0024). Returns the members acted
 * on, -1 on failure.
 */
int dues_sms_job(struct db *db);

#endif
