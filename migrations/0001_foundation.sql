-- zhibu foundation schema: organisations, members (core fields), accounts,
-- roles, sessions, login throttling, idempotency keys, the audit log.
-- Times are INTEGER seconds since the epoch (UTC); dates are 'YYYY-MM-DD'.
-- Tables clients sync carry created_at, updated_at, seq (from the global
-- change sequence) and deleted_at (a tombstone instead of a DELETE).

CREATE TABLE seqs (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO seqs (name, value) VALUES ('change', 0);

-- The organisation tree as a materialised path: '/1/12/140/' lists the ids
-- from the root. "Is X under Y" is a prefix test and "the subtree of Y" is an
-- index range scan: path >= '/1/12/' AND path < '/1/120' ('0' follows '/').
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES orgs (id),
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township',
                                         'general_branch', 'branch', 'group')),
    closed_at INTEGER,
    -- members with status 'normal' in the subtree (a party group: assigned to
    -- it), kept current by org_members_adjust() so no read has to count them
    members_total INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX orgs_parent ON orgs (parent_id, id);
CREATE INDEX orgs_seq ON orgs (seq);

-- A member belongs to exactly one branch (org_id); group_id is the party
-- group inside it. The member-records issue extends this table.
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    group_id INTEGER REFERENCES orgs (id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    ethnicity TEXT,
    birth_date TEXT NOT NULL,
    education TEXT,
    occupation TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    full_at TEXT,
    category TEXT NOT NULL CHECK (category IN ('full', 'probationary')),
    status TEXT NOT NULL DEFAULT 'normal',
    migrant INTEGER NOT NULL DEFAULT 0,
    migrant_place TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX members_org ON members (org_id, id);
CREATE INDEX members_seq ON members (seq);
CREATE INDEX members_group ON members (group_id);

-- An account logs in with a phone number. The number is sealed (AEAD with
-- the key in DATA/secret.key) and found through a keyed hash.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    phone_hash BLOB NOT NULL UNIQUE,
    phone_sealed BLOB NOT NULL,
    phone_tail TEXT NOT NULL,               -- last 4 digits, for masked display
    name TEXT NOT NULL,
    password_hash TEXT,                     -- NULL: cannot log in yet
    member_id INTEGER UNIQUE REFERENCES members (id),
    disabled_at INTEGER,
    password_changed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    role TEXT NOT NULL CHECK (role IN ('member', 'branch_secretary', 'branch_committee',
                                       'org_admin', 'auditor', 'safety_officer', 'system_admin')),
    granted_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE UNIQUE INDEX roles_live ON roles (account_id, org_id, role) WHERE deleted_at IS NULL;
CREATE INDEX roles_org ON roles (org_id);

-- Sessions: only a hash of the token is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    idle_timeout INTEGER NOT NULL,          -- seconds without use before it ends
    expires_at INTEGER NOT NULL,            -- absolute end
    revoked_at INTEGER
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed logins per phone (keyed hash) in the current hour.
CREATE TABLE login_failures (
    phone_hash BLOB PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures INTEGER NOT NULL
);

-- Idempotency keys: stored in the same transaction as the effect.
CREATE TABLE idempotency (
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- The audit log: each row's hash covers its fields and the previous row's
-- hash, so an edited or deleted row breaks the chain (zhibu audit verify).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    org_id INTEGER,
    action TEXT NOT NULL,
    target TEXT,
    result TEXT NOT NULL,
    detail TEXT,
    ip TEXT,
    request_id TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
