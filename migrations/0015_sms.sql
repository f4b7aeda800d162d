-- SMS, both ways (src/core/sms.c, docs/OPERATIONS.md "SMS").
--
-- sms_outbox: one row per message, rendered from a template when it was
-- queued (inside the transaction of the write that caused it), sent later by
-- the sender thread. States: queued -> sending -> sent -> delivered | failed;
-- 'sending' is claimed before the gateway is called, so a row left there by a
-- crash is resolved by the gateway's delivery report or, after the grace
-- period, queued again (docs/OPERATIONS.md says why no duplicate follows).
-- The phone is sealed like every phone (pdata.h); body holds only the
-- template's text and its variables, never a sealed value.
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                      -- sms_kind_name(): 'notice', 'login_code', ...
    template_id TEXT NOT NULL DEFAULT '',    -- the provider's id for the kind (configuration)
    vars TEXT NOT NULL,                      -- JSON array of the template variables, as sent
    body TEXT NOT NULL,                      -- signature + rendered text
    coding TEXT NOT NULL CHECK (coding IN ('gsm7', 'ucs2')),
    units INTEGER NOT NULL,                  -- septets (gsm7) or UTF-16 units (ucs2)
    parts INTEGER NOT NULL,                  -- billed parts
    phone_hash BLOB NOT NULL,
    phone_sealed BLOB NOT NULL,
    phone_mask TEXT NOT NULL,
    account_id INTEGER,
    member_id INTEGER,
    org_id INTEGER,
    dedupe TEXT UNIQUE,                      -- NULL: never deduplicated
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,             -- quiet hours and backoff: not sent before
    quiet_from INTEGER NOT NULL DEFAULT 0,   -- quiet hours, Beijing minutes of the day
    quiet_to INTEGER NOT NULL DEFAULT 0,     -- (from > to spans midnight; equal: none, codes)
    claimed_at INTEGER,                      -- when the current 'sending' began
    backend TEXT,                            -- 'kannel' | 'tencent' that took it
    provider_ref TEXT,                       -- the provider's message id, if it gives one
    dlr_key BLOB,                            -- hash of the per-message secret of the report URL
    dlr_status INTEGER,                      -- the last report's status (Kannel's dlr type)
    error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    done_at INTEGER,                         -- delivered or failed
    updated_at INTEGER NOT NULL
);
CREATE INDEX sms_outbox_due ON sms_outbox (not_before, id) WHERE state = 'queued';
CREATE INDEX sms_outbox_sending ON sms_outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX sms_outbox_unreported ON sms_outbox (sent_at) WHERE state = 'sent' AND dlr_status IS NULL;
CREATE INDEX sms_outbox_member ON sms_outbox (member_id, created_at) WHERE member_id IS NOT NULL;
CREATE INDEX sms_outbox_provider ON sms_outbox (provider_ref) WHERE provider_ref IS NOT NULL;

-- Messages queued per organisation and Beijing day, against the daily cap
-- (one row per pair, counted as they are queued; codes are not counted).
CREATE TABLE sms_org_day (
    org_id INTEGER NOT NULL,
    day INTEGER NOT NULL,                    -- Beijing day number (util.h)
    queued INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
) WITHOUT ROWID;

-- An organisation's own daily cap (org_admin), else the configured sms_daily_cap;
-- the nearest organisation on a message's path with a row decides.
CREATE TABLE sms_quota (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    daily_cap INTEGER NOT NULL CHECK (daily_cap >= 0),
    updated_by INTEGER REFERENCES accounts (id),
    updated_at INTEGER NOT NULL
);

-- A member's choice (set by the member, or by a secretary for one who cannot):
-- 'app' app only, 'app_sms' app + SMS for what needs action, 'sms' SMS only.
-- No row: 'app_sms' for a member with an account, 'sms' for one without.
-- Quiet hours in Beijing minutes of the day (from, to; from > to spans midnight).
CREATE TABLE sms_prefs (
    member_id INTEGER PRIMARY KEY REFERENCES members (id),
    mode TEXT NOT NULL CHECK (mode IN ('app', 'app_sms', 'sms')),
    quiet_from INTEGER NOT NULL CHECK (quiet_from BETWEEN 0 AND 1439),
    quiet_to INTEGER NOT NULL CHECK (quiet_to BETWEEN 0 AND 1439),
    updated_by INTEGER REFERENCES accounts (id),
    updated_at INTEGER NOT NULL
);

-- Messages received from phones (Kannel's sms-service, the cloud provider's
-- reply callback). outcome: 'ack' (acknowledged a notice, ref = notice id),
-- 'thread' (became a message to the leadership, ref = thread id), 'unknown'
-- (no member has the number: recorded, nothing else), 'ignored' (empty).
CREATE TABLE sms_inbox (
    id INTEGER PRIMARY KEY,
    phone_hash BLOB NOT NULL,
    phone_sealed BLOB NOT NULL,
    phone_mask TEXT NOT NULL,
    member_id INTEGER REFERENCES members (id),
    body TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ack', 'thread', 'unknown', 'ignored')),
    ref_id INTEGER,
    received_at INTEGER NOT NULL
);
CREATE INDEX sms_inbox_member ON sms_inbox (member_id, received_at) WHERE member_id IS NOT NULL;

-- The SMS reminder the day before a notice's deadline went out (once).
ALTER TABLE notices ADD COLUMN sms_reminded_at INTEGER;

-- The SMS to the members expected at a meeting 24 hours and 1 hour before it went out.
ALTER TABLE meetings ADD COLUMN sms_24h_at INTEGER;
ALTER TABLE meetings ADD COLUMN sms_1h_at INTEGER;
