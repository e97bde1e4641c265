-- A workspace's weekly usage digest, mailed to its admins: opt-in per workspace.
CREATE TABLE mail_digest_settings (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    weekly       boolean NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);

-- One row per workspace and week digested: the key makes each week's digest go out once, whichever
-- node gets there first; it commits with the digest's messages in the outbox.
CREATE TABLE mail_digest_runs (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    week_start   timestamptz NOT NULL,
    queued_at    timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id, week_start)
);
