-- The authorisation sequence: bumped by every change that can alter what a
-- logged-in caller may do (a role granted or revoked, an account disabled or
-- its password changed, a session ended, an organisation renamed, moved or
-- closed). Servers keep callers' sessions and roles in memory while it is
-- unchanged, so a revoked role still takes effect on the very next request,
-- on every server sharing the database.
INSERT INTO seqs (name, value) VALUES ('auth', 0);
