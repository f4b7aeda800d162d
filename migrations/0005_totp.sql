-- The TOTP second factor (RFC 6238): one secret per account, sealed with the
-- personal-data key like phones and ID numbers, and its one-time recovery
-- codes, stored as keyed hashes only.
CREATE TABLE totp_secrets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    secret_sealed BLOB NOT NULL,           -- base32 secret, pdata_seal("totp", ...)
    active_at INTEGER,                     -- NULL while the enrolment waits for its first code
    last_step INTEGER NOT NULL DEFAULT 0,  -- newest 30 s step accepted: never accepted again
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE totp_recovery (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash BLOB NOT NULL,               -- pdata_hash("totp-recovery", "abcde-fghjk")
    used_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX totp_recovery_account ON totp_recovery (account_id, code_hash);
