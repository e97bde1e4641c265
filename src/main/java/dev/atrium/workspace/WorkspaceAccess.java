package dev.atrium.workspace;

import dev.atrium.common.ApiException;
import dev.atrium.organization.OrgAccess;
import org.jspecify.annotations.Nullable;

/**
 * A caller inside one workspace: their organization access plus their workspace role (none for
 * org owners/admins/billing who are not assigned, and for keys).
 */
public record WorkspaceAccess(
        OrgAccess org, Workspace workspace, @Nullable WorkspaceRole role) {

    /** Org owner/admin (or admin key), or the workspace's own admin. */
    public boolean canManage() {
        return org.isAdmin() || role == WorkspaceRole.ADMIN;
    }

    public WorkspaceAccess requireManage() {
        if (!canManage()) throw ApiException.forbidden("This action needs the workspace admin role.");
        return this;
    }

    /** Members and admins of the workspace may run AI operations and issue their own keys. */
    public boolean canUse() {
        return role == WorkspaceRole.ADMIN || role == WorkspaceRole.MEMBER;
    }

    public WorkspaceAccess requireActive() {
        if (!workspace.active()) {
            throw ApiException.conflict("workspace_archived", "The workspace is archived: it is read-only.");
        }
        return this;
    }
}
