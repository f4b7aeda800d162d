/*
 * demo_history.h - a few months of organisational life for the demo county
 * (demo_history.c): what cmd_demo.c gives it.
 */
#ifndef ZHIBU_CLI_DEMO_HISTORY_H
#define ZHIBU_CLI_DEMO_HISTORY_H

/* The demo's places and people: the county, the first township, its first
 * village and the first village of the second township (paths arena-owned),
 * and the seven demo accounts (index as in demo-accounts.json) with their
 * member records (0: none). */
struct demo_cast {
    int64_t county, township, village, village2;
    const char *county_path, *township_path, *village_path, *village2_path;
    int64_t account[7], member[7];
};

/* Writes the history, dated by whole Beijing days back from today, in the
 * caller's transaction: notices read and acknowledged, threads, posts (one
 * rumour reported and marked false), meetings held and to hold, polls,
 * activities with sign-ups. */
void demo_history(struct db *db, struct arena *a, const struct demo_cast *c);

/* Writes the demo's learning (demo_learning.c) in the caller's transaction:
 * lessons of every kind and a course, a question bank with a practice quiz,
 * a self-test and the township's exam, the staff track's user guide with
 * completion recorded for the staff who took it. */
void demo_learning(struct db *db, struct arena *a, const struct demo_cast *c);

#endif
