/*
 * jobs.h - periodic work: one table of jobs run by one housekeeping thread.
 *
 * Each job is a function of the store that returns how many rows it removed
 * or acted on (-1 on failure); the runner gives it a short write transaction
 * of its own, committed on success and rolled back on failure, so a job never
 * begins or commits one itself. The table of core jobs is in jobs.c; a module's jobs are
 * listed in mod_jobs[] (src/routes.c, beside the route tables), so core never
 * includes a module's header. `zhibu serve` runs every job once at start-up
 * (jobs_run_once) and then starts the thread (jobs_start), which runs each job
 * when its interval has passed; jobs_stop() wakes it and waits for it, before
 * the store closes. Ages are measured with now_sec() (the test clock).
 */
#ifndef ZHIBU_JOBS_H
#define ZHIBU_JOBS_H

struct job {
    const char *name; /* for the log line; NULL ends a table */
    int interval_s;   /* seconds between runs; 0: cfg.housekeeping_interval_s */
    int (*run)(struct db *db);
    /* A job that talks to another server first (NULL both: run only): gather
     * reads what it needs in a read transaction, outside then talks with no
     * transaction open, and run writes what came back. Each returns > 0 to go
     * on, 0 when there is nothing to do now, < 0 when it failed. */
    int (*gather)(struct db *db);
    int (*outside)(void);
    /* Work done a batch at a time: while run returns > 0 the thread runs it
     * again at once, each batch in its own transaction (other jobs and the
     * requests' writes come between); at its interval when it returns 0. */
    bool batches;
};

/* The modules' jobs (src/routes.c), ended by an entry whose name is NULL. */
extern const struct job mod_jobs[];

/* Idempotency records are kept this long: a phone may stay offline for weeks
 * and then replay its queue. */
#define IDEMPOTENCY_DAYS 60

/*
 * jobs_run_once - runs every job (core and module) once on db, logging a line
 * for each that removed or acted on something. Returns the sum of what the
 * jobs returned, failures left out.
 */
int jobs_run_once(struct db *db);
/* Runs one job in its transaction, as the thread does (a start-up step too). */
int job_run(struct db *db, const struct job *j);

/* Starts the housekeeping thread (it uses its own connection, db_thread()). */
void jobs_start(void);
/* Runs the job called name soon, without waiting for its interval: a request
 * that left it work (committed with the request's transaction, which the
 * job's own write transaction waits for). Does nothing before jobs_start. */
void jobs_kick(const char *name);
/* Stops the thread without waiting for a job's interval: a job already running
 * finishes its transaction first. Safe to call when it never started. */
void jobs_stop(void);

#endif
