package dev.atrium.workspace.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.organization.WorkspaceDirectory;
import org.springframework.stereotype.Component;

/** Answers the organization's questions about workspaces straight from storage. */
@Component
class Directory implements WorkspaceDirectory {
    private final Workspaces workspaces;
    private final WorkspaceMembers members;

    Directory(Workspaces workspaces, WorkspaceMembers members) {
        this.workspaces = workspaces;
        this.members = members;
    }

    @Override
    public boolean exists(OrgId org, WorkspaceId workspace) {
        return workspaces.find(org, workspace).isPresent();
    }

    @Override
    public boolean isActive(OrgId org, WorkspaceId workspace) {
        return workspaces.find(org, workspace).filter(w -> w.active()).isPresent();
    }

    @Override
    public boolean isMember(OrgId org, WorkspaceId workspace, UserId user) {
        return members.role(org, workspace, user).isPresent();
    }
}
