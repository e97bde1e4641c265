package dev.atrium.gateway.internal;

import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.GatewayException;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Resolves the workspace a gateway call runs in. A workspace key runs in its workspace (as its
 * bound member, if any). A personal token runs in the workspace named by
 * {@code X-Atrium-Workspace-Id} if the member is assigned to it, else in the member's default
 * workspace (of their first organization). Admin keys do not run AI operations.
 *
 * <p>The reads (workspace, membership, policy) share one read-only transaction: one connection and
 * one commit per call instead of one per read, and a consistent view of the workspace and its policy.
 */
@Component
public class ContextResolver {
    private final WorkspaceService workspaces;
    private final OrganizationService organizations;

    ContextResolver(WorkspaceService workspaces, OrganizationService organizations) {
        this.workspaces = workspaces;
        this.organizations = organizations;
    }

    @Transactional(readOnly = true)
    public GatewayContext resolve(Caller caller, @Nullable String workspaceHeader) {
        return switch (caller) {
            case Caller.WorkspaceKey k -> {
                if (workspaceHeader != null
                        && !workspaceHeader.equals(k.workspace().value())) {
                    throw notFound();
                }
                Workspace ws = workspaces.find(k.workspace()).orElseThrow(ContextResolver::notFound);
                yield context(ws, k.boundUser(), k);
            }
            case Caller.User u -> {
                Workspace ws;
                if (workspaceHeader != null) {
                    if (!Ids.isValid(workspaceHeader, WorkspaceId.PREFIX)) throw notFound();
                    ws = workspaces.find(new WorkspaceId(workspaceHeader)).orElseThrow(ContextResolver::notFound);
                } else {
                    List<Membership> memberships = organizations.membershipsOf(u.user());
                    if (memberships.isEmpty()) throw notFound();
                    Membership first = memberships.getFirst();
                    ws = workspaces.find(first.defaultWorkspaceId()).orElseThrow(ContextResolver::notFound);
                }
                WorkspaceRole role =
                        workspaces.role(ws.org(), ws.id(), u.user()).orElseThrow(ContextResolver::notFound);
                if (role == WorkspaceRole.VIEWER) {
                    throw new GatewayException(
                            403,
                            "permission_error",
                            "permission_denied",
                            "Viewers can read the workspace but cannot run models.");
                }
                yield context(ws, u.user(), u);
            }
            case Caller.AdminKey k ->
                throw new GatewayException(
                        403,
                        "permission_error",
                        "permission_denied",
                        "Organization admin keys cannot run AI operations: use a workspace key.");
        };
    }

    private GatewayContext context(Workspace ws, dev.atrium.common.@Nullable UserId user, Caller caller) {
        if (!ws.active()) throw GatewayException.archived();
        OrgId org = ws.org();
        return new GatewayContext(
                org, ws, user, caller.credential(), caller.actorType(), workspaces.policy(org, ws.id()));
    }

    private static GatewayException notFound() {
        return new GatewayException(404, "invalid_request_error", "workspace_not_found", "No such workspace.");
    }
}
