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
