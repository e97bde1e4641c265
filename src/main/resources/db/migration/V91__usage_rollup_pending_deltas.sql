-- Rollups through pending deltas (docs/usage.md, "Rollups").
--
-- Until now the statement-level trigger on usage_events upserted every touched hour, day and month row
-- of both rollup tables inside the writer's transaction: about 4 upserts per event for a batch of 1,000,
-- two thirds of the database's ingest work, and writers whose batches shared a workspace waited for
-- each other at the shared rows until commit.
--
-- Now the trigger only appends the batch summed per hour and key to usage_rollup_pending, in the same
-- transaction as the events (one index, no lock shared with another writer). A folder (RollupFolder)
-- moves pending rows into the rollup tables: one statement deletes up to a limit of pending rows and
-- adds their sums to the hour, day and month rows of both tables, so a pending row is applied exactly
-- once, and only when its delete commits. Folding many batches at once touches each rollup row once per
-- fold instead of once per batch.
--
-- Exact at every snapshot: each committed event is counted in exactly one of usage_rollup_pending and
-- the rollup tables. Reports read both (Rollups), so they never wait for the folder.
CREATE TABLE usage_rollup_pending (
    org_id          text COLLATE "C" NOT NULL,
    bucket_start    timestamptz NOT NULL,               -- the hour
    workspace_id    text COLLATE "C" NOT NULL,
    user_id         text COLLATE "C" NOT NULL,          -- '' when no member made the call
    model           text COLLATE "C" NOT NULL,
    category        text COLLATE "C" NOT NULL,
    event_count     bigint NOT NULL,                    -- negative for deleted events
    input_units     bigint NOT NULL,
    output_units    bigint NOT NULL,
    credits         bigint NOT NULL,
    error_count     bigint NOT NULL,
    latency_sum_ms  bigint NOT NULL,
    CHECK (bucket_start = date_trunc('hour', bucket_start, 'UTC'))
) WITH (
    -- A queue: rows come and go all the time. Vacuum it after a few thousand deleted rows, not after a
    -- fifth of the table.
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 20000
);

-- Reports read the pending rows of their organization and range: through this index, however many
-- rows wait and however many dead ones vacuum has not reclaimed yet.
CREATE INDEX usage_rollup_pending_org_time_idx ON usage_rollup_pending (org_id, bucket_start);

CREATE OR REPLACE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_rollup_pending (org_id, bucket_start, workspace_id, user_id, model, category,
                                          event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id COLLATE "C" AS o, date_trunc('hour', e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, coalesce(e.user_id, '') COLLATE "C" AS usr, e.model COLLATE "C" AS m,
               e.category COLLATE "C" AS c,
               count(*), sum(e.input_units), sum(e.output_units), sum(e.credits),
               count(*) FILTER (WHERE e.status = 'error'), sum(e.latency_ms)
        FROM inserted e
        GROUP BY o, b, w, usr, m, c;
    ELSE
        INSERT INTO usage_rollup_pending (org_id, bucket_start, workspace_id, user_id, model, category,
                                          event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id COLLATE "C" AS o, date_trunc('hour', e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, coalesce(e.user_id, '') COLLATE "C" AS usr, e.model COLLATE "C" AS m,
               e.category COLLATE "C" AS c,
               -count(*), -sum(e.input_units), -sum(e.output_units), -sum(e.credits),
               -count(*) FILTER (WHERE e.status = 'error'), -sum(e.latency_ms)
        FROM deleted e
        GROUP BY o, b, w, usr, m, c;
    END IF;
    RETURN NULL;
END
$$;
