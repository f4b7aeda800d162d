/*
 * waiting.h - what waits for the caller, gathered from the modules into one
 * list (GET /api/v1/me/waiting): a module that holds something for a member
 * adds it with waiting_add(); waiting.c sorts and writes the list.
 */
#ifndef ZHIBU_MOD_WAITING_H
#define ZHIBU_MOD_WAITING_H

struct waiting_item {
    const char *kind; /* notice, answer, correction, poll, activity, meeting, minutes */
    int64_t id;       /* what the client opens: notice, thread, post, poll, activity, meeting */
    const char *title;
    int64_t at;       /* when it started to wait (sorts the list, newest first) */
    int64_t until;    /* 0, or when it stops being possible (deadline, start, close) */
    const char *what; /* the kind's detail: notice read|ack, answer answer|message,
                         correction false|clarification, else NULL */
};

struct waiting {
    struct arena *arena;
    struct waiting_item *items;
    size_t n, cap;
};

/* Adds an item (strings are kept by pointer: arena or static). */
void waiting_add(struct waiting *w, const char *kind, int64_t id, const char *title, int64_t at,
                 int64_t until, const char *what);

/* notices.c: the announcements reaching the caller not yet read, or not yet
 * acknowledged where that is asked, of the last 180 days. */
void notices_waiting(struct req *req, struct waiting *w);

#endif
