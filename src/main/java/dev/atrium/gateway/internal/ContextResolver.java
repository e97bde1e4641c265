package dev.atrium.gateway.internal;

import dev.atrium.common.Ids;
import dev.atrium.common.NodeCache;
import dev.atrium.common.NodeCaches;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.limits.CallLimits;
import dev.atrium.gateway.limits.RateLimiter;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.KeySettings;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Resolves the workspace a gateway call runs in. A workspace key runs in its workspace (as its
 * bound member, if any, with that member's current role there: a viewer's key cannot run models). A personal token runs in the workspace named by
 * {@code X-Atrium-Workspace-Id} if the member is assigned to it, else in the member's default
 * workspace (of their first organization). Admin keys do not run AI operations.
 *
 * <p>The workspace, its policy and the member's role there are read with one statement (no
 * transaction: one round trip, one snapshot); a personal token without the header reads the
 * member's default workspace first. What was read is kept on the node ({@link NodeCache}) by
 * workspace (or "default") and member, and dropped on every node when the organization's workspaces,
 * policies or assignments change ({@link WorkspaceService#CHANGES_TOPIC}) or its members, or the
 * member's memberships, do ({@link OrganizationService#MEMBERS_TOPIC}). The checks (role, status)
 * run on every call.
 */
@Component
public class ContextResolver {
    private final WorkspaceService workspaces;
    private final OrganizationService organizations;
    private final NodeCache<Key, WorkspaceService.CallView> views;

    /** A workspace ({@code null}: the member's default) as seen by a member ({@code null}: none). */
    private record Key(
            @Nullable WorkspaceId workspace, @Nullable UserId user) {
        boolean involves(String id, WorkspaceService.CallView view) {
            return view.workspace().org().value().equals(id)
                    || (user != null && user.value().equals(id));
        }
    }

    private final Identity identity;
    private final RateLimiter limiter;

    ContextResolver(
            WorkspaceService workspaces,
            OrganizationService organizations,
            NodeCaches caches,
            Identity identity,
            RateLimiter limiter) {
        this.identity = identity;
        this.limiter = limiter;
        this.workspaces = workspaces;
        this.organizations = organizations;
        this.views = caches.create("call-contexts");
        caches.feed().subscribeAtCommit(WorkspaceService.CHANGES_TOPIC, this::changed);
        caches.feed().subscribeAtCommit(OrganizationService.MEMBERS_TOPIC, this::changed);
    }

    /** Drops what involves an organization or a user (the key of both topics). */
    private void changed(String id) {
        views.invalidate((key, view) -> key.involves(id, view));
    }

    /** The workspace, its policy and the user's role there; empty when there is no such workspace. */
    private java.util.Optional<WorkspaceService.CallView> view(@Nullable WorkspaceId id, @Nullable UserId user) {
        return java.util.Optional.ofNullable(views.get(new Key(id, user), k -> load(k).orElse(null)));
    }

    private java.util.Optional<WorkspaceService.CallView> load(Key key) {
        WorkspaceId id = key.workspace();
        if (id == null) {
            if (key.user() == null) return java.util.Optional.empty();
            List<Membership> memberships = organizations.membershipsOf(key.user());
            if (memberships.isEmpty()) return java.util.Optional.empty();
            id = memberships.getFirst().defaultWorkspaceId();
        }
        return workspaces.forCall(id, key.user());
    }

    public GatewayContext resolve(Caller caller, @Nullable String workspaceHeader) {
        return switch (caller) {
            case Caller.WorkspaceKey k -> {
                if (workspaceHeader != null
                        && !workspaceHeader.equals(k.workspace().value())) {
                    throw notFound();
                }
                // A bound key acts with its member's current role there, read by the same statement.
                var view = view(k.workspace(), k.boundUser()).orElseThrow(ContextResolver::notFound);
                if (k.boundUser() != null) requireRunner(view.role());
                yield context(view, k.boundUser(), k, identity.workspaceKeySettings(k.credential()));
            }
            case Caller.User u -> {
                WorkspaceId id = null; // the member's default workspace (of their first organization)
                if (workspaceHeader != null) {
                    if (!Ids.isValid(workspaceHeader, WorkspaceId.PREFIX)) throw notFound();
                    id = new WorkspaceId(workspaceHeader);
                }
                var view = view(id, u.user()).orElseThrow(ContextResolver::notFound);
                if (view.role() == null) throw notFound();
                requireRunner(view.role());
                yield context(view, u.user(), u, null);
            }
            case Caller.AdminKey k ->
                throw new GatewayException(
                        403,
                        "permission_error",
                        "permission_denied",
                        "Organization admin keys cannot run AI operations: use a workspace key.");
        };
    }

    /** Members and admins run models; viewers (and a key's member no longer in the workspace) do not. */
    private static void requireRunner(@Nullable WorkspaceRole role) {
        if (role != WorkspaceRole.ADMIN && role != WorkspaceRole.MEMBER) {
            throw new GatewayException(
                    403,
                    "permission_error",
                    "permission_denied",
                    "Viewers can read the workspace but cannot run models.");
        }
    }

    /**
     * The call's context: a key's own model list narrows the workspace's policy, and the call takes a
     * request (and a concurrent call) of every rate limit that applies (429 when one has none left).
     */
    private GatewayContext context(
            WorkspaceService.CallView view, @Nullable UserId user, Caller caller, @Nullable KeySettings key) {
        Workspace ws = view.workspace();
        if (!ws.active()) throw GatewayException.archived();
        Policy policy = key == null ? view.policy() : view.policy().narrowedTo(key.allowedModels());
        CallLimits limits = limiter.admit(
                ws.org(),
                ws.id(),
                key == null ? null : caller.credential(),
                user,
                view.policy().rateLimits(),
                key,
                view.memberLimits());
        return new GatewayContext(ws.org(), ws, user, caller.credential(), caller.actorType(), policy, limits);
    }

    private static GatewayException notFound() {
        return new GatewayException(404, "invalid_request_error", "workspace_not_found", "No such workspace.");
    }
}
