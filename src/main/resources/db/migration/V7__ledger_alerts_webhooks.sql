-- Alert thresholds per workspace (percent of budget or spend limit) and the pool's low-balance mark.
CREATE TABLE alert_settings (
    org_id             text NOT NULL REFERENCES organizations (id),
    subject            text NOT NULL, -- a workspace id, or 'pool'
    thresholds_percent integer[] NOT NULL DEFAULT '{}',
    pool_below         bigint CHECK (pool_below IS NULL OR pool_below > 0),
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (org_id, subject)
);

-- One row per fired alert: the key makes each threshold fire once per period.
CREATE TABLE alert_firings (
    org_id       text NOT NULL,
    subject      text NOT NULL,
    threshold    text NOT NULL,
    period_start timestamptz NOT NULL,
    fired_at     timestamptz NOT NULL,
    details      text NOT NULL,
    PRIMARY KEY (org_id, subject, threshold, period_start)
);

CREATE TABLE webhooks (
    org_id     text NOT NULL REFERENCES organizations (id),
    id         text NOT NULL,
    url        text NOT NULL CHECK (url ~ '^https?://'),
    events     text[] NOT NULL,
    secret     text NOT NULL,
    status     text NOT NULL CHECK (status IN ('active', 'deleted')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE webhook_deliveries (
    org_id          text NOT NULL,
    id              text NOT NULL,
    webhook_id      text NOT NULL,
    event           text NOT NULL,
    payload         text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (org_id, webhook_id, id);
