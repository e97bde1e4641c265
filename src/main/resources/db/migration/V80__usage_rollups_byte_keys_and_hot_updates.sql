-- Cheaper rollup upserts (docs/usage.md, "Rollups"; bench/usage-reports). Same rows, same sums, same lock
-- order; less work per upserted row.
--
-- 1. The trigger aggregates and sorts the transition table on keys that compare bytes (COLLATE "C", as
--    the rollup key columns do since V71) instead of the database's collation: hashing and sorting the
--    groups no longer go through the C library's strcoll, the sort can use abbreviated keys, and the
--    upserts arrive in the order of the primary key. Grains are ordered by a number (hour 1, day 2,
--    month 3) rather than by array_position. Writers still upsert usage_rollups rows, then
--    usage_rollups_ws rows, each in one order (hour, day, month, then by key), so they never deadlock.
--
-- 2. Free space in the pages of the rollup partitions that are mostly updated (fillfactor): an upsert that
--    adds to an existing row can then write the new version on the same page (a HOT update), without a
--    new entry in each of the table's indexes. The pages filled from now on keep that space; rows
--    written before stay where they are.
CREATE OR REPLACE FUNCTION usage_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_rollups AS u (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                                        event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id COLLATE "C" AS o, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, coalesce(e.user_id, '') COLLATE "C" AS usr, e.model COLLATE "C" AS m,
               e.category COLLATE "C" AS c,
               count(*), sum(e.input_units), sum(e.output_units), sum(e.credits),
               count(*) FILTER (WHERE e.status = 'error'), sum(e.latency_ms)
        FROM inserted e CROSS JOIN (VALUES (1, 'hour'), (2, 'day'), (3, 'month')) AS g (n, grain)
        GROUP BY g.n, g.grain, o, b, w, usr, m, c
        ORDER BY g.n, o, b, w, usr, m, c
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
        INSERT INTO usage_rollups_ws AS u (org_id, grain, bucket_start, workspace_id, model, category,
                                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id COLLATE "C" AS o, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, e.model COLLATE "C" AS m, e.category COLLATE "C" AS c,
               count(*), sum(e.input_units), sum(e.output_units), sum(e.credits),
               count(*) FILTER (WHERE e.status = 'error'), sum(e.latency_ms)
        FROM inserted e CROSS JOIN (VALUES (1, 'hour'), (2, 'day'), (3, 'month')) AS g (n, grain)
        GROUP BY g.n, g.grain, o, b, w, m, c
        ORDER BY g.n, o, b, w, m, c
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
        SELECT e.org_id COLLATE "C" AS o, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, coalesce(e.user_id, '') COLLATE "C" AS usr, e.model COLLATE "C" AS m,
               e.category COLLATE "C" AS c,
               -count(*), -sum(e.input_units), -sum(e.output_units), -sum(e.credits),
               -count(*) FILTER (WHERE e.status = 'error'), -sum(e.latency_ms)
        FROM deleted e CROSS JOIN (VALUES (1, 'hour'), (2, 'day'), (3, 'month')) AS g (n, grain)
        GROUP BY g.n, g.grain, o, b, w, usr, m, c
        ORDER BY g.n, o, b, w, usr, m, c
        ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
            event_count    = u.event_count + EXCLUDED.event_count,
            input_units    = u.input_units + EXCLUDED.input_units,
            output_units   = u.output_units + EXCLUDED.output_units,
            credits        = u.credits + EXCLUDED.credits,
            error_count    = u.error_count + EXCLUDED.error_count,
            latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms;
        INSERT INTO usage_rollups_ws AS u (org_id, grain, bucket_start, workspace_id, model, category,
                                           event_count, input_units, output_units, credits, error_count, latency_sum_ms)
        SELECT e.org_id COLLATE "C" AS o, g.grain, date_trunc(g.grain, e.occurred_at, 'UTC') AS b,
               e.workspace_id COLLATE "C" AS w, e.model COLLATE "C" AS m, e.category COLLATE "C" AS c,
               -count(*), -sum(e.input_units), -sum(e.output_units), -sum(e.credits),
               -count(*) FILTER (WHERE e.status = 'error'), -sum(e.latency_ms)
        FROM deleted e CROSS JOIN (VALUES (1, 'hour'), (2, 'day'), (3, 'month')) AS g (n, grain)
        GROUP BY g.n, g.grain, o, b, w, m, c
        ORDER BY g.n, o, b, w, m, c
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

-- Month rows take an update from nearly every batch, day rows from most, hour rows mostly start as inserts
-- (by member) and fill up with updates later (by workspace, and by member at 10^8 events).
ALTER TABLE usage_rollups_hour SET (fillfactor = 90);
ALTER TABLE usage_rollups_day SET (fillfactor = 80);
ALTER TABLE usage_rollups_month SET (fillfactor = 50);
ALTER TABLE usage_rollups_ws_hour SET (fillfactor = 80);
ALTER TABLE usage_rollups_ws_day SET (fillfactor = 70);
ALTER TABLE usage_rollups_ws_month SET (fillfactor = 50);
