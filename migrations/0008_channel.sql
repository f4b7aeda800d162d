-- The two-way channel (threads), shared news and experience posts with
-- review, reports, seen-by records and corrections, the word list that
-- pre-flags posts, and the search index.

-- Response target per organisation (seconds to the first answer). A branch
-- without a row inherits the nearest ancestor's; none at all: 48 hours.
CREATE TABLE response_targets (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    target_secs INTEGER NOT NULL CHECK (target_secs > 0),
    updated_by INTEGER REFERENCES accounts (id),
    updated_at INTEGER NOT NULL
);

-- A conversation between one member and the leadership of their branch.
-- direction 'to_leaders': the member wrote; 'to_member': a leader did.
-- Escalation is computed on read from created_at and target_secs (the
-- target in force when the thread was opened): every target_secs without a
-- first answer moves it one organisation up, never above top_depth (the
-- county, or the root). frozen_depth keeps the level reached when the
-- thread was answered or closed.
CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    branch_depth INTEGER NOT NULL,
    top_depth INTEGER NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id),
    started_by INTEGER NOT NULL REFERENCES accounts (id),
    direction TEXT NOT NULL CHECK (direction IN ('to_leaders', 'to_member')),
    kind TEXT NOT NULL CHECK (kind IN ('question', 'suggestion', 'help', 'problem', 'message')),
    subject TEXT NOT NULL,
    target_secs INTEGER NOT NULL,
    first_answer_at INTEGER,
    first_answer_by INTEGER REFERENCES accounts (id),
    frozen_depth INTEGER,
    closed_at INTEGER,
    last_message_at INTEGER NOT NULL,
    last_from_member INTEGER NOT NULL DEFAULT 1,
    messages INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX threads_path ON threads (org_path, id);
CREATE INDEX threads_member ON threads (member_id, id);

CREATE TABLE thread_messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    from_leader INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX thread_messages_thread ON thread_messages (thread_id, id);

-- News (a member to their branch) and experience posts (a branch to its
-- siblings or the county). audience_path: the subtree that sees it once
-- published (the branch, its parent, or the county); people with roles
-- above it see it too.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    audience_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('news', 'experience')),
    visibility TEXT NOT NULL CHECK (visibility IN ('branch', 'siblings', 'county')),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    photos TEXT,                 -- JSON array of file references
    tags TEXT,                   -- ',tag1,tag2,' for LIKE '%,tag,%'
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'rejected')),
    flagged_words TEXT,          -- words of the word list it contains, comma-separated
    review_reason TEXT,          -- why it waits: 'new_author', 'word_list'
    reviewed_by INTEGER REFERENCES accounts (id),
    reviewed_at INTEGER,
    reject_reason TEXT,
    clarification TEXT,          -- an official clarification attached by a reviewer
    clarified_at INTEGER,
    false_at INTEGER,            -- found false: the item is marked, seers get a correction
    correction TEXT,             -- the correction shown with a post found false
    comments INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX posts_audience ON posts (audience_path, id);
CREATE INDEX posts_org ON posts (org_path, state, id);
CREATE INDEX posts_author ON posts (author_id, state);

CREATE TABLE post_comments (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX post_comments_post ON post_comments (post_id, id);

-- Exact "seen by": a row the first time an account is shown a published
-- post (in a list or opened).
CREATE TABLE post_seen (
    post_id INTEGER NOT NULL REFERENCES posts (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, account_id)
) WITHOUT ROWID;

CREATE TABLE post_reports (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolution TEXT
);
CREATE UNIQUE INDEX post_reports_open ON post_reports (post_id, account_id)
    WHERE resolved_at IS NULL;
CREATE INDEX post_reports_post ON post_reports (post_id);

-- A correction or clarification delivered to an account that had seen the
-- post before it was issued.
CREATE TABLE post_corrections (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('false', 'clarification')),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX post_corrections_account ON post_corrections (account_id, id);

-- The deployment's word list: a post containing one waits for review.
CREATE TABLE word_list (
    id INTEGER PRIMARY KEY,
    word TEXT NOT NULL UNIQUE,
    added_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL
);

-- The search index: one document per searchable item. The text goes to
-- search_fts pre-split (single CJK characters in uni, CJK bigrams in bi,
-- other words as they are) for the unicode61 tokenizer; rowid = id.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    org_path TEXT NOT NULL,
    audience_path TEXT NOT NULL,
    member_id INTEGER,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, ref_id)
);
-- aud holds scope tokens (see search.c) so that FTS5 itself narrows a query to
-- what the caller may see before the rows are read.
CREATE VIRTUAL TABLE search_fts USING fts5 (uni, bi, aud, tokenize = 'unicode61');
