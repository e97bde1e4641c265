-- Credit leases: a gateway node's reservation on one funding path (a workspace's pool or budget
-- funding, with the spend-limit counters that path is subject to), from which it admits calls in
-- memory. A lease is a hold that stays open: taking or growing it moves credits from the source
-- account to held:<ws> and counts them on the spend counters, exactly as a hold does; each call
-- admitted from it is captured from it (held:<ws> -> spent:<ws>:<cat>, with the call's own
-- reservation id as the transfer's hold id); returning it gives back what was neither captured
-- nor returned before. Open part = amount - captured - returned, always covered by held:<ws>.
CREATE TABLE credit_leases (
    org_id              text NOT NULL,
    id                  text NOT NULL,
    workspace_id        text NOT NULL,
    user_id             text,
    node_id             text NOT NULL,
    source_account      text NOT NULL,
    amount              bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),
    captured            bigint NOT NULL DEFAULT 0 CHECK (captured >= 0),
    returned            bigint NOT NULL DEFAULT 0 CHECK (returned >= 0),
    ws_period_start     timestamptz,
    member_period_start timestamptz,
    status              text NOT NULL CHECK (status IN ('open', 'returned', 'expired')),
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    closed_at           timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id),
    CHECK (captured + returned <= amount)
);
CREATE INDEX credit_leases_open_expiry_idx ON credit_leases (expires_at) WHERE status = 'open';
CREATE INDEX credit_leases_open_workspace_idx ON credit_leases (org_id, workspace_id) WHERE status = 'open';
