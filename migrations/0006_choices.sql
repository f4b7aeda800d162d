-- Activities members choose (活动菜单) and polls (投票, 民主评议党员).
--
-- Nobody is forced and nothing is ranked: there is no score, no count per
-- member across activities, only who signed up for and took part in each one.
--
-- Anonymous polls keep who voted (poll_voters.voted) apart from what was
-- chosen (poll_options.votes, counters only). Neither carries a time, a
-- sequence or a per-ballot row, and poll_voters rows are written when the
-- poll is created (in member order), so nothing in the tables links a voter
-- to a choice. poll_choices (who chose what) is written for open polls only.

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),   -- the branch offering it
    org_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('volunteer', 'study', 'elderly_visit', 'other')),
    title TEXT NOT NULL,
    description TEXT,
    place TEXT,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,
    signup_deadline INTEGER NOT NULL,
    capacity INTEGER,                               -- NULL: no limit
    waitlist INTEGER NOT NULL DEFAULT 0,            -- 1: sign-ups past capacity wait
    signed_up INTEGER NOT NULL DEFAULT 0,           -- places taken (state 'signed_up')
    waiting INTEGER NOT NULL DEFAULT 0,             -- on the waiting list
    cancelled_at INTEGER,
    cancel_reason TEXT,
    recorded_at INTEGER,                            -- participation recorded
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX activities_org ON activities (org_id, starts_at);
CREATE INDEX activities_seq ON activities (seq);

CREATE TABLE activity_signups (
    activity_id INTEGER NOT NULL REFERENCES activities (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    state TEXT NOT NULL CHECK (state IN ('signed_up', 'waitlisted', 'withdrawn', 'walk_in')),
    signed_at INTEGER NOT NULL,                     -- the waiting list's order
    attended INTEGER,                               -- NULL: not recorded; 1 took part; 0 not
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (activity_id, member_id)
);
CREATE INDEX activity_signups_member ON activity_signups (member_id);

CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),   -- a branch or a party group
    org_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('choice', 'review', 'activities')),
    title TEXT NOT NULL,
    description TEXT,
    min_choices INTEGER NOT NULL,
    max_choices INTEGER NOT NULL,
    anonymous INTEGER NOT NULL,
    hide_results INTEGER NOT NULL,                  -- 1: results only after closing
    chosen INTEGER NOT NULL DEFAULT 0,              -- 1: voters chosen by name
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    closed_early_by INTEGER REFERENCES accounts (id),
    eligible INTEGER NOT NULL,                      -- turnout: voters on the list
    voted INTEGER NOT NULL DEFAULT 0,               -- turnout: ballots cast
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX polls_org ON polls (org_id, closes_at);

-- Options: plain labels, activities, or (review) a member with a rating.
CREATE TABLE poll_options (
    id INTEGER PRIMARY KEY,
    poll_id INTEGER NOT NULL REFERENCES polls (id),
    idx INTEGER NOT NULL,
    label TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id),
    member_id INTEGER REFERENCES members (id),      -- review: the member reviewed
    rating TEXT CHECK (rating IN ('excellent', 'qualified', 'basically_qualified',
                                  'unqualified')),
    votes INTEGER NOT NULL DEFAULT 0                -- a counter: no per-ballot rows
);
CREATE INDEX poll_options_poll ON poll_options (poll_id, idx);

-- Who may vote and whether they have: no time, no sequence.
CREATE TABLE poll_voters (
    poll_id INTEGER NOT NULL REFERENCES polls (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    voted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (poll_id, member_id)
) WITHOUT ROWID;
CREATE INDEX poll_voters_member ON poll_voters (member_id);

-- Who chose what: polls that are not anonymous only.
CREATE TABLE poll_choices (
    poll_id INTEGER NOT NULL REFERENCES polls (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    option_id INTEGER NOT NULL REFERENCES poll_options (id),
    PRIMARY KEY (poll_id, member_id, option_id)
) WITHOUT ROWID;
