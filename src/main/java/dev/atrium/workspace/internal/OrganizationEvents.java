package dev.atrium.workspace.internal;

import dev.atrium.identity.Identity;
import dev.atrium.organization.MemberJoined;
import dev.atrium.organization.MemberRemoved;
import dev.atrium.organization.OrganizationCreated;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import java.time.Clock;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps workspaces in step with the organization, synchronously and inside the organization's
 * transaction so that no organization exists without its Primary Workspace.
 */
@Component
class OrganizationEvents {
    private final WorkspaceService service;
    private final WorkspaceMembers members;
    private final Identity identity;
    private final Clock clock;

    OrganizationEvents(WorkspaceService service, WorkspaceMembers members, Identity identity, Clock clock) {
        this.service = service;
        this.members = members;
        this.identity = identity;
        this.clock = clock;
    }

    @EventListener
    void on(OrganizationCreated event) {
        service.createPrimary(event.org(), event.primaryWorkspace(), event.owner());
    }

    @EventListener
    void on(MemberJoined event) {
        members.add(event.org(), event.workspace(), event.user(), WorkspaceRole.MEMBER, clock.instant());
    }

    @EventListener
    void on(MemberRemoved event) {
        members.removeUser(event.org(), event.user());
        identity.revokeKeysBoundTo(event.org(), event.user());
    }
}
