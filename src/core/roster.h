/*
 * roster.h - who is on a roster: the one rule the modules and the core (the
 * live audiences of core/live.c) share. A member whose status is normal,
 * retired or temporarily_out is in the party, on their branch's roster and
 * counted in statistics; transferred_out, left and deceased leave the roster
 * (the record stays). The statuses themselves are member_statuses
 * (mod/members_rec.c).
 */
#ifndef ZHIBU_ROSTER_H
#define ZHIBU_ROSTER_H

/* The rule in SQL: "m.status IN " ROSTER_STATUSES. */
#define ROSTER_STATUSES "('normal', 'retired', 'temporarily_out')"

/* The rule in C (tests/unit/test_members_rec.c checks that both agree for
 * every status). */
static inline bool member_status_counted(const char *status)
{
    return status && (!strcmp(status, "normal") || !strcmp(status, "retired") ||
                      !strcmp(status, "temporarily_out"));
}

#endif
