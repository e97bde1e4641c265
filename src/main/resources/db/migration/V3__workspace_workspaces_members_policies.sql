CREATE TABLE workspaces (
    org_id      text NOT NULL REFERENCES organizations (id) DEFERRABLE INITIALLY DEFERRED,
    id          text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('client', 'department', 'campaign', 'product_line', 'research',
                                              'engagement', 'experiment', 'other')),
    description text NOT NULL DEFAULT '',
    is_primary  boolean NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'archived', 'deleted')),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    archived_at timestamptz,
    deleted_at  timestamptz,
    PRIMARY KEY (org_id, id),
    CONSTRAINT workspaces_primary_stays_active CHECK (NOT is_primary OR status = 'active')
);
CREATE UNIQUE INDEX workspaces_id_key ON workspaces (id);
-- An organization has exactly one Primary Workspace: at most one here, at least one by the FK below.
CREATE UNIQUE INDEX workspaces_one_primary ON workspaces (org_id) WHERE is_primary;

ALTER TABLE organizations
    ADD CONSTRAINT organizations_primary_workspace_fk FOREIGN KEY (id, primary_workspace_id)
        REFERENCES workspaces (org_id, id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE workspace_members (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    user_id      text NOT NULL REFERENCES users (id),
    role         text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    added_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id, user_id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
CREATE INDEX workspace_members_user_idx ON workspace_members (org_id, user_id);

-- A member's default workspace is always one they belong to.
ALTER TABLE org_members
    ADD CONSTRAINT org_members_default_workspace_fk FOREIGN KEY (org_id, default_workspace_id, user_id)
        REFERENCES workspace_members (org_id, workspace_id, user_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE invitations
    ADD CONSTRAINT invitations_workspace_fk FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id);

ALTER TABLE org_keys
    ADD CONSTRAINT org_keys_workspace_fk FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id);

CREATE TABLE workspace_policies (
    org_id                  text NOT NULL,
    workspace_id            text NOT NULL,
    allowed_models          text[],
    denied_models           text[],
    record_history          boolean NOT NULL DEFAULT true,
    retention_days          integer CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500),
    max_credits_per_request bigint CHECK (max_credits_per_request IS NULL OR max_credits_per_request > 0),
    updated_at              timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
