package dev.atrium.playground.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;

/**
 * Where a playground page runs: the signed-in person inside one workspace they are assigned to.
 * Anything else (another organization, a workspace they are not assigned to, even as an org owner)
 * is a 404, as for an id that does not exist: the playground shows history content.
 */
@Component
class Workbench {
    private final Access access;
    private final WorkspaceService workspaces;
    private final OrganizationService organizations;

    Workbench(Access access, WorkspaceService workspaces, OrganizationService organizations) {
        this.access = access;
        this.workspaces = workspaces;
        this.organizations = organizations;
    }

    /** The caller in the workspace; 404 unless they are assigned to it. */
    WorkspaceAccess in(Caller caller, String org, String ws) {
        if (!(caller instanceof Caller.User)) throw ApiException.notFound("workspace");
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        if (a.role() == null) throw ApiException.notFound("workspace");
        return a;
    }

    /** The caller in the workspace, allowed to run models (403 for a viewer). */
    WorkspaceAccess running(Caller caller, String org, String ws) {
        WorkspaceAccess a = in(caller, org, ws);
        if (!a.canUse()) throw ApiException.forbidden("Viewers can read the workspace but cannot run models.");
        return a;
    }

    /** The workspaces the person is assigned to in the organization: their default first, then by name. */
    List<Workspace> assigned(Caller caller, String org) {
        if (!(caller instanceof Caller.User u)) throw ApiException.notFound("organization");
        OrgAccess a = access.to(caller, OrgId.parse(org));
        List<Workspace> all = workspaces
                .list(a, false, PageRequest.of(PageRequest.MAX_LIMIT, null))
                .data();
        WorkspaceId preferred = organizations.membershipsOf(u.user()).stream()
                .filter(m -> m.id().equals(a.org()))
                .map(Membership::defaultWorkspaceId)
                .findFirst()
                .orElse(null);
        List<Workspace> mine = new ArrayList<>();
        for (Workspace w : all) {
            if (workspaces.role(a.org(), w.id(), u.user()).isEmpty()) continue;
            if (w.id().equals(preferred)) mine.addFirst(w);
            else mine.add(w);
        }
        return mine;
    }

    private @Nullable WorkspaceId preferred(Caller.User u, OrgAccess a) {
        return organizations.membershipsOf(u.user()).stream()
                .filter(m -> m.id().equals(a.org()))
                .map(Membership::defaultWorkspaceId)
                .findFirst()
                .orElse(null);
    }

    /** The layout's and the playground header's model: the workspace, the switcher, the rights. */
    void describe(Caller caller, WorkspaceAccess a, String section, Model model) {
        model.addAttribute("navSection", "playground");
        model.addAttribute("section", section);
        model.addAttribute("workspace", a.workspace());
        model.addAttribute("access", a);
        model.addAttribute("org", a.workspace().org().value());
        model.addAttribute("ws", a.workspace().id().value());
        model.addAttribute("role", a.role() == null ? "" : a.role().wire());
        model.addAttribute("canRun", a.canUse() && a.workspace().active());
        model.addAttribute("workspaces", assigned(caller, a.workspace().org().value()));
        WorkspaceId preferred = caller instanceof Caller.User u ? preferred(u, a.org()) : null;
        model.addAttribute("defaultWorkspace", preferred == null ? "" : preferred.value());
        model.addAttribute(
                "base",
                "/orgs/" + a.workspace().org().value() + "/workspaces/"
                        + a.workspace().id().value() + "/playground");
    }
}
