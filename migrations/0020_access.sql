-- Every member gets in: an account for every member on a roster (made by
-- the server, not usable until the member activates it), one-time
-- activation codes handed out on printed slips or by SMS, and six-digit
-- SMS codes for signing in and for a forgotten password. Codes are stored
-- only as keyed hashes (pdata_hash with the key outside the database).

-- activated_at: when the member (or `zhibu user`) first set a password or
-- chose SMS sign-in; NULL: made for the roster and not activated yet.
-- sms_only: the member chose to sign in by SMS code only (no password).
ALTER TABLE accounts ADD COLUMN activated_at INTEGER;
ALTER TABLE accounts ADD COLUMN sms_only INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET activated_at = COALESCE(password_changed_at, created_at)
    WHERE password_hash IS NOT NULL;
-- An account made for a member without a phone number on the record keeps
-- phone_hash NOT NULL and UNIQUE with a keyed hash of another domain
-- ("account.nophone", the member id), which no typed phone number can
-- match, an empty phone_sealed and phone_tail ''; the member gives a
-- phone number when activating by slip.

-- One-time activation codes: 12 digits (about 40 bits), valid for
-- activation_code_days, single use; issuing a new one revokes the old.
-- attempts: uses of this code that failed after it was found (a phone
-- number taken, a weak password): past a few the code is revoked.
CREATE TABLE activation_codes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash BLOB NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('slip', 'sms')),
    issued_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activation_codes_hash ON activation_codes (code_hash);
CREATE INDEX activation_codes_account ON activation_codes (account_id, id);

-- Six-digit codes sent by SMS to sign in or to set a new password: a few
-- minutes, single use, a few wrong tries each; only for known accounts.
CREATE TABLE sms_codes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'reset')),
    code_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_account ON sms_codes (account_id, purpose, id);

-- Requests for SMS codes, per phone (keyed hash) and per source address
-- (keyed hash), known phones and unknown alike: the hourly throttle.
CREATE TABLE sms_code_requests (
    key BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX sms_code_requests_key ON sms_code_requests (key, at);

-- The per-branch figures (who acted when) read these by account.
CREATE INDEX thread_messages_author ON thread_messages (author_id, created_at);
CREATE INDEX post_seen_account ON post_seen (account_id, seen_at);
CREATE INDEX meeting_attendance_member_at ON meeting_attendance (member_id, at);
