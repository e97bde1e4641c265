-- People and their credentials. Secrets are never stored: only SHA-256 digests of tokens.
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Personal access tokens (atr_pat_…): act as their user.
CREATE TABLE personal_tokens (
    id          text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id),
    name        text NOT NULL,
    prefix      text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    last_used_at timestamptz,
    CONSTRAINT personal_tokens_hash_len CHECK (octet_length(secret_hash) = 32)
);
CREATE UNIQUE INDEX personal_tokens_secret_hash_key ON personal_tokens (secret_hash);
CREATE INDEX personal_tokens_user_idx ON personal_tokens (user_id);

-- Organization admin keys (atr_adm_…) and workspace keys (atr_ws_…).
CREATE TABLE org_keys (
    org_id       text NOT NULL,
    id           text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('admin', 'workspace')),
    workspace_id text,
    user_id      text REFERENCES users (id),
    name         text NOT NULL,
    prefix       text NOT NULL,
    secret_hash  bytea NOT NULL,
    created_by   text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (org_id, id),
    CONSTRAINT org_keys_hash_len CHECK (octet_length(secret_hash) = 32),
    CONSTRAINT org_keys_scope CHECK ((kind = 'workspace') = (workspace_id IS NOT NULL))
);
CREATE UNIQUE INDEX org_keys_secret_hash_key ON org_keys (secret_hash);
CREATE INDEX org_keys_workspace_idx ON org_keys (org_id, workspace_id, id);

-- Failed sign-in counters per fixed window, shared by every node.
CREATE TABLE login_failures (
    scope        text NOT NULL CHECK (scope IN ('account', 'address')),
    subject      text NOT NULL,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL,
    PRIMARY KEY (scope, subject, window_start)
);
