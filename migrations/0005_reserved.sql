-- Placeholder so that this branch's migration 0006_channel.sql has contiguous
-- numbers on its own. Another branch (notices) owns number 0005: at merge time
-- DELETE THIS FILE and keep theirs.
SELECT 1;
