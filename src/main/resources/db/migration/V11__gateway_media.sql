-- Generated media (images, audio) served by URL through the authorized media endpoint. The
-- history capability moves the bytes to a blob store; the row keeps the workspace boundary.
CREATE TABLE media (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    id           text NOT NULL,
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
