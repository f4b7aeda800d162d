-- A lesson refers to its recording or pictures in the file store (issue 18): the
-- file is read through the lesson by whoever sees it, and kept while referred to.
CREATE TABLE file_refs_v2 (
    file_id INTEGER NOT NULL REFERENCES files (id),
    object_kind TEXT NOT NULL
        CHECK (object_kind IN ('notice', 'meeting', 'post', 'member', 'lesson')),
    object_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (object_kind, object_id, file_id)
) WITHOUT ROWID;
INSERT INTO file_refs_v2 (file_id, object_kind, object_id, created_at)
    SELECT file_id, object_kind, object_id, created_at FROM file_refs;
DROP TABLE file_refs;
ALTER TABLE file_refs_v2 RENAME TO file_refs;
CREATE INDEX file_refs_file ON file_refs (file_id);

-- Review where configured reaches courses, question banks and quizzes too: as
-- a lesson's state, review (waiting for the organisation above) or rejected
-- (sent back with review_note); null once published. (A column beside state:
-- rebuilding these tables to widen state's CHECK would break the foreign keys
-- that point at them.)
ALTER TABLE courses ADD COLUMN review TEXT CHECK (review IN ('review', 'rejected'));
ALTER TABLE courses ADD COLUMN review_note TEXT;
ALTER TABLE courses ADD COLUMN reviewed_by INTEGER REFERENCES accounts (id);
ALTER TABLE question_banks ADD COLUMN review TEXT CHECK (review IN ('review', 'rejected'));
ALTER TABLE question_banks ADD COLUMN review_note TEXT;
ALTER TABLE question_banks ADD COLUMN reviewed_by INTEGER REFERENCES accounts (id);
ALTER TABLE quizzes ADD COLUMN review TEXT CHECK (review IN ('review', 'rejected'));
ALTER TABLE quizzes ADD COLUMN review_note TEXT;
ALTER TABLE quizzes ADD COLUMN reviewed_by INTEGER REFERENCES accounts (id);
