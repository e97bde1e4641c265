package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Who sees which usage. Owners, admins, billing and admin keys see every workspace; a plain member
 * sees the workspaces they are assigned to. Naming a workspace out of reach (or deleted, or of
 * another organization) is a 404, as everywhere else; workspace keys see none (403). Another
 * organization is a 404.
 */
@Component
class Scope {
    private final Access access;
    private final WorkspaceService workspaces;

    Scope(Access access, WorkspaceService workspaces) {
        this.access = access;
        this.workspaces = workspaces;
    }

    OrgAccess org(Caller caller, String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org));
        if (a.keyWorkspace() != null) throw ApiException.forbidden("Workspace keys are for the gateway.");
        return a;
    }

    OrgAccess all(Caller caller, String org) {
        return org(caller, org).requireSeesAll();
    }

    /** The workspaces a report may cover: the requested ones (null = all) within the caller's reach. */
    @Nullable
    List<WorkspaceId> visible(OrgAccess a, @Nullable List<WorkspaceId> requested) {
        if (a.seesAllWorkspaces() && requested == null) return null;
        Map<WorkspaceId, String> mine = names(a);
        if (requested == null) return List.copyOf(mine.keySet());
        for (WorkspaceId ws : requested) {
            if (!mine.containsKey(ws)) throw ApiException.notFound("workspace");
        }
        return requested;
    }

    /** Names of the workspaces the caller sees (archived included), in list order. */
    Map<WorkspaceId, String> names(OrgAccess a) {
        Map<WorkspaceId, String> names = new LinkedHashMap<>();
        String after = null;
        do {
            var page = workspaces.list(a, true, new PageRequest(PageRequest.MAX_LIMIT, after));
            for (Workspace w : page.data()) names.put(w.id(), w.name());
            after = page.next();
        } while (after != null);
        return names;
    }

    static List<String> ids(List<WorkspaceId> ids) {
        List<String> out = new ArrayList<>();
        ids.forEach(id -> out.add(id.value()));
        return out;
    }
}
