-- Rate limits (requests and tokens per minute, concurrent calls) on a workspace's policy, on a
-- member's workspace settings and on a workspace key; a key's own spend limit and allowed models.
ALTER TABLE workspace_policies
    ADD COLUMN requests_per_minute integer CHECK (requests_per_minute IS NULL OR requests_per_minute > 0),
    ADD COLUMN tokens_per_minute   bigint  CHECK (tokens_per_minute IS NULL OR tokens_per_minute > 0),
    ADD COLUMN concurrent_calls    integer CHECK (concurrent_calls IS NULL OR concurrent_calls > 0);

ALTER TABLE workspace_members
    ADD COLUMN requests_per_minute integer CHECK (requests_per_minute IS NULL OR requests_per_minute > 0),
    ADD COLUMN tokens_per_minute   bigint  CHECK (tokens_per_minute IS NULL OR tokens_per_minute > 0),
    ADD COLUMN concurrent_calls    integer CHECK (concurrent_calls IS NULL OR concurrent_calls > 0);

ALTER TABLE org_keys
    ADD COLUMN requests_per_minute integer CHECK (requests_per_minute IS NULL OR requests_per_minute > 0),
    ADD COLUMN tokens_per_minute   bigint  CHECK (tokens_per_minute IS NULL OR tokens_per_minute > 0),
    ADD COLUMN concurrent_calls    integer CHECK (concurrent_calls IS NULL OR concurrent_calls > 0),
    ADD COLUMN spend_limit         bigint  CHECK (spend_limit IS NULL OR spend_limit > 0),
    ADD COLUMN spend_period        text    CHECK (spend_period IN ('day', 'week', 'month')),
    ADD COLUMN allowed_models      text[],
    ADD COLUMN rotated_at          timestamptz,
    ADD CONSTRAINT org_keys_spend_limit_period CHECK ((spend_limit IS NULL) = (spend_period IS NULL)),
    ADD CONSTRAINT org_keys_settings_workspace_only CHECK (
        kind = 'workspace' OR (requests_per_minute IS NULL AND tokens_per_minute IS NULL AND concurrent_calls IS NULL
                               AND spend_limit IS NULL AND allowed_models IS NULL));

-- A limit's window (a minute, a spend period, or for concurrent calls one that never ends) and how
-- much of the limit nodes have claimed in it: never more than the limit. Nodes admit calls from
-- what they claimed, in memory, and give back what they did not use.
CREATE TABLE rate_windows (
    org_id       text NOT NULL,
    scope        text NOT NULL,
    metric       text NOT NULL CHECK (metric IN ('requests', 'tokens', 'concurrent', 'credits')),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    claimed      bigint NOT NULL CHECK (claimed >= 0),
    last_grant   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, scope, metric, window_start)
);
CREATE INDEX rate_windows_end_idx ON rate_windows (window_end);

-- What each node holds of a window, so that the claims of a node that stopped return to the window
-- when they expire (a node renews its claims while it runs).
CREATE TABLE rate_claims (
    org_id       text NOT NULL,
    scope        text NOT NULL,
    metric       text NOT NULL,
    window_start timestamptz NOT NULL,
    node_id      text NOT NULL,
    claimed      bigint NOT NULL CHECK (claimed >= 0),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, scope, metric, window_start, node_id),
    FOREIGN KEY (org_id, scope, metric, window_start) REFERENCES rate_windows (org_id, scope, metric, window_start)
        ON DELETE CASCADE
);
CREATE INDEX rate_claims_expiry_idx ON rate_claims (expires_at);

-- Calls refused by a rate limit, per workspace, minute and reason (counted on each node, flushed in batches).
CREATE TABLE rate_limit_refusals (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    minute       timestamptz NOT NULL,
    reason       text NOT NULL CHECK (reason IN ('requests', 'tokens', 'concurrent', 'key_spend_limit')),
    refused      bigint NOT NULL CHECK (refused >= 0),
    PRIMARY KEY (org_id, workspace_id, minute, reason),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
