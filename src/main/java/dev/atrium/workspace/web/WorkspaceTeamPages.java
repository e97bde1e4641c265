package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The workspace page's member forms: assign an organization member, change their role, unassign. */
@ConsoleController
class WorkspaceTeamPages {
    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;

    WorkspaceTeamPages(Access access, WorkspaceService workspaces, WorkspaceTeam team) {
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/members")
    String add(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(name = "user_id", defaultValue = "") String user,
            @RequestParam(defaultValue = "member") String role,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireManage();
        try {
            WorkspaceMember added = team.add(w, user(user), role(role));
            Flash.success(
                    redirect,
                    added.name() + " now works in this workspace as "
                            + added.role().wire() + ".");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(w);
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/members/{user}/role")
    String changeRole(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user,
            @RequestParam(defaultValue = "") String role,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireManage();
        try {
            WorkspaceMember after = team.changeRole(w, user(user), role(role));
            Flash.success(redirect, after.name() + " is now " + after.role().wire() + " here.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN || e.status() == HttpStatus.NOT_FOUND) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(w);
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/members/{user}/remove")
    String remove(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        try {
            team.remove(w, user(user));
            Flash.success(redirect, "Member removed from the workspace; their keys here are revoked.");
        } catch (ApiException e) {
            if (e.status() != HttpStatus.CONFLICT) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(w);
    }

    private WorkspaceAccess workspace(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
    }

    private static String back(WorkspaceAccess w) {
        return "redirect:" + WorkspaceSettingsPages.path(w) + "#members";
    }

    private static UserId user(@Nullable String value) {
        if (value == null || !Ids.isValid(value, UserId.PREFIX)) {
            throw ApiException.invalid("user_id", "Choose a member of the organization.");
        }
        return new UserId(value);
    }

    private static WorkspaceRole role(String value) {
        try {
            return WorkspaceRole.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("role", e.getMessage());
        }
    }
}
