-- A stored answer is replayed only to a caller who still holds every role
-- grant the request was made with: roles lists their ids ("12,40"; '' for
-- none). A replay after one of them was revoked is refused instead of
-- returning the stored answer, whose content the caller may no longer see.
-- NULL for answers stored before this migration (kept 60 days at most).
ALTER TABLE idempotency ADD COLUMN roles TEXT;
