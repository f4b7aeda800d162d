/*
 * activities.h - what the activity menu (activities.c) shares with polls:
 * who sees a branch's organisational life, and activities as poll options.
 */
#ifndef ZHIBU_MOD_ACTIVITIES_H
#define ZHIBU_MOD_ACTIVITIES_H

/* Whether the caller sees org_id's activities or polls: org.read on it, or
 * their own member record on its roster (or, with hosted, a migrant member
 * hosted there). A denial is audited. */
bool life_can_see(struct req *req, int64_t org_id, bool hosted);
/* The title of an activity of branch org_id that is not cancelled (arena),
 * NULL if there is none: a poll's option. */
const char *activity_title_for_poll(struct req *req, int64_t id, int64_t org_id);

#endif
