-- Past Conversations.SEARCH_CANDIDATES matches a search ranks a workspace's most recent matching
-- messages; this index lets PostgreSQL find them newest first (see bench/history-search).
CREATE INDEX messages_time_idx ON messages (org_id, workspace_id, created_at);
