/*
 * threads.h - what the two-way channel (threads.c) gives other modules.
 */
#ifndef ZHIBU_MOD_THREADS_H
#define ZHIBU_MOD_THREADS_H

/*
 * A member's message that came by SMS (mod/sms.c): added to the member's
 * conversation still open and written in this week, else a new thread to the
 * leadership of their branch (kind 'message', subject "短信：" and the text's
 * start), authored by the member's account. In the caller's write
 * transaction. Returns the thread's id, 0 when the member is on no roster.
 */
int64_t thread_from_sms(struct db *db, struct arena *a, int64_t account, int64_t member,
                        const char *text);

#endif
