-- Usage rollups (DESIGN §4): hour, day and month buckets (UTC) per organization, workspace, member, model
-- and category, kept by a trigger in the transaction that writes the event, so a rollup always
-- equals the sum of its events whoever writes them (gateway, ingestion, bulk loads) and whatever
-- crashes. Reports read these rows, never the raw events (except latency percentiles).

-- Ingested events keep the client's id here; it is the idempotency key of ingestion.
ALTER TABLE usage_events ADD COLUMN external_id text;
CREATE UNIQUE INDEX usage_events_external_key ON usage_events (org_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE usage_rollups (
    org_id          text NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('hour', 'day', 'month')),
    bucket_start    timestamptz NOT NULL,
    workspace_id    text NOT NULL,
    user_id         text NOT NULL,          -- '' when no member made the call (workspace key, external)
    model           text NOT NULL,
    category        text NOT NULL,
    event_count     bigint NOT NULL,
    input_units     bigint NOT NULL,
    output_units    bigint NOT NULL,
    credits         bigint NOT NULL,
    error_count     bigint NOT NULL,
    latency_sum_ms  bigint NOT NULL,
    PRIMARY KEY (org_id, grain, bucket_start, workspace_id, user_id, model, category)
);

-- Statement-level, over the transition table: a multi-row insert costs one upsert per touched rollup
-- row, not one per event, and a single-row insert (the gateway's) one statement for both grains.
-- Rows are upserted in one order (hour rows, day rows, month rows, then by key), so concurrent writers
-- lock rollup rows in the same order and never deadlock.
CREATE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER usage_events_rollup_insert AFTER INSERT ON usage_events
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_apply();
CREATE TRIGGER usage_events_rollup_delete AFTER DELETE ON usage_events
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_apply();

-- Usage events are immutable (a correction would be a new event); an UPDATE would desynchronise rollups.
CREATE FUNCTION usage_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage events are immutable';
END
$$;
CREATE TRIGGER usage_events_immutable BEFORE UPDATE ON usage_events
    FOR EACH ROW EXECUTE FUNCTION usage_events_refuse_update();

-- Events written before this migration.
INSERT INTO usage_rollups (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
SELECT org_id, g.grain, date_trunc(g.grain, occurred_at, 'UTC'), workspace_id, coalesce(user_id, ''), model, category,
       count(*), sum(input_units), sum(output_units), sum(credits), count(*) FILTER (WHERE status = 'error'), sum(latency_ms)
FROM usage_events CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
GROUP BY 1, 2, 3, 4, 5, 6, 7;
