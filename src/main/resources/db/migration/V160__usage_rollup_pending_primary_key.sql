-- Every table holding an organization's data has org_id first in its primary key, so that the
-- schema can be distributed by organization (SchemaDistributionTest reads the live schema for it).
-- usage_rollup_pending is an append-only log of per-hour deltas and had no key at all: each delta
-- gets a generated id, and the key is (org_id, id).
ALTER TABLE usage_rollup_pending ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE usage_rollup_pending ADD PRIMARY KEY (org_id, id);
-- The primary key's index serves lookups by organization; the time index stays for the folder.
