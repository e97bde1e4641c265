-- Usage rollups (DESIGN §4): hour and day buckets (UTC) per organization, workspace, member, model
-- and category, kept by a trigger in the transaction that writes the event, so a rollup always
-- equals the sum of its events whoever writes them (gateway, ingestion, bulk loads) and whatever
-- crashes. Reports read these rows, never the raw events (except latency percentiles).

-- Ingested events keep the client's id here; it is the idempotency key of ingestion.
ALTER TABLE usage_events ADD COLUMN external_id text;
CREATE UNIQUE INDEX usage_events_external_key ON usage_events (org_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE usage_rollups (
    org_id          text NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('hour', 'day')),
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

CREATE FUNCTION usage_rollup_add(r usage_events, grain text, sign integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO usage_rollups AS u (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                                    event_count, input_units, output_units, credits, error_count, latency_sum_ms)
    VALUES (r.org_id, grain, date_trunc(grain, r.occurred_at, 'UTC'), r.workspace_id, coalesce(r.user_id, ''),
            r.model, r.category, sign, sign * r.input_units, sign * r.output_units, sign * r.credits,
            CASE WHEN r.status = 'error' THEN sign ELSE 0 END, sign * r.latency_ms)
    ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
        event_count    = u.event_count + EXCLUDED.event_count,
        input_units    = u.input_units + EXCLUDED.input_units,
        output_units   = u.output_units + EXCLUDED.output_units,
        credits        = u.credits + EXCLUDED.credits,
        error_count    = u.error_count + EXCLUDED.error_count,
        latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms
$$;

-- Hour before day, always: concurrent writers lock rollup rows in one order and never deadlock.
CREATE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usage_rollup_add(NEW, 'hour', 1);
        PERFORM usage_rollup_add(NEW, 'day', 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usage_rollup_add(OLD, 'hour', -1);
        PERFORM usage_rollup_add(OLD, 'day', -1);
    ELSE
        RAISE EXCEPTION 'usage events are immutable';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER usage_events_rollup AFTER INSERT OR UPDATE OR DELETE ON usage_events
    FOR EACH ROW EXECUTE FUNCTION usage_rollup_apply();

-- Events written before this migration.
INSERT INTO usage_rollups (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
SELECT org_id, g.grain, date_trunc(g.grain, occurred_at, 'UTC'), workspace_id, coalesce(user_id, ''), model, category,
       count(*), sum(input_units), sum(output_units), sum(credits), count(*) FILTER (WHERE status = 'error'), sum(latency_ms)
FROM usage_events CROSS JOIN (VALUES ('hour'), ('day')) AS g (grain)
GROUP BY 1, 2, 3, 4, 5, 6, 7;
