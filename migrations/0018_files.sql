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
    sha256 TEXT NOT NULL,                    -- file_blobs (no foreign key: a tombstone outlives its blob)
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

-- A meeting's files: agendas and minutes beside materials, photos and paper
-- sign-in sheets, and a stored file (file_id; ref is then "file:<id>")
-- instead of a reference kept elsewhere. Rebuilt, as SQLite cannot change a CHECK.
CREATE TABLE meeting_files_v2 (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('material', 'agenda', 'minutes', 'photo', 'signin_sheet')),
    ref TEXT NOT NULL,
    name TEXT,
    file_id INTEGER REFERENCES files (id),
    added_by INTEGER REFERENCES accounts (id),
    captured_at INTEGER,
    received_at INTEGER,
    created_at INTEGER NOT NULL
);
INSERT INTO meeting_files_v2 (id, meeting_id, kind, ref, name, added_by, captured_at,
                              received_at, created_at)
    SELECT id, meeting_id, kind, ref, name, added_by, captured_at, received_at, created_at
    FROM meeting_files;
DROP TABLE meeting_files;
ALTER TABLE meeting_files_v2 RENAME TO meeting_files;
CREATE INDEX meeting_files_meeting ON meeting_files (meeting_id, id);

-- Scans on a member's record (ID card, certificates): personal data, sealed
-- at rest. The blob holds the sealed bytes (pdata_seal_file) and is named by
-- their hash; the name is sealed too. The plain upload is withdrawn on sealing.
CREATE TABLE member_scans (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    title_sealed BLOB NOT NULL,              -- pdata_seal("scan.title", the file's name)
    sha256 TEXT NOT NULL,                    -- file_blobs (no foreign key: a tombstone outlives its blob)
    size INTEGER NOT NULL,                   -- of the plain file
    mime TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'pdf')),
    added_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX member_scans_member ON member_scans (member_id, id) WHERE deleted_at IS NULL;

-- Derived versions for weak links, made by the media queue (src/core/media.c):
-- page images of a PDF, an image's thumbnail, a video's 240p H.264 version and
-- poster, an audio-only Opus version. Keyed by the source's content, so files
-- holding the same bytes share them; each variant is a blob with a reference.
CREATE TABLE file_variants (
    source_sha256 TEXT NOT NULL,
    name TEXT NOT NULL,                      -- 'thumb', 'page-1'..'page-N', 'video-240', 'poster', 'audio'
    sha256 TEXT NOT NULL,                    -- file_blobs (no foreign key: a tombstone outlives its blob)
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (source_sha256, name)
) WITHOUT ROWID;

-- The queue: persistent and restart-safe (a job found 'running' at start-up
-- was cut short and runs again, at most 3 times). One job per source content.
CREATE TABLE file_jobs (
    source_sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('pdf', 'image', 'audio', 'video')),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    ms INTEGER,                              -- how long the tools ran (BENCHMARKS.md)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX file_jobs_queued ON file_jobs (state, created_at) WHERE state IN ('queued', 'running');

-- A member's choices for media on a weak link, honoured by the client.
CREATE TABLE media_settings (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    video_wifi_only INTEGER NOT NULL DEFAULT 1,
    audio_only INTEGER NOT NULL DEFAULT 0,
    monthly_budget_mb INTEGER NOT NULL DEFAULT 0,  -- 0: no budget
    updated_at INTEGER NOT NULL
);
