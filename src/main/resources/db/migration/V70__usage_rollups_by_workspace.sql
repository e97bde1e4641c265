-- Usage rollups without the member dimension (docs/usage.md, "Rollups"): the same hour, day and month
-- buckets per organization, workspace, model and category. Every report that does not group by member
-- reads these rows, which are (members per workspace) times fewer than those of usage_rollups.
-- Kept by the same statement-level trigger, in the same transaction as the events, so they too always
-- equal the sum of their events.
CREATE TABLE usage_rollups_ws (
    org_id          text NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('hour', 'day', 'month')),
    bucket_start    timestamptz NOT NULL,
    workspace_id    text NOT NULL,
    model           text NOT NULL,
    category        text NOT NULL,
    event_count     bigint NOT NULL,
    input_units     bigint NOT NULL,
    output_units    bigint NOT NULL,
    credits         bigint NOT NULL,
    error_count     bigint NOT NULL,
    latency_sum_ms  bigint NOT NULL,
    PRIMARY KEY (org_id, grain, bucket_start, workspace_id, model, category)
);

-- Reports limited to some workspaces (a member's view, a statement, workspace_ids) read one workspace's
-- buckets in one index range instead of filtering every workspace's rows of the range. (usage_rollups
-- gets no such index: each index costs every ingested event; its member reports by workspace filter
-- on the primary key's fourth column.)
CREATE INDEX usage_rollups_ws_workspace_idx ON usage_rollups_ws (org_id, workspace_id, grain, bucket_start);

INSERT INTO usage_rollups_ws (org_id, grain, bucket_start, workspace_id, model, category, event_count, input_units,
                              output_units, credits, error_count, latency_sum_ms)
SELECT org_id, grain, bucket_start, workspace_id, model, category, sum(event_count), sum(input_units),
       sum(output_units), sum(credits), sum(error_count), sum(latency_sum_ms)
FROM usage_rollups
GROUP BY 1, 2, 3, 4, 5, 6;

-- The trigger function now feeds both tables. Every writer upserts usage_rollups rows first, then
-- usage_rollups_ws rows, each in one order (hour, day, month, then by key), so concurrent writers
-- lock rollup rows in the same order and never deadlock.
CREATE OR REPLACE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_rollups AS u (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                                        event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b, e.workspace_id,
               coalesce(e.user_id, '') AS usr, e.model, e.category,
               count(*), sum(e.input_units), sum(e.output_units), sum(e.credits),
               count(*) FILTER (WHERE e.status = 'error'), sum(e.latency_ms)
        FROM inserted e CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
        GROUP BY e.org_id, g.grain, b, e.workspace_id, usr, e.model, e.category
        ORDER BY array_position(ARRAY['hour', 'day', 'month'], g.grain), e.org_id, b, e.workspace_id, usr, e.model, e.category
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
        INSERT INTO usage_rollups_ws AS u (org_id, grain, bucket_start, workspace_id, model, category,
                                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b, e.workspace_id, e.model, e.category,
               count(*), sum(e.input_units), sum(e.output_units), sum(e.credits),
               count(*) FILTER (WHERE e.status = 'error'), sum(e.latency_ms)
        FROM inserted e CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
        GROUP BY e.org_id, g.grain, b, e.workspace_id, e.model, e.category
        ORDER BY array_position(ARRAY['hour', 'day', 'month'], g.grain), e.org_id, b, e.workspace_id, e.model, e.category
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
    ELSE
        INSERT INTO usage_rollups AS u (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                                        event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b, e.workspace_id,
               coalesce(e.user_id, '') AS usr, e.model, e.category,
               -count(*), -sum(e.input_units), -sum(e.output_units), -sum(e.credits),
               -count(*) FILTER (WHERE e.status = 'error'), -sum(e.latency_ms)
        FROM deleted e CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
        GROUP BY e.org_id, g.grain, b, e.workspace_id, usr, e.model, e.category
        ORDER BY array_position(ARRAY['hour', 'day', 'month'], g.grain), e.org_id, b, e.workspace_id, usr, e.model, e.category
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
        INSERT INTO usage_rollups_ws AS u (org_id, grain, bucket_start, workspace_id, model, category,
                                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b, e.workspace_id, e.model, e.category,
               -count(*), -sum(e.input_units), -sum(e.output_units), -sum(e.credits),
               -count(*) FILTER (WHERE e.status = 'error'), -sum(e.latency_ms)
        FROM deleted e CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
        GROUP BY e.org_id, g.grain, b, e.workspace_id, e.model, e.category
        ORDER BY array_position(ARRAY['hour', 'day', 'month'], g.grain), e.org_id, b, e.workspace_id, e.model, e.category
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
    END IF;
    RETURN NULL;
END
$$;
