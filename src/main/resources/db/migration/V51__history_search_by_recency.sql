-- A search ranks a workspace's most recent matching messages (Conversations.SEARCH_CANDIDATES):
-- for a common word PostgreSQL walks this index newest first and stops at the cap instead of
-- reading every match; rare words still go through the GIN index.
CREATE INDEX messages_time_idx ON messages (org_id, workspace_id, created_at);
