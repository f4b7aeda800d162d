/*
 * test_clock.h - the test clock: /test/clock, served only by a server
 * started with ZHIBU_TEST_HOOKS=1 (elsewhere the path is an ordinary 404).
 *
 * GET /test/clock -> {"skew": s, "now": ISO, "today": date}
 * POST /test/clock {"advance": s} or {"skew": s} moves every "now" of the
 * server (deadlines, windows, escalations, ages) so that tests need no
 * sleeps. Moving it retires the answer cache (change sequence bumped).
 */
#ifndef ZHIBU_TEST_CLOCK_H
#define ZHIBU_TEST_CLOCK_H

struct req;

/* Whether ZHIBU_TEST_HOOKS=1 (read once, at start-up: test_clock_init). */
bool test_clock_on(void);
void test_clock_init(void);

/* Answers the request: the body (not enveloped) in req->out and the status,
 * or an error recorded with req_fail. */
int test_clock_answer(struct req *req);

#endif
