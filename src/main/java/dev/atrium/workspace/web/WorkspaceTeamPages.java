package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The workspace page's member forms: assign an organization member, change their role, set their own
 * rate limits (on the member's settings page), unassign.
 */
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

    /** A member's own rate limits in the workspace as typed: empty fields are no limit. */
    record MemberLimitsForm(
            @Nullable String requestsPerMinute,
            @Nullable String tokensPerMinute,
            @Nullable String concurrentCalls) implements java.io.Serializable {

        static MemberLimitsForm of(RateLimits r) {
            return new MemberLimitsForm(
                    WorkspaceSettingsPages.text(r.requestsPerMinute()),
                    WorkspaceSettingsPages.text(r.tokensPerMinute()),
                    WorkspaceSettingsPages.text(r.concurrent()));
        }
    }

    /** A member's settings in the workspace: their role and their own rate limits (workspace admins). */
    @GetMapping("/orgs/{org}/workspaces/{ws}/members/{user}")
    String settings(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user,
            Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireManage();
        WorkspaceMember m = member(w, user);
        Forms.prepare(model, MemberLimitsForm.of(m.rateLimits()));
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("member", m);
        model.addAttribute("roles", WorkspaceRole.values());
        model.addAttribute("editable", w.workspace().active());
        model.addAttribute("workspaceLimits", workspaces.policy(w).rateLimits().summary());
        model.addAttribute("navSection", "workspaces");
        return "workspace/member";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/members/{user}/rate-limits")
    String setRateLimits(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user,
            @ModelAttribute MemberLimitsForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireManage().requireActive();
        WorkspaceMember m = member(w, user);
        try {
            RateLimits limits = RateLimits.fromText(
                    form.requestsPerMinute(), form.tokensPerMinute(), form.concurrentCalls(), "rate_limits");
            WorkspaceMember after = team.setRateLimits(w, m.userId(), limits);
            Flash.success(
                    redirect,
                    "Rate limits of " + after.name() + " saved: "
                            + (after.rateLimits().none()
                                    ? "none of their own."
                                    : after.rateLimits().summary() + "."));
            return back(w);
        } catch (ApiException e) {
            if (e.field() == null) throw e;
            Forms.reject(redirect, form, e);
            return "redirect:" + WorkspaceSettingsPages.path(w) + "/members/"
                    + m.userId().value();
        }
    }

    private WorkspaceMember member(WorkspaceAccess w, String user) {
        if (!Ids.isValid(user, UserId.PREFIX)) throw ApiException.notFound("member");
        UserId id = new UserId(user);
        return team.list(w, PageRequest.of(PageRequest.MAX_LIMIT, null)).data().stream()
                .filter(m -> m.userId().equals(id))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("member"));
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
