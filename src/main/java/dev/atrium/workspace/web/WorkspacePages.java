package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.KeySpendLookup;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Console pages for workspaces: list, create, archive/unarchive, detail with members and keys. */
@ConsoleController
class WorkspacePages {
    private static final int MAX_ROWS = 500;

    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;
    private final OrganizationService organizations;
    private final KeySpendLookup spending;
    private final java.time.Clock clock;

    WorkspacePages(
            Access access,
            WorkspaceService workspaces,
            WorkspaceTeam team,
            OrganizationService organizations,
            KeySpendLookup spending,
            java.time.Clock clock) {
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
        this.organizations = organizations;
        this.spending = spending;
        this.clock = clock;
    }

    /**
     * A row of the key list: the key, who it acts for and who made it (names where the workspace
     * knows them), its status, spend this period against its limit, and its other settings in words.
     */
    record KeyRow(
            KeyInfo key,
            @Nullable String actingMember,
            @Nullable String createdBy,
            String status,
            @Nullable String expires,
            String spent,
            @Nullable String spendLimit,
            @Nullable String spendPeriod,
            @Nullable List<String> allowedModels,
            String rateLimits,
            boolean canChange) {}

    private List<KeyRow> keyRows(WorkspaceAccess w, List<WorkspaceMember> members) {
        Map<String, String> names =
                members.stream().collect(Collectors.toMap(m -> m.userId().value(), WorkspaceMember::name, (a, b) -> a));
        var now = clock.instant();
        boolean active = w.workspace().active();
        return team.keys(w).stream()
                .map(k -> {
                    KeySettings s = k.settings();
                    String status = k.revokedAt() != null
                            ? "revoked"
                            : k.expiresAt() != null && !k.expiresAt().isAfter(now) ? "expired" : "active";
                    boolean own =
                            k.userId() != null && k.userId().equals(w.org().user());
                    return new KeyRow(
                            k,
                            k.userId() == null
                                    ? null
                                    : names.getOrDefault(
                                            k.userId().value(), k.userId().value()),
                            k.createdBy() == null ? null : names.getOrDefault(k.createdBy(), k.createdBy()),
                            status,
                            k.expiresAt() == null
                                    ? null
                                    : java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
                                                    .format(k.expiresAt().atOffset(java.time.ZoneOffset.UTC))
                                            + " UTC",
                            spending.spentThisPeriod(w, k).toDecimal(),
                            s.spendLimitMicros() == null
                                    ? null
                                    : dev.atrium.common.Credits.ofMicros(s.spendLimitMicros())
                                            .toDecimal(),
                            s.spendPeriod(),
                            s.allowedModels(),
                            new RateLimits(s.requestsPerMinute(), s.tokensPerMinute(), s.concurrent()).summary(),
                            active && k.revokedAt() == null && (w.canManage() || own));
                })
                .toList();
    }

    /** The create form's fields, kept across the redirect when they need correcting. */
    record WorkspaceForm(
            @Nullable String name,
            @Nullable String kind,
            @Nullable String description) implements java.io.Serializable {}

