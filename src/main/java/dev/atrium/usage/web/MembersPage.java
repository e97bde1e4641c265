package dev.atrium.usage.web;

import dev.atrium.common.Credits;
import dev.atrium.common.MailSettings;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.InvitationInfo;
import dev.atrium.organization.InvitationService;
import dev.atrium.organization.InvitationStatus;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageReports;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The console's members page: every member with role, default workspace and their credits over a
 * date range (image &amp; speech, chatbot, total), and the invitation form. For owners, admins and
 * billing (who may read the member list); the forms post to the organization capability.
 */
@ConsoleController
class MembersPage {
    private final Access access;
    private final OrganizationService organizations;
    private final WorkspaceService workspaces;
    private final UsageReports reports;
    private final Clock clock;
    private final InvitationService invitations;
    private final MailSettings mail;

    MembersPage(
            Access access,
            OrganizationService organizations,
            WorkspaceService workspaces,
            UsageReports reports,
            Clock clock,
            InvitationService invitations,
            MailSettings mail) {
        this.invitations = invitations;
        this.mail = mail;
        this.access = access;
        this.organizations = organizations;
        this.workspaces = workspaces;
        this.reports = reports;
        this.clock = clock;
    }

    /** One member and their credits over the range. */
    record Row(Member member, String defaultWorkspace, Credits imageSpeech, Credits chatbot, Credits total) {}

    /** An invitation not accepted yet, with the name of the workspace it joins. */
    record OpenInvitation(InvitationInfo invitation, String workspace) {}

    /** The invitation form when nothing was typed yet. */
    record BlankInvite(String emails, String role, String workspace) {}

    @GetMapping("/orgs/{org}/members")
    String members(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            Model model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireSeesAll();
        DateRange range = DateRange.forPage(from, to, clock, model);
        List<Workspace> all = workspaces
                .list(a, true, PageRequest.of(PageRequest.MAX_LIMIT, null))
                .data();
        Map<String, String> names = all.stream().collect(Collectors.toMap(w -> w.id().value(), Workspace::name));
        Map<String, UsageReports.Split> usage =
                reports.split(a.org(), range.start(), range.end(), Dimension.USER, null).stream()
                        .collect(Collectors.toMap(s -> s.key() == null ? "" : s.key(), Function.identity()));
        List<Row> rows = organizations.members(a, PageRequest.of(PageRequest.MAX_LIMIT, null)).data().stream()
                .map(m -> {
                    var s = usage.get(m.userId().value());
                    return new Row(
                            m,
                            m.defaultWorkspaceId() == null
                                    ? "—"
                                    : names.getOrDefault(m.defaultWorkspaceId().value(), "—"),
                            s == null ? Credits.ZERO : s.imageSpeech(),
                            s == null ? Credits.ZERO : s.chatbot(),
                            s == null ? Credits.ZERO : s.total());
                })
                .toList();
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("rows", rows);
        // Usage through keys bound to no member, and usage of members who have left.
        var members = rows.stream().map(r -> r.member().userId().value()).collect(Collectors.toSet());
        long other = usage.entrySet().stream()
                .filter(e -> !members.contains(e.getKey()))
                .mapToLong(e -> e.getValue().total().micros())
                .sum();
        model.addAttribute("otherUsage", Credits.ofMicros(other));
        model.addAttribute(
                "totalUsage",
                Credits.ofMicros(usage.values().stream()
                        .mapToLong(s -> s.total().micros())
                        .sum()));
        model.addAttribute("range", range);
        model.addAttribute("admin", a.isAdmin());
        model.addAttribute("mailConfigured", mail.configured());
        model.addAttribute("owner", a.isOwner());
        model.addAttribute("roles", OrgRole.values());
        model.addAttribute("workspaces", all.stream().filter(Workspace::active).toList());
        if (!model.containsAttribute("invite")) model.addAttribute("invite", new BlankInvite("", "member", ""));
        if (a.isAdmin()) {
            // Pending ones first, then expired ones (which may be sent again), each newest first.
            List<OpenInvitation> open = new ArrayList<>();
            for (InvitationStatus status : List.of(InvitationStatus.PENDING, InvitationStatus.EXPIRED)) {
                invitations.list(a, status, PageRequest.of(PageRequest.MAX_LIMIT, null)).data().stream()
                        .map(i -> new OpenInvitation(
                                i,
                                i.workspaceId() == null
                                        ? "Primary Workspace"
                                        : names.getOrDefault(i.workspaceId().value(), "—")))
                        .forEach(open::add);
            }
            model.addAttribute("invitations", open);
        }
        model.addAttribute("navSection", "members");
        return "usage/members";
    }
}
