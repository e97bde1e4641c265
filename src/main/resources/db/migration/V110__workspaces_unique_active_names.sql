-- Two active workspaces of one organization never share a name, compared case-insensitively.
-- Archived and deleted workspaces keep theirs (unarchiving checks the name again).
--
-- Existing duplicates are told apart first: the Primary Workspace, then the oldest, keeps its name;
-- each later one gets a numbered suffix (" (2)", " (3)", …) that is free in its organization.
DO $$
DECLARE
    dup       record;
    n         integer;
    candidate text;
BEGIN
    FOR dup IN
        SELECT org_id, id, name FROM (
            SELECT org_id, id, name,
                   row_number() OVER (PARTITION BY org_id, lower(name) ORDER BY is_primary DESC, created_at, id) AS rn
            FROM workspaces WHERE status = 'active') ranked
        WHERE rn > 1
        ORDER BY org_id, lower(name), rn
    LOOP
        n := 2;
        LOOP
            candidate := left(dup.name, 200 - length(' (' || n || ')')) || ' (' || n || ')';
            EXIT WHEN NOT EXISTS (
                SELECT 1 FROM workspaces
                WHERE org_id = dup.org_id AND status = 'active' AND lower(name) = lower(candidate));
            n := n + 1;
        END LOOP;
        UPDATE workspaces SET name = candidate WHERE org_id = dup.org_id AND id = dup.id;
    END LOOP;
END;
$$;

-- Deferred foreign-key checks of this transaction run now: an index cannot be built while they wait.
SET CONSTRAINTS ALL IMMEDIATE;
CREATE UNIQUE INDEX workspaces_active_name_key ON workspaces (org_id, lower(name)) WHERE status = 'active';
