/*
 * meetings.h - meetings (meetings.c) as the compliance calendar and the
 * offline upload (sync.c) see them: the types, the record as loaded, and
 * the writes of a meeting's record.
 */
#ifndef ZHIBU_MOD_MEETINGS_H
#define ZHIBU_MOD_MEETINGS_H

/* Meeting types, NULL-terminated (for P_ENUM). The compliance calendar
 * (meetings_calendar.h) tracks them and one item more: the party lecture
 * the branch secretary gives (DOMAIN.md: at least one a year). */
#define MTG_NTYPES 7
#define MTG_NITEMS 8
extern const char *const meeting_types[MTG_NTYPES + 1];
/* Attendance marks a secretary records, NULL-terminated (for P_ENUM). */
extern const char *const meeting_marks[];
extern const char *const meeting_file_kinds[];

/* A meeting as loaded (strings arena-owned). */
struct meeting {
    int64_t id, org_id, group_id, starts_at, duration_min, created_at, closed_at;
    const char *org_path, *org_name, *type, *title, *place, *online_link, *agenda, *attendees;
    const char *state, *minutes, *resolutions;
    bool by_secretary; /* a party lecture the secretary gives */
    bool audio_room;   /* held (also) in an audio room in zhibu (mod/rooms.c) */
    unsigned char secret[32];
};
bool meeting_load(struct db *db, struct arena *a, int64_t id, struct meeting *m);
/* The object kind of SCOPE_OBJECT routes on a meeting (/meetings/{id}/...). */
extern const struct object_kind meeting_kind;

/*
 * The writes of a meeting's record, shared by the online handlers and the
 * offline upload. captured_at is when the change was made on the client (0:
 * online, now). Each returns -1 when done, else an error code (enum
 * err_code) with a message in *why; nothing is written then.
 */
int meeting_mark(struct req *req, const struct meeting *m, int64_t member_id, const char *status,
                 bool paper, int64_t captured_at, const char **why);
int meeting_set_minutes(struct req *req, const struct meeting *m, const char *minutes,
                        const char *resolutions, int64_t captured_at, const char **why);
int meeting_add_file(struct req *req, const struct meeting *m, const char *kind, const char *ref,
                     const char *name, int64_t captured_at, const char **why);
int meeting_add_note(struct req *req, const struct meeting *m, const char *text,
                     int64_t captured_at, const char **why);
int meeting_close(struct req *req, struct meeting *m, int64_t captured_at, const char **why);

#endif
