/*
 * routes.h - every module's route table, listed in src/routes.c (the whole
 * API on one screen). A module defines its table at the end of its file; the
 * live events' table is core's (core/live.h).
 */
#ifndef ZHIBU_ROUTES_H
#define ZHIBU_ROUTES_H

extern const struct route account_routes[];
extern const struct route orgs_routes[];
extern const struct route roles_routes[];
extern const struct route members_routes[];
extern const struct route audit_routes[];
extern const struct route corrections_routes[];
extern const struct route stats_routes[];
extern const struct route import_routes[];
extern const struct route export_routes[];
extern const struct route transfers_routes[];
extern const struct route dues_routes[];
extern const struct route development_routes[];
extern const struct route totp_routes[];
extern const struct route activities_routes[];
extern const struct route polls_routes[];
extern const struct route meetings_routes[];
extern const struct route meetings_calendar_routes[];
extern const struct route rooms_routes[];
extern const struct route sync_routes[];
extern const struct route threads_routes[];
extern const struct route posts_routes[];
extern const struct route search_routes[];
extern const struct route notices_routes[];
extern const struct route notices_report_routes[];
extern const struct route learning_routes[];
extern const struct route learning_quiz_routes[];
extern const struct route files_routes[];
extern const struct route member_scans_routes[];
extern const struct route waiting_routes[];
extern const struct route access_routes[];
extern const struct route sms_routes[];

#endif
