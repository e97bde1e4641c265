-- Media bytes move to a blob store (a local directory or any S3-compatible store) under their
-- SHA-256; the row keeps the workspace boundary and what the endpoint serves it with. Rows written
-- before this keep their bytes until the application moves them (LegacyMediaMove), then bytes is NULL.
ALTER TABLE media
    ADD COLUMN content_hash text,
    ADD COLUMN size         bigint;
UPDATE media SET content_hash = encode(sha256(bytes), 'hex'), size = length(bytes);
ALTER TABLE media
    ALTER COLUMN content_hash SET NOT NULL,
    ALTER COLUMN size SET NOT NULL,
    ALTER COLUMN bytes DROP NOT NULL,
    ADD CONSTRAINT media_hash_format CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT media_size_positive CHECK (size >= 0);
-- Whether any row still references a blob (two rows, even of different workspaces, may share one).
CREATE INDEX media_hash_idx ON media (content_hash);
-- Retention by age.
CREATE INDEX media_time_idx ON media (org_id, workspace_id, created_at);

-- Blobs that may have lost their last reference, queued in the erasing transaction so that a crash
-- between the commit and the blob deletion leaves work to finish, never an orphan. Not tenant data:
-- a content hash names no organization.
CREATE TABLE media_blob_sweeps (
    content_hash text PRIMARY KEY,
    queued_at    timestamptz NOT NULL
);
