CREATE TABLE organizations (
    id                   text PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    primary_workspace_id text NOT NULL,
    created_by           text NOT NULL REFERENCES users (id),
    created_at           timestamptz NOT NULL
);

CREATE TABLE org_members (
    org_id               text NOT NULL REFERENCES organizations (id),
    user_id              text NOT NULL REFERENCES users (id),
    role                 text NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'member')),
    status               text NOT NULL CHECK (status IN ('active', 'removed')),
    default_workspace_id text,
    joined_at            timestamptz NOT NULL,
    removed_at           timestamptz,
    PRIMARY KEY (org_id, user_id),
    CONSTRAINT org_members_active_has_default CHECK ((status = 'active') = (default_workspace_id IS NOT NULL))
);
CREATE INDEX org_members_user_idx ON org_members (user_id);

CREATE TABLE invitations (
    org_id       text NOT NULL REFERENCES organizations (id),
    id           text NOT NULL,
    token_hash   bytea NOT NULL,
    email        text NOT NULL CHECK (email = lower(email)),
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'member')),
    workspace_id text,
    invited_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  text REFERENCES users (id),
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX invitations_token_hash_key ON invitations (token_hash);
