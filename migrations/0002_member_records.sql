-- zhibu member records: the unified standard record, its sub-records and
-- history, corrections proposed by members, transfers of the organisational
-- relationship, the development pipeline, dues, and the statistics counters.
--
-- Personal data: the citizen ID number, phone and address are sealed
-- (XChaCha20-Poly1305, key in DATA/secret.key) and found through keyed
-- hashes; only a masked form is stored in clear. Free text that reveals a
-- member's political standing (penalties, the reason for leaving the party,
-- proposed corrections) is sealed too.

-- The standard record, on top of the foundation's members table.
ALTER TABLE members ADD COLUMN id_hash BLOB;          -- keyed hash of the ID number
ALTER TABLE members ADD COLUMN id_sealed BLOB;
ALTER TABLE members ADD COLUMN id_mask TEXT;          -- '1101**********123X'
ALTER TABLE members ADD COLUMN phone_hash BLOB;
ALTER TABLE members ADD COLUMN phone_sealed BLOB;
ALTER TABLE members ADD COLUMN phone_mask TEXT;       -- '138****5678'
ALTER TABLE members ADD COLUMN address_sealed BLOB;
ALTER TABLE members ADD COLUMN native_place TEXT;
ALTER TABLE members ADD COLUMN migrant_since TEXT;    -- date
ALTER TABLE members ADD COLUMN host_org_id INTEGER REFERENCES orgs (id);
ALTER TABLE members ADD COLUMN lost_contact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN lost_contact_since TEXT;
ALTER TABLE members ADD COLUMN added_how TEXT NOT NULL DEFAULT 'other';
ALTER TABLE members ADD COLUMN status_since TEXT;     -- date of the last status change
ALTER TABLE members ADD COLUMN dues_basis TEXT NOT NULL DEFAULT 'farmer';
ALTER TABLE members ADD COLUMN dues_fen INTEGER NOT NULL DEFAULT 20;   -- monthly standard
ALTER TABLE members ADD COLUMN dues_paid_through TEXT; -- 'YYYY-MM', NULL: nothing paid yet
-- The branch's path, kept with the member so a roster of any subtree is one
-- index range in (org_path, id) order.
ALTER TABLE members ADD COLUMN org_path TEXT NOT NULL DEFAULT '';
UPDATE members SET org_path = (SELECT path FROM orgs WHERE orgs.id = members.org_id);
CREATE UNIQUE INDEX members_id_hash ON members (id_hash) WHERE id_hash IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX members_phone_hash ON members (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX members_path ON members (org_path, id);
CREATE INDEX members_host ON members (host_org_id) WHERE host_org_id IS NOT NULL;

-- Sub-records: posts held, rewards, penalties, training. They hang off the
-- member, so they follow the member through a transfer.
CREATE TABLE member_records (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL CHECK (kind IN ('post', 'reward', 'penalty', 'training')),
    title TEXT NOT NULL,
    issuer TEXT,                    -- the organisation that appointed / decided / trained
    start_date TEXT NOT NULL,
    end_date TEXT,
    note_sealed BLOB,
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX member_records_member ON member_records (member_id, kind, start_date);

-- What happened to a record and who did it: creation, edits (the names of the
-- fields changed, never their values), status changes, transfers, corrections.
CREATE TABLE member_history (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES accounts (id),
    kind TEXT NOT NULL,             -- created, edited, status, transfer, correction, imported, dues
    org_id INTEGER REFERENCES orgs (id),   -- the member's branch at the time
    detail TEXT,                    -- JSON: field names, states; never personal values
    note_sealed BLOB                -- a reason given (it may reveal political standing)
);
CREATE INDEX member_history_member ON member_history (member_id, id);

-- Corrections a member proposes to their own record; the secretary decides.
CREATE TABLE member_corrections (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    proposed_by INTEGER NOT NULL REFERENCES accounts (id),
    changes_sealed BLOB NOT NULL,   -- JSON object of proposed field values
    fields TEXT NOT NULL,           -- the field names, comma separated (clear)
    note TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected',
                                                          'withdrawn')),
    decided_by INTEGER REFERENCES accounts (id),
    decided_at INTEGER,
    decision_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX member_corrections_member ON member_corrections (member_id, id);
CREATE INDEX member_corrections_pending ON member_corrections (state, member_id);

-- Transfers of the organisational relationship (组织关系转接).
-- pending_approval -> pending_acceptance -> completed; the out side may
-- reject, the in side may send back (returned), the initiator may cancel.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    from_org_id INTEGER NOT NULL REFERENCES orgs (id),
    from_path TEXT NOT NULL,
    to_org_id INTEGER REFERENCES orgs (id),   -- NULL: leaving this system
    to_path TEXT,
    to_name TEXT,                             -- destination outside the system
    scope TEXT NOT NULL CHECK (scope IN ('county', 'cross_county', 'outside')),
    state TEXT NOT NULL CHECK (state IN ('pending_approval', 'pending_acceptance', 'completed',
                                         'rejected', 'returned', 'cancelled')),
    reason TEXT NOT NULL,
    initiated_by INTEGER NOT NULL REFERENCES accounts (id),
    initiated_at INTEGER NOT NULL,
    approved_by INTEGER REFERENCES accounts (id),
    approved_at INTEGER,
    decided_by INTEGER REFERENCES accounts (id),
    decided_at INTEGER,
    decision_reason TEXT,
    completed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX transfers_open ON transfers (member_id)
    WHERE state IN ('pending_approval', 'pending_acceptance');
CREATE INDEX transfers_from ON transfers (from_path, state);
CREATE INDEX transfers_to ON transfers (to_path, state);
CREATE INDEX transfers_member ON transfers (member_id, id);

-- The development pipeline (发展党员): one row per applicant, the dates of
-- each step; becoming probationary creates the member record (member_id).
CREATE TABLE applicants (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date TEXT NOT NULL,
    ethnicity TEXT,
    education TEXT,
    occupation TEXT NOT NULL,
    id_hash BLOB,
    id_sealed BLOB,
    id_mask TEXT,
    phone_sealed BLOB,
    phone_mask TEXT,
    stage TEXT NOT NULL CHECK (stage IN ('applicant', 'activist', 'target', 'probationary',
                                         'full', 'cancelled', 'withdrawn')),
    applied_at TEXT NOT NULL,       -- 入党申请
    talked_at TEXT,                 -- 谈话 (within a month)
    activist_at TEXT,               -- 列为积极分子
    target_at TEXT,                 -- 列为发展对象
    reviewed_at TEXT,               -- 政治审查
    trained_at TEXT,                -- 集中培训
    admitted_at TEXT,               -- 支部大会讨论接收为预备党员
    approved_at TEXT,               -- 上级党委审批
    full_due TEXT,                  -- end of probation
    extended INTEGER NOT NULL DEFAULT 0,
    full_at TEXT,                   -- 转正
    ended_at TEXT,                  -- cancelled / withdrawn
    end_reason TEXT,
    contact1_id INTEGER REFERENCES members (id),    -- 培养联系人 / 入党介绍人
    contact2_id INTEGER REFERENCES members (id),
    member_id INTEGER REFERENCES members (id),
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX applicants_path ON applicants (org_path, id);
CREATE INDEX applicants_stage ON applicants (org_id, stage);
CREATE UNIQUE INDEX applicants_id_hash ON applicants (id_hash)
    WHERE id_hash IS NOT NULL AND deleted_at IS NULL AND stage NOT IN ('cancelled', 'withdrawn');

CREATE TABLE applicant_steps (
    id INTEGER PRIMARY KEY,
    applicant_id INTEGER NOT NULL REFERENCES applicants (id),
    step TEXT NOT NULL,
    on_date TEXT NOT NULL,
    responsible TEXT,
    note TEXT,
    actor_id INTEGER REFERENCES accounts (id),
    at INTEGER NOT NULL
);
CREATE INDEX applicant_steps_applicant ON applicant_steps (applicant_id, id);

-- Dues payments (党费): a payment covers months period_from..period_to;
-- members.dues_paid_through is the last month covered without a gap.
CREATE TABLE dues_payments (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),   -- where it was paid (branch or host)
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    method TEXT NOT NULL CHECK (method IN ('in_person', 'online', 'proxy', 'host_org')),
    paid_by TEXT,                   -- who paid on the member's behalf (代缴)
    paid_on TEXT NOT NULL,
    recorded_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX dues_payments_member ON dues_payments (member_id, period_from);
CREATE INDEX dues_payments_org ON dues_payments (org_id, paid_on);

-- Statistics kept current (no nightly batch): for every organisation, the
-- number of members with status normal in its subtree per dimension value
-- (dim 'gender' key 'female', dim 'birth_year' key '1962', ...), and event
-- counts per month (dim 'joined', 'transfer_in', 'transfer_out'). Every
-- member write adjusts the rows of the member's branch and all its ancestors
-- in the same transaction (member_counts_apply); `zhibu org recount`
-- rebuilds them.
CREATE TABLE org_counts (
    org_id INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, dim, key)
) WITHOUT ROWID;

-- Open branches of a subtree, counted by the statistics without visiting
-- every organisation.
CREATE INDEX orgs_open_level ON orgs (level, path) WHERE deleted_at IS NULL AND closed_at IS NULL;
