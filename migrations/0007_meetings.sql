-- zhibu meetings (三会一课 and the other meetings of organisational life):
-- rules per organisation, scheduled meetings, attendance with leave and
-- check-in, files (materials, photos, paper sign-in sheets), notes appended
-- after a meeting is closed, and the per-branch "last held" per type that
-- the compliance calendar reads. Records captured offline keep both when
-- they were captured and when they arrived.

-- Overrides of the DOMAIN.md defaults set by an organisation's admin; the
-- nearest organisation on a branch's path that sets a key wins. key: a
-- meeting type (value: required every N months, 0 = not required) or
-- 'leaveCutoffMin' / 'checkinWindowMin' (minutes).
CREATE TABLE meeting_rules (
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    key TEXT NOT NULL,
    value INTEGER NOT NULL,
    set_by INTEGER REFERENCES accounts (id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
) WITHOUT ROWID;

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),   -- the branch
    org_path TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('branch_assembly', 'committee', 'group_meeting',
                                       'party_lecture', 'theme_day', 'life_meeting',
                                       'democratic_review')),
    title TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    duration_min INTEGER NOT NULL DEFAULT 90,
    place TEXT,
    online_link TEXT,
    agenda TEXT,
    attendees TEXT NOT NULL CHECK (attendees IN ('branch', 'group', 'members')),
    by_secretary INTEGER NOT NULL DEFAULT 0,        -- a party lecture the secretary gives
    group_id INTEGER REFERENCES orgs (id),
    secret BLOB NOT NULL,                           -- key of the rotating check-in code
    state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'closed')),
    minutes TEXT,
    resolutions TEXT,
    minutes_by INTEGER REFERENCES accounts (id),
    minutes_captured_at INTEGER,                    -- set when the minutes came offline
    minutes_received_at INTEGER,
    created_by INTEGER REFERENCES accounts (id),
    closed_by INTEGER REFERENCES accounts (id),
    closed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX meetings_org ON meetings (org_id, starts_at);
CREATE INDEX meetings_seq ON meetings (seq);

-- One row per expected member. status: expected until the member checks in,
-- is marked, or the meeting closes (then absent). source: checkin, remote
-- (self check-in to an online meeting), secretary, paper (typed in from a
-- photographed sign-in sheet), offline (uploaded through /sync).
CREATE TABLE meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    status TEXT NOT NULL DEFAULT 'expected' CHECK (status IN ('expected', 'present', 'remote',
                                                              'leave', 'absent')),
    source TEXT,
    at INTEGER,                                     -- when marked / checked in
    marked_by INTEGER REFERENCES accounts (id),
    captured_at INTEGER,                            -- offline capture time
    received_at INTEGER,
    leave_state TEXT CHECK (leave_state IN ('pending', 'approved', 'refused')),
    leave_reason TEXT,
    leave_at INTEGER,
    leave_decided_by INTEGER REFERENCES accounts (id),
    leave_decided_at INTEGER,
    minutes_read_at INTEGER,                        -- asynchronous participation
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
) WITHOUT ROWID;
CREATE INDEX meeting_attendance_member ON meeting_attendance (member_id, meeting_id);

-- File references: kind material (before), photo, signin_sheet (paper).
CREATE TABLE meeting_files (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    kind TEXT NOT NULL CHECK (kind IN ('material', 'photo', 'signin_sheet')),
    ref TEXT NOT NULL,
    name TEXT,
    added_by INTEGER REFERENCES accounts (id),
    captured_at INTEGER,
    received_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX meeting_files_meeting ON meeting_files (meeting_id, id);

-- Corrections after close: appended, never edited.
CREATE TABLE meeting_notes (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES accounts (id),
    captured_at INTEGER,
    received_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX meeting_notes_meeting ON meeting_notes (meeting_id, id);

-- The month of the latest closed meeting per branch and type ('YYYY-MM'; type
-- 'secretary_lecture' for the party lectures the secretary gives),
-- kept on close; org_counts dim 'mtg.<type>' counts branches per such month
-- on every organisation of the path, so a roll-up reads counters only.
CREATE TABLE meeting_last (
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    type TEXT NOT NULL,
    month TEXT NOT NULL,
    meeting_id INTEGER NOT NULL,
    held_on TEXT NOT NULL,
    PRIMARY KEY (org_id, type)
) WITHOUT ROWID;
