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

#endif
