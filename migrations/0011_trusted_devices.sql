-- Devices an account has signed in on: a long-lived random cookie after a
-- good sign-in, stored as a keyed hash. A trusted device's wrong attempts
-- count in a window of its own, so that someone who only knows a phone
-- number cannot lock its owner out by failing twenty times an hour: the
-- owner's phone keeps getting in (issue: lock-out by anyone who knows a phone).
-- Ended by a password change (every other device) and after 180 days unused.
CREATE TABLE trusted_devices (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX trusted_devices_account ON trusted_devices(account_id);
