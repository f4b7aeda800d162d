-- Files and media (issue 17).
--
-- Contents live in the store (src/core/store.h), named by their SHA-256:
-- file_blobs counts the live files rows that name each blob; a blob whose
-- count fell to 0 is removed from the store by the files.sweep job (under
-- the write lock, so an upload of the same bytes cannot slip in between).
-- An upload in progress is a file_uploads row and a partial file
-- DATA/files/partial/<id> whose length past file_uploads.received means nothing: the
-- row's count is the truth, and the next chunk truncates the file to it.

CREATE TABLE file_blobs (
    sha256 TEXT PRIMARY KEY,                 -- 64 lower-case hex digits
    size INTEGER NOT NULL,
    refs INTEGER NOT NULL DEFAULT 0,         -- live files rows naming it
    created_at INTEGER NOT NULL,
    unref_at INTEGER                         -- when refs fell to 0 (the sweep's order)
) WITHOUT ROWID;
CREATE INDEX file_blobs_unref ON file_blobs (unref_at) WHERE refs = 0;

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,                  -- the organisation's path when uploaded
    owner_id INTEGER NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,                      -- the uploader's name for it (display only)
    sha256 TEXT NOT NULL REFERENCES file_blobs (sha256),
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,                      -- decided by content (libmagic)
    kind TEXT NOT NULL CHECK (kind IN ('pdf', 'office', 'image', 'audio', 'video')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER                       -- withdrawn: a tombstone, its blob unreferenced
);
CREATE INDEX files_org ON files (org_id, id) WHERE deleted_at IS NULL;
CREATE INDEX files_owner ON files (owner_id, id);
CREATE INDEX files_sha ON files (sha256);
CREATE INDEX files_seq ON files (seq);

-- What a file is attached to: its readers are the object's (a notice's
-- audience, a meeting's attendees); the download routes live under the object.
CREATE TABLE file_refs (
    file_id INTEGER NOT NULL REFERENCES files (id),
    object_kind TEXT NOT NULL CHECK (object_kind IN ('notice', 'meeting', 'post', 'member')),
    object_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (object_kind, object_id, file_id)
) WITHOUT ROWID;
CREATE INDEX file_refs_file ON file_refs (file_id);

-- Uploads in progress (resumable: a chunk at a time, at the stored offset).
CREATE TABLE file_uploads (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    org_path TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),  -- announced; reserved against the quota
    received INTEGER NOT NULL DEFAULT 0,     -- bytes stored so far (the offset of the next chunk)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL              -- the last chunk: stale uploads are swept
);
CREATE INDEX file_uploads_org ON file_uploads (org_id);
CREATE INDEX file_uploads_stale ON file_uploads (updated_at);

-- Per-organisation storage quotas in bytes (absent: the configured default,
-- file_quota_mb), counted over the files of the organisation itself.
CREATE TABLE file_quotas (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    bytes INTEGER NOT NULL
);