    @GetMapping("/orgs/{org}/workspaces")
    String list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(defaultValue = "false") boolean archived,
            Model model) {
        OrgAccess a = org(caller, org);
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute(
                "workspaces",
                workspaces.list(a, archived, PageRequest.of(MAX_ROWS, null)).data());
        model.addAttribute("archived", archived);
        model.addAttribute("navSection", "workspaces");
        model.addAttribute("admin", a.isAdmin());
        return "workspace/list";
    }

    @GetMapping("/orgs/{org}/workspaces/new")
    String createForm(@AuthenticationPrincipal Caller caller, @PathVariable String org, Model model) {
        OrgAccess a = org(caller, org).requireAdmin();
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("kinds", WorkspaceKind.values());
        model.addAttribute("navSection", "workspaces");
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new WorkspaceForm("", "other", ""));
            model.addAttribute("errors", Map.of());
        }
        return "workspace/new";
    }

    @PostMapping("/orgs/{org}/workspaces")
    String create(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @ModelAttribute WorkspaceForm form,
            RedirectAttributes redirect) {
        OrgAccess a = org(caller, org).requireAdmin();
        Workspace created;
        try {
            created =
                    workspaces.create(a, form.name() == null ? "" : form.name(), kind(form.kind()), form.description());
        } catch (ApiException e) {
            redirect.addFlashAttribute("form", form);
            redirect.addFlashAttribute("errors", Map.of(e.field() == null ? "form" : e.field(), e.getMessage()));
            return "redirect:/orgs/" + a.org().value() + "/workspaces/new";
        }
        Flash.success(redirect, "Workspace “" + created.name() + "” created.");
        return "redirect:/orgs/" + a.org().value() + "/workspaces/"
                + created.id().value();
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}")
    String detail(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        model.addAttribute("organization", organizations.get(w.org()));
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("access", w);
        model.addAttribute("role", w.role() == null ? "" : w.role().wire());
        model.addAttribute("canManage", w.canManage());
        model.addAttribute("canIssueKey", w.workspace().active() && (w.canManage() || w.canUse()));
        List<WorkspaceMember> members =
                team.list(w, PageRequest.of(MAX_ROWS, null)).data();
        model.addAttribute("members", members);
        model.addAttribute("keys", keyRows(w, members));
        model.addAttribute("orgAdmin", w.org().isAdmin());
        model.addAttribute("seesFunding", w.org().seesAllWorkspaces());
        model.addAttribute("roles", WorkspaceRole.values());
        // Assigning needs the organization's member list, which owners, admins and billing may read.
        boolean canAssign = w.canManage() && w.workspace().active() && w.org().seesAllWorkspaces();
        model.addAttribute("canAssign", canAssign);
        if (canAssign) {
            Set<UserId> assigned = members.stream().map(WorkspaceMember::userId).collect(Collectors.toSet());
            model.addAttribute(
                    "candidates",
                    organizations.members(w.org(), PageRequest.of(PageRequest.MAX_LIMIT, null)).data().stream()
                            .filter(m -> !assigned.contains(m.userId()))
                            .toList());
        }
        model.addAttribute("navSection", "workspaces");
        return "workspace/detail";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/archive")
    String archive(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestHeader(name = "HX-Request", required = false) @Nullable String htmx,
            Model model,
            RedirectAttributes redirect) {
        return changeStatus(caller, org, ws, true, htmx != null, model, redirect);
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/unarchive")
    String unarchive(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestHeader(name = "HX-Request", required = false) @Nullable String htmx,
            Model model,
            RedirectAttributes redirect) {
        return changeStatus(caller, org, ws, false, htmx != null, model, redirect);
    }

    private String changeStatus(
            Caller caller,
            String org,
            String ws,
            boolean archive,
            boolean htmx,
            Model model,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        Workspace after;
        int moved = 0;
        try {
            if (archive) {
                WorkspaceService.Archival archival = workspaces.archive(w);
                after = archival.workspace();
                moved = archival.membersMovedToPrimary().size();
            } else {
                after = workspaces.unarchive(w);
            }
        } catch (ApiException e) {
            // Not allowed (403) stays an error page; a state conflict (the Primary) is told on the list.
            if (htmx || e.status() != HttpStatus.CONFLICT) throw e;
            Flash.error(redirect, e.getMessage());
            return "redirect:/orgs/" + org + "/workspaces";
        }
        if (htmx) {
            // htmx swaps the table row in place; without JavaScript the form posts and redirects.
            model.addAttribute("workspaces", List.of(after));
            model.addAttribute("admin", w.org().isAdmin());
            return "workspace/list :: row";
        }
        Flash.success(
                redirect,
                "Workspace “" + after.name() + "” " + (archive ? "archived." : "unarchived.")
                        + (moved == 0
                                ? ""
                                : " " + moved + (moved == 1 ? " member's" : " members'")
                                        + " default workspace is now the Primary Workspace."));
        return "redirect:/orgs/" + org + "/workspaces" + (archive ? "?archived=true" : "");
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/keys/{key}/revoke")
    String revokeKey(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String key,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        team.revokeKey(w, KeyId.parse(key));
        Flash.success(redirect, "Key revoked.");
        return "redirect:/orgs/" + org + "/workspaces/" + w.workspace().id().value();
    }

    private OrgAccess org(Caller caller, String org) {
        return access.to(caller, OrgId.parse(org)).requireMember();
    }

    private WorkspaceAccess workspace(Caller caller, String org, String ws) {
        return workspaces.access(org(caller, org), WorkspaceId.parse(ws));
    }

    static @Nullable WorkspaceKind kind(@Nullable String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return WorkspaceKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("kind", e.getMessage());
        }
    }
}
