-- Announcements (通知公告) and live events.
--
-- Pull model: publishing writes one row in notices whatever the audience's
-- size. A member's feed is the notices whose org_path is on the path of the
-- member's branch (or of an organisation the caller holds a role on),
-- filtered by audience; read and acknowledgement markers are written only
-- when a member reads or acknowledges. Corrections, retractions and
-- reminders are notices too (kind, ref_id -> the original) with the
-- original's audience, so they reach exactly who received the original.

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'notice'
        CHECK (kind IN ('notice', 'correction', 'retraction', 'reminder')),
    ref_id INTEGER REFERENCES notices (id),  -- correction/retraction/reminder: the original
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,                  -- the organisation's path when published
    -- audience: role_mask 0 = every member of the subtree; else bit r (enum role)
    -- = holders of role r on an organisation in the subtree, bit 0 (member) =
    -- every member of the subtree; chosen = 1: only the members in notice_recipients
    -- (of the original for a derived entry)
    role_mask INTEGER NOT NULL DEFAULT 0,
    chosen INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',  -- JSON [{name, url} | {name, fileId}]
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'important', 'urgent')),
    pinned INTEGER NOT NULL DEFAULT 0,
    ack_required INTEGER NOT NULL DEFAULT 0,
    ack_deadline TEXT,                       -- 'YYYY-MM-DD': acknowledge by the end of it
    state TEXT NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'corrected', 'retracted')),
    version INTEGER NOT NULL DEFAULT 1,
    reminded_at INTEGER,                     -- the automatic reminder after the deadline
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    published_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
-- The feed: one index range per organisation on the caller's path, in feed order.
CREATE INDEX notices_feed ON notices (org_path, pinned DESC, published_at DESC, id DESC);
CREATE INDEX notices_ref ON notices (ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX notices_due ON notices (ack_deadline)
    WHERE ack_required = 1 AND reminded_at IS NULL AND kind = 'notice';
CREATE INDEX notices_seq ON notices (seq);

-- Chosen recipients of a notice (audience "chosen members").
CREATE TABLE notice_recipients (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (notice_id, member_id)
) WITHOUT ROWID;

-- Earlier versions of an edited notice (the live one is in notices).
CREATE TABLE notice_versions (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL,
    priority TEXT NOT NULL,
    pinned INTEGER NOT NULL,
    replaced_by INTEGER REFERENCES accounts (id),
    replaced_at INTEGER NOT NULL,
    note TEXT,                               -- why it was changed
    PRIMARY KEY (notice_id, version)
) WITHOUT ROWID;

-- Read and acknowledgement markers: a row only once a member read the notice.
CREATE TABLE notice_marks (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    member_id INTEGER REFERENCES members (id),
    read_at INTEGER NOT NULL,
    ack_at INTEGER,
    PRIMARY KEY (account_id, notice_id)
) WITHOUT ROWID;
CREATE INDEX notice_marks_notice ON notice_marks (notice_id, member_id);

-- Live events for Server-Sent Events: kept a few days so a client resumes
-- with Last-Event-ID without loss. Target: one account, or the accounts of
-- an organisation's subtree (role_mask as in notices).
CREATE TABLE live_events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    org_path TEXT,
    role_mask INTEGER NOT NULL DEFAULT 0,
    account_id INTEGER,
    data TEXT NOT NULL,                      -- JSON object
    created_at INTEGER NOT NULL
);
