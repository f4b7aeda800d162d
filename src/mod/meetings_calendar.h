/*
 * meetings_calendar.h - the meeting rules per organisation and the
 * compliance calendar (meetings_calendar.c), as meetings.c sees them.
 */
#ifndef ZHIBU_MOD_MEETINGS_CALENDAR_H
#define ZHIBU_MOD_MEETINGS_CALENDAR_H

#include "mod/meetings.h" /* MTG_NITEMS: the items the calendar tracks */

/* The rules in force at an organisation's path: the DOMAIN.md defaults, then
 * every organisation on the path from the root down (the nearest wins). */
struct meeting_rules {
    int period[MTG_NITEMS]; /* months; 0: not required */
    int leave_cutoff_min, checkin_window_min;
    int64_t set_at[MTG_NITEMS + 2]; /* the organisation that set each value, 0: default */
};
void meeting_rules_for(struct db *db, const char *path, struct meeting_rules *r);
/* The compliance colour (green, amber, red) of a type whose latest meeting
 * was held in month index `last` (-1: never), for a period of p months (0:
 * not required), in month index `now` (Beijing: month_today()). */
const char *compliance_status(int last, int p, int now);
/* The level (and *name) of a live organisation, NULL if none (arena). */
const char *meeting_org_level(struct req *req, int64_t id, const char **name);
/* Whether an organisation of this level holds meetings (a branch). */
bool meeting_level_holds(const char *level);

#endif
