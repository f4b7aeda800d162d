-- Learning (学习): lessons and courses published to a subtree, the member's own
-- progress, question banks, quizzes (practice, self-test, exam) and attempts.
--
-- Chosen, never forced (DOMAIN.md, rules against formalism): nothing here
-- counts points, streaks or study time; a branch may recommend a course, and
-- a member chooses to follow it. Scores are the person's own: organisers see
-- participation and completion per branch, never a list of people's scores.
--
-- Audience: an item published on organisation O (org_path) is seen by those
-- inside O's subtree (their member record's branch or a role there) and by
-- learning.publish on O (src/mod/learning.c). track 'staff' items (the
-- training track for those who run the branch online) reach role holders only.

CREATE TABLE lessons (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,                  -- the organisation's path when published
    kind TEXT NOT NULL CHECK (kind IN ('article', 'audio', 'video', 'story')),
    track TEXT NOT NULL DEFAULT 'member' CHECK (track IN ('member', 'staff')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,                      -- the text (an audio lesson's transcript)
    file_id INTEGER,                         -- the audio/video/pictures in the file store
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 120),  -- its length, "3 分钟"
    level TEXT NOT NULL CHECK (level IN ('intro', 'basic', 'advanced')),
    topics TEXT NOT NULL DEFAULT '[]',       -- JSON list of short strings
    -- review: waiting for the organisation above where review is configured
    -- (learning_review); rejected: sent back with review_note
    state TEXT NOT NULL DEFAULT 'published'
        CHECK (state IN ('published', 'review', 'rejected', 'withdrawn')),
    review_note TEXT,
    reviewed_by INTEGER REFERENCES accounts (id),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    published_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX lessons_review ON lessons (org_path) WHERE state = 'review';
CREATE INDEX lessons_org ON lessons (org_path, published_at DESC, id DESC);
CREATE INDEX lessons_seq ON lessons (seq);

-- Review where configured: an organisation that asks for it has a row with
-- required = 1; a lesson published in its subtree by someone without
-- learning.publish on it waits for review.
CREATE TABLE learning_review (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    required INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    updated_at INTEGER NOT NULL
);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    track TEXT NOT NULL DEFAULT 'member' CHECK (track IN ('member', 'staff')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL CHECK (level IN ('intro', 'basic', 'advanced')),
    state TEXT NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'withdrawn')),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    published_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX courses_org ON courses (org_path, published_at DESC, id DESC);

-- A course's lessons in order. A lesson reaches at least the course's audience
-- (its organisation is the course's or above it).
CREATE TABLE course_lessons (
    course_id INTEGER NOT NULL REFERENCES courses (id),
    position INTEGER NOT NULL,
    lesson_id INTEGER NOT NULL REFERENCES lessons (id),
    PRIMARY KEY (course_id, position)
) WITHOUT ROWID;
CREATE INDEX course_lessons_lesson ON course_lessons (lesson_id);

-- Courses a person chose to follow.
CREATE TABLE course_follows (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    course_id INTEGER NOT NULL REFERENCES courses (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, course_id)
) WITHOUT ROWID;

-- A branch's (or a higher organisation's) recommendation of a course to its
-- subtree: shown beside the course, never a task.
CREATE TABLE course_recommends (
    course_id INTEGER NOT NULL REFERENCES courses (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (course_id, org_id)
) WITHOUT ROWID;

-- The person's own progress in a lesson. Keyed by the account, with the
-- member record it belongs to: it stays with the member through a transfer
-- (figures count it where the member's record is now).
CREATE TABLE lesson_progress (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    lesson_id INTEGER NOT NULL REFERENCES lessons (id),
    member_id INTEGER REFERENCES members (id),
    position INTEGER NOT NULL DEFAULT 0,     -- seconds into the audio/video, or 0
    opened_at INTEGER NOT NULL,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (account_id, lesson_id)
) WITHOUT ROWID;
CREATE INDEX lesson_progress_lesson ON lesson_progress (lesson_id);
CREATE INDEX lesson_progress_member ON lesson_progress (member_id) WHERE member_id IS NOT NULL;

CREATE TABLE question_banks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    title TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX question_banks_org ON question_banks (org_path, id);

-- answer: single 'B'; multiple 'ACD' (letters in order); truefalse 'true' or
-- 'false'; fill the accepted answers separated by '|'.
CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    bank_id INTEGER NOT NULL REFERENCES question_banks (id),
    position INTEGER NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('single', 'multiple', 'truefalse', 'fill')),
    stem TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',      -- JSON list of option texts (A, B, ...)
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    file_id INTEGER,                         -- a recording of the question read aloud
    created_at INTEGER NOT NULL
);
CREATE INDEX questions_bank ON questions (bank_id, position);

-- practice: nothing scored is kept; selftest: the score is the person's own;
-- exam: set by an organisation for its subtree, one attempt per person, with a
-- time limit from its start that the server enforces.
CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    bank_id INTEGER NOT NULL REFERENCES question_banks (id),
    mode TEXT NOT NULL CHECK (mode IN ('practice', 'selftest', 'exam')),
    track TEXT NOT NULL DEFAULT 'member' CHECK (track IN ('member', 'staff')),
    title TEXT NOT NULL,
    time_limit INTEGER,                      -- exam: seconds from its start
    opens_at INTEGER,                        -- exam: no start before
    closes_at INTEGER,                       -- exam: no start after, deadline at the latest
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    published_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX quizzes_org ON quizzes (org_path, published_at DESC, id DESC);

CREATE TABLE quiz_questions (
    quiz_id INTEGER NOT NULL REFERENCES quizzes (id),
    position INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    PRIMARY KEY (quiz_id, position)
) WITHOUT ROWID;

-- One taking of a quiz. An exam has at most one per person (started, then
-- submitted or entered from paper): the member record, or the account of
-- staff without one; a member without an account is entered from paper.
-- Practice and self-tests one per client key, so an offline submission sent
-- twice counts once.
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY,
    quiz_id INTEGER NOT NULL REFERENCES quizzes (id),
    account_id INTEGER REFERENCES accounts (id),
    member_id INTEGER REFERENCES members (id),
    exam INTEGER NOT NULL DEFAULT 0,
    client_key TEXT,                         -- the client's key for the taking
    origin TEXT NOT NULL DEFAULT 'online' CHECK (origin IN ('online', 'offline', 'paper')),
    started_at INTEGER NOT NULL,
    deadline INTEGER,                        -- exam: submissions after it are refused
    submitted_at INTEGER,
    score INTEGER,                           -- correct answers; NULL for practice
    total INTEGER NOT NULL DEFAULT 0,
    entered_by INTEGER REFERENCES accounts (id),  -- paper: the secretary who entered it
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX quiz_attempts_exam_member ON quiz_attempts (quiz_id, member_id)
    WHERE exam = 1 AND member_id IS NOT NULL;
CREATE UNIQUE INDEX quiz_attempts_exam_account ON quiz_attempts (quiz_id, account_id)
    WHERE exam = 1 AND member_id IS NULL;
CREATE UNIQUE INDEX quiz_attempts_key ON quiz_attempts (account_id, client_key)
    WHERE client_key IS NOT NULL;
CREATE INDEX quiz_attempts_quiz ON quiz_attempts (quiz_id, submitted_at);

-- The answers of an attempt, for the person's review of wrong answers.
CREATE TABLE attempt_answers (
    attempt_id INTEGER NOT NULL REFERENCES quiz_attempts (id),
    question_id INTEGER NOT NULL REFERENCES questions (id),
    answer TEXT NOT NULL,
    correct INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
) WITHOUT ROWID;
