package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;

/**
 * What the organization needs to know of workspaces, provided by the workspace capability (which
 * depends on this one, not the reverse).
 */
public interface WorkspaceDirectory {

    /** True when the workspace exists in the organization and is not deleted (it may be archived). */
    boolean exists(OrgId org, WorkspaceId workspace);

    /** True when the workspace exists in the organization and is active (neither archived nor deleted). */
    boolean isActive(OrgId org, WorkspaceId workspace);

    /** True when the user is assigned to the workspace. */
    boolean isMember(OrgId org, WorkspaceId workspace, UserId user);
}
