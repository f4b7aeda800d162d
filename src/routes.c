/*
 * routes.c - the whole API on one screen: every module's route table.
 * Each module's table lists method, path, handler, who may call it, and
 * the declared query and body fields (see the module's file).
 */
#include "app.h"
#include "core/jobs.h"
#include "core/live.h"
#include "mod/files.h"
#include "mod/access.h"
#include "mod/dues.h"
#include "mod/notices.h"
#include "mod/rooms.h"
#include "mod/sms.h"
#include "routes.h"

const struct route *const route_tables[] = {
    account_routes, /* auth/login, auth/logout, me, me/password */
    orgs_routes,    /* orgs/{id}, /children, /subtree, /stats; create, rename, move, close */
    roles_routes,   /* roles: list, grant, revoke */
    members_routes, /* members: roster, record, create, edit, status, reveal, history, sub-records
                     */
    audit_routes,   /* audit: the log, for auditors */
    stats_routes,   /* orgs/{id}/stats: live figures with drill-down */
    corrections_routes, /* members/{id}/corrections, corrections: proposed by members, decided */
    transfers_routes,   /* transfers: start, approve, reject, accept, return, cancel; lists */
    dues_routes,        /* dues: ledger, summary, a member's dues, payments, reversal, standard */
    development_routes, /* applicants: the development pipeline, steps, summary */
    import_routes,      /* imports: roster import from CSV/XLSX, the template */
    export_routes,      /* exports: roster and statistics as XLSX or CSV */
    totp_routes,        /* me/totp: the TOTP second factor, enrol, confirm, recovery codes */
    activities_routes,  /* activities: the menu members choose from, sign-up, participation */
    polls_routes,       /* polls: choice, review of members, activities; anonymous ballots */
    meetings_routes,    /* meetings: scheduling, check-in, leave, attendance, minutes, close */
    meetings_calendar_routes, /* meeting rules, compliance calendar and roll-up */
    rooms_routes,             /* rooms: meetings' audio rooms (Janus) and who was in them */
    sync_routes,              /* sync: offline captures uploaded in batches */
    threads_routes, /* threads: the two-way channel, inbox, escalation, response targets, stats */
    posts_routes,   /* posts: news and experience, comments, reports, review, corrections */
    search_routes,  /* search: full text over what the caller may see */
    notices_routes, /* notices: announcements, read and acknowledgement, reminders; feed */
    notices_report_routes, /* notices/{id}: the read report, told in person, members, export */
    learning_routes,       /* lessons, courses, progress, recommendations, figures */
    learning_quiz_routes,  /* question banks and import, quizzes, exams, paper answers */
    files_routes,          /* uploads (resumable, in chunks), files: content, withdrawal */
    member_scans_routes,   /* members/{id}/scans: scans on the record, sealed at rest */
    waiting_routes, /* me/waiting: what waits for the member, from every module, in one list */
    sms_routes,     /* sms: members' choices, replies and reports from the gateway, quotas */
    live_routes,    /* events: live updates (Server-Sent Events) */
    access_routes,  /* activation codes and slips, members not activated, access figures */
    NULL,
};

/* The modules' periodic jobs (core/jobs.h); interval 0 is housekeeping_interval_s. */
const struct job mod_jobs[] = {
    {"notice_sweep", 1, notice_sweep}, /* reminders for announcements past their deadline */
    {"rooms", 1, rooms_record, rooms_gather, rooms_ask}, /* who is in meetings' audio rooms */
    {"files_sweep", 0, files_sweep}, /* blobs nothing refers to, uploads abandoned for days */
    {"files_orphans", 86400, files_orphans},      /* at start-up: what a crash left in the store */
    {"member_accounts", 10, access_accounts_job}, /* accounts for roster members without one */
    {"access_prune", 0, access_prune_job},        /* spent codes, old SMS code requests */
    {"notice_sms_reminders", 0, notice_sms_reminders},   /* SMS the day before a deadline */
    {"notice_sms", 1, notice_sms_job, .batches = true},  /* a notice's SMS, a batch at a time */
    {"sms_meeting_reminders", 0, sms_meeting_reminders}, /* SMS 24 h and 1 h before a meeting */
    {"dues_sms", 0, dues_sms_job},     /* SMS at 3 months of dues arrears, once per episode */
    {"sms_digest", 0, sms_digest_job}, /* one SMS a day listing what waited for it */
    {"sms_expire", 0, sms_expire_job}, /* queued too long: expired, never sent */
    {NULL},
};
