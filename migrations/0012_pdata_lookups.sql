-- Exact lookups of personal data are audited and rate-limited per account; the
-- limit counts the caller's own audit rows of the last hour, found through
-- this index (actor, action, time) instead of a scan of the whole log.
CREATE INDEX audit_log_actor ON audit_log (actor_id, action, at);

-- The masked ID number keeps only its first 4 characters (province and
-- prefecture): with the birth date shown beside it, the old mask (first 4 and
-- last 4) left about nine candidate numbers. Masks stored in clear are
-- rewritten from the old ones; the sealed numbers are untouched.
UPDATE members SET id_mask = substr(id_mask, 1, 4) || '**************'
    WHERE id_mask IS NOT NULL AND length(id_mask) = 18;
UPDATE applicants SET id_mask = substr(id_mask, 1, 4) || '**************'
    WHERE id_mask IS NOT NULL AND length(id_mask) = 18;
