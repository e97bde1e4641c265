-- Usage events keep three indexes: the primary key, (org_id, occurred_at) and the idempotency keys
-- (hold, external id). The (org_id, workspace_id, occurred_at) index goes: no statement needs it any
-- more. Reports read the rollups; the one report over raw events (latency percentiles, bounded to 93
-- days) reads the organization's range through (org_id, occurred_at) and filters workspaces there.
-- It was the largest index (about 170 of the ~670 bytes an event takes on disk: each of an
-- organization's workspaces inserts at its own place in it, so its pages split half full) and one
-- more index insertion per event. Workspaces are archived, never deleted, so the workspace key
-- (usage_events_org_id_workspace_id_fkey) is never checked from the workspaces' side.
DROP INDEX usage_events_workspace_time_idx;
