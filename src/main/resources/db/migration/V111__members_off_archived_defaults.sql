-- A member's default workspace is never archived: archiving moves the members whose default it is
-- to the Primary Workspace. Members stranded before that rule (default archived) move now, and
-- are assigned to the Primary as members where they were not assigned yet.
INSERT INTO workspace_members (org_id, workspace_id, user_id, role, added_at)
SELECT m.org_id, o.primary_workspace_id, m.user_id, 'member', now()
FROM org_members m
JOIN workspaces w ON w.org_id = m.org_id AND w.id = m.default_workspace_id
JOIN organizations o ON o.id = m.org_id
WHERE m.status = 'active' AND w.status = 'archived'
ON CONFLICT DO NOTHING;

UPDATE org_members m SET default_workspace_id = o.primary_workspace_id
FROM workspaces w, organizations o
WHERE w.org_id = m.org_id AND w.id = m.default_workspace_id AND o.id = m.org_id
  AND m.status = 'active' AND w.status = 'archived';
