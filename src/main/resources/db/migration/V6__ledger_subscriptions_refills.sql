-- An organization's plan: a monthly grant issued at each UTC month start.
CREATE TABLE subscriptions (
    org_id          text PRIMARY KEY REFERENCES organizations (id),
    monthly_credits bigint NOT NULL CHECK (monthly_credits > 0),
    rollover        boolean NOT NULL,
    status          text NOT NULL CHECK (status IN ('active', 'cancelled')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- One row per issued period: the primary key makes issuance exactly-once across nodes.
CREATE TABLE subscription_periods (
    org_id       text NOT NULL REFERENCES organizations (id),
    period_start timestamptz NOT NULL,
    grant_id     text NOT NULL,
    PRIMARY KEY (org_id, period_start)
);

-- One row per budget refill period and workspace, for the same reason.
CREATE TABLE refill_runs (
    org_id       text NOT NULL,
    workspace_id text NOT NULL,
    period_start timestamptz NOT NULL,
    amount       bigint NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (org_id, workspace_id, period_start)
);
