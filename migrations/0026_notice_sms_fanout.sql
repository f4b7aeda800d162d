-- The SMS of a notice fanned out after its publish, not in it (src/mod/notices.c).
-- Publishing a notice that asks for acknowledgement (or the reminder job the day
-- before its deadline) records one row here in its transaction; the job
-- notice_sms queues the members' messages a batch at a time, each batch a short
-- write transaction of its own, moving the cursor (after_path, after_id: the
-- last member queued, in the members_path index's order) with it. The outbox's
-- dedupe key makes a batch repeated after a crash queue nothing twice. The row
-- is deleted when the last batch is done, or when the notice no longer asks
-- (retracted, deleted).
CREATE TABLE notice_sms_fanout (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    kind TEXT NOT NULL CHECK (kind IN ('notice', 'notice_reminder')),
    after_path TEXT NOT NULL DEFAULT '',
    after_id INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (notice_id, kind)
) WITHOUT ROWID;

-- The messages a phone got today (sms.c, digest_reason: sms_digest_after) are
-- counted for every message queued: with the kind in the index the count reads
-- no table row (a fan-out to 30,000 members read 30,000 random outbox pages).
DROP INDEX sms_outbox_phone;
CREATE INDEX sms_outbox_phone ON sms_outbox (phone_hash, created_at, kind);
