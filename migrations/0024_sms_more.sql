-- More of what goes out by SMS (src/mod/dues.c, src/mod/sms.c; docs/OPERATIONS.md "SMS").
--
-- The dues arrears message goes out once per arrears episode: when a member
-- is DUES_WARN_MONTHS (3) months behind and not yet lapsed, the job queues it
-- and stamps dues_sms_at (whether or not the member's choice let an SMS
-- through); the stamp is cleared once the member is less than 3 months
-- behind again, which ends the episode. The partial indexes keep the job's
-- two scans to the members it may act on.
ALTER TABLE members ADD COLUMN dues_sms_at INTEGER;
CREATE INDEX members_dues_sms_due ON members (dues_paid_through)
    WHERE dues_sms_at IS NULL AND deleted_at IS NULL;
CREATE INDEX members_dues_sms_new ON members (joined_at)
    WHERE dues_paid_through IS NULL AND dues_sms_at IS NULL AND deleted_at IS NULL;
CREATE INDEX members_dues_sms_done ON members (dues_paid_through) WHERE dues_sms_at IS NOT NULL;

-- The daily digest (src/core/sms.c): instead of a message of a kind that can
-- wait (notices and their reminders, answers, leave decisions, dues, transfer
-- steps, corrections; never codes or meeting reminders), one SMS a day
-- listing counts, for a member who chose it (sms_prefs.digest) or once more
-- than sms_digest_after messages went to one phone that Beijing day. Each
-- folded message is a row here until the digest that carries it is queued
-- (digested_at). The phone is sealed like every phone.
ALTER TABLE sms_prefs ADD COLUMN digest INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1));
CREATE TABLE sms_digest_items (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                      -- the kind it would have gone out as
    reason TEXT NOT NULL CHECK (reason IN ('chosen', 'many')),
    phone_hash BLOB NOT NULL,
    phone_sealed BLOB NOT NULL,
    account_id INTEGER,
    member_id INTEGER,
    org_id INTEGER,
    dedupe TEXT UNIQUE,                      -- the message's own key: folded once
    created_at INTEGER NOT NULL,
    digested_at INTEGER                      -- when the digest carrying it was queued
);
CREATE INDEX sms_digest_pending ON sms_digest_items (phone_hash, created_at) WHERE digested_at IS NULL;
-- How many messages went to a phone today (the "more than N a day" rule):
-- sms_outbox_phone, created with the rebuilt table below.

-- Outbox expiry (sms_expire job, src/core/sms.c): a message still queued
-- after sms_outbox_days (a sign-in code after its own life) is 'expired', never
-- sent, counted. SQLite cannot change a CHECK in place: the table is rebuilt
-- with the new state, its rows and indexes as they were.
CREATE TABLE sms_outbox_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    template_id TEXT NOT NULL DEFAULT '',
    vars TEXT NOT NULL,
    body TEXT NOT NULL,
    coding TEXT NOT NULL CHECK (coding IN ('gsm7', 'ucs2')),
    units INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    phone_hash BLOB NOT NULL,
    phone_sealed BLOB NOT NULL,
    phone_mask TEXT NOT NULL,
    account_id INTEGER,
    member_id INTEGER,
    org_id INTEGER,
    dedupe TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    quiet_from INTEGER NOT NULL DEFAULT 0,
    quiet_to INTEGER NOT NULL DEFAULT 0,
    claimed_at INTEGER,
    backend TEXT,
    provider_ref TEXT,
    dlr_key BLOB,
    dlr_status INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    done_at INTEGER,                         -- delivered, failed or expired
    updated_at INTEGER NOT NULL
);
INSERT INTO sms_outbox_new SELECT id, kind, template_id, vars, body, coding, units, parts,
    phone_hash, phone_sealed, phone_mask, account_id, member_id, org_id, dedupe, state, attempts,
    not_before, quiet_from, quiet_to, claimed_at, backend, provider_ref, dlr_key, dlr_status,
    error, created_at, sent_at, done_at, updated_at FROM sms_outbox;
DROP TABLE sms_outbox;
ALTER TABLE sms_outbox_new RENAME TO sms_outbox;
CREATE INDEX sms_outbox_due ON sms_outbox (not_before, id) WHERE state = 'queued';
CREATE INDEX sms_outbox_sending ON sms_outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX sms_outbox_unreported ON sms_outbox (sent_at) WHERE state = 'sent' AND dlr_status IS NULL;
CREATE INDEX sms_outbox_member ON sms_outbox (member_id, created_at) WHERE member_id IS NOT NULL;
CREATE INDEX sms_outbox_provider ON sms_outbox (provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX sms_outbox_phone ON sms_outbox (phone_hash, created_at);
CREATE INDEX sms_outbox_queued_age ON sms_outbox (created_at) WHERE state = 'queued';
