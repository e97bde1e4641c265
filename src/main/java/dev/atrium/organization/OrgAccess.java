package dev.atrium.organization;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import org.jspecify.annotations.Nullable;

/**
 * What a caller is inside one organization: a member with a role, an admin key (acts as
 * {@code admin}), or a workspace key (reaches only its own workspace).
 */
public record OrgAccess(
        OrgId org,
        Caller caller,
        @Nullable OrgRole role,
        @Nullable UserId user) {

    public boolean isAdminKey() {
        return caller instanceof Caller.AdminKey;
    }

    public @Nullable WorkspaceId keyWorkspace() {
        return caller instanceof Caller.WorkspaceKey k ? k.workspace() : null;
    }

    /** Owner, admin or an admin key: manages members, workspaces, budgets and keys. */
    public boolean isAdmin() {
        return role == OrgRole.OWNER || role == OrgRole.ADMIN;
    }

    public boolean isOwner() {
        return role == OrgRole.OWNER;
    }

    /** Sees every workspace's metadata and usage: owner, admin, billing, admin keys. */
    public boolean seesAllWorkspaces() {
        return isAdmin() || role == OrgRole.BILLING;
    }

    public OrgAccess requireAdmin() {
        if (!isAdmin()) throw ApiException.forbidden("This action needs the owner or admin role.");
        return this;
    }

    public OrgAccess requireOwner() {
        if (!isOwner()) throw ApiException.forbidden("This action needs the owner role.");
        return this;
    }

    public OrgAccess requireSeesAll() {
        if (!seesAllWorkspaces()) throw ApiException.forbidden("This action needs the owner, admin or billing role.");
        return this;
    }

    /** Any member of the organization (not a workspace key). */
    public OrgAccess requireMember() {
        if (role == null) throw ApiException.forbidden("Workspace keys are for the gateway.");
        return this;
    }
}
