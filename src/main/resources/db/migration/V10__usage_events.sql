-- One immutable record per settled AI operation (gateway) or ingested external usage.
CREATE TABLE usage_events (
    org_id        text NOT NULL REFERENCES organizations (id),
    id            text NOT NULL,
    workspace_id  text NOT NULL,
    user_id       text,
    key_id        text,
    model         text NOT NULL,
    provider      text NOT NULL,
    category      text NOT NULL CHECK (category IN ('chat', 'image', 'speech')),
    operation     text NOT NULL,
    input_units   bigint NOT NULL DEFAULT 0 CHECK (input_units >= 0),
    output_units  bigint NOT NULL DEFAULT 0 CHECK (output_units >= 0),
    credits       bigint NOT NULL CHECK (credits >= 0),
    latency_ms    integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
    status        text NOT NULL CHECK (status IN ('ok', 'partial', 'error')),
    hold_id       text,
    request_id    text,
    source        text NOT NULL CHECK (source IN ('gateway', 'external')),
    occurred_at   timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
CREATE INDEX usage_events_workspace_time_idx ON usage_events (org_id, workspace_id, occurred_at);
CREATE INDEX usage_events_time_idx ON usage_events (org_id, occurred_at);
-- At most one event per hold: a settled operation is recorded once.
CREATE UNIQUE INDEX usage_events_hold_key ON usage_events (org_id, hold_id) WHERE hold_id IS NOT NULL;
