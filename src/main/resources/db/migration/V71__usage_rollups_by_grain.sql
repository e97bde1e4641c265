-- Both rollup tables partitioned by grain (docs/usage.md, "Rollups"). In one heap, the few month and
-- day rows were scattered among millions of hour rows (each inserted when its key first showed up,
-- between hour rows), so a report reading 3,000 month rows touched about 3,000 pages. In their own
-- partitions, month and day rows sit together, in the time order they were created. Keys, the
-- trigger (it writes to the parent tables) and every query stay as they were.
-- The text key columns compare bytes (COLLATE "C"): cheaper than a linguistic comparison on every
-- upsert, and the order reports use (code point), so a report can read rows in index order.

ALTER TABLE usage_rollups RENAME TO usage_rollups_unpartitioned;
ALTER INDEX usage_rollups_pkey RENAME TO usage_rollups_unpartitioned_pkey;
CREATE TABLE usage_rollups (
    org_id          text NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('hour', 'day', 'month')),
    bucket_start    timestamptz NOT NULL,
    workspace_id    text COLLATE "C" NOT NULL,
    user_id         text COLLATE "C" NOT NULL,          -- '' when no member made the call (workspace key, external)
    model           text COLLATE "C" NOT NULL,
    category        text COLLATE "C" NOT NULL,
    event_count     bigint NOT NULL,
    input_units     bigint NOT NULL,
    output_units    bigint NOT NULL,
    credits         bigint NOT NULL,
    error_count     bigint NOT NULL,
    latency_sum_ms  bigint NOT NULL,
    PRIMARY KEY (org_id, grain, bucket_start, workspace_id, user_id, model, category)
) PARTITION BY LIST (grain);
CREATE TABLE usage_rollups_hour PARTITION OF usage_rollups FOR VALUES IN ('hour');
CREATE TABLE usage_rollups_day PARTITION OF usage_rollups FOR VALUES IN ('day');
CREATE TABLE usage_rollups_month PARTITION OF usage_rollups FOR VALUES IN ('month');
INSERT INTO usage_rollups SELECT * FROM usage_rollups_unpartitioned;
DROP TABLE usage_rollups_unpartitioned;

ALTER TABLE usage_rollups_ws RENAME TO usage_rollups_ws_unpartitioned;
ALTER INDEX usage_rollups_ws_pkey RENAME TO usage_rollups_ws_unpartitioned_pkey;
DROP INDEX usage_rollups_ws_workspace_idx;
CREATE TABLE usage_rollups_ws (
    org_id          text NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('hour', 'day', 'month')),
    bucket_start    timestamptz NOT NULL,
    workspace_id    text COLLATE "C" NOT NULL,
    model           text COLLATE "C" NOT NULL,
    category        text COLLATE "C" NOT NULL,
    event_count     bigint NOT NULL,
    input_units     bigint NOT NULL,
    output_units    bigint NOT NULL,
    credits         bigint NOT NULL,
    error_count     bigint NOT NULL,
    latency_sum_ms  bigint NOT NULL,
    PRIMARY KEY (org_id, grain, bucket_start, workspace_id, model, category)
) PARTITION BY LIST (grain);
CREATE TABLE usage_rollups_ws_hour PARTITION OF usage_rollups_ws FOR VALUES IN ('hour');
CREATE TABLE usage_rollups_ws_day PARTITION OF usage_rollups_ws FOR VALUES IN ('day');
CREATE TABLE usage_rollups_ws_month PARTITION OF usage_rollups_ws FOR VALUES IN ('month');
CREATE INDEX usage_rollups_ws_workspace_idx ON usage_rollups_ws (org_id, workspace_id, grain, bucket_start);
INSERT INTO usage_rollups_ws SELECT * FROM usage_rollups_ws_unpartitioned;
DROP TABLE usage_rollups_ws_unpartitioned;
