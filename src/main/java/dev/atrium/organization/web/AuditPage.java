package dev.atrium.organization.web;

import dev.atrium.audit.AuditEvent;
import dev.atrium.audit.AuditLog;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/** The console's audit log: every administrative action, newest first, filtered and paged (owners and admins). */
@ConsoleController
class AuditPage {
    static final int PAGE = 50;

    /** Actions offered by the filter; any other action can still be typed. */
    static final List<String> ACTIONS = List.of(
            "organization.created",
            "organization.updated",
            "invitation.created",
            "member.added",
            "member.updated",
            "member.removed",
            "workspace.created",
            "workspace.updated",
            "workspace.archived",
            "workspace.unarchived",
            "workspace.deleted",
            "workspace.policy_updated",
            "workspace.funding_updated",
            "workspace.alerts_updated",
            "workspace.mail_digest_updated",
            "workspace_member.added",
            "workspace_member.updated",
            "workspace_member.removed",
            "workspace_key.created",
            "workspace_key.revoked",
            "credits.granted",
            "credits.allocated",
            "credits.reclaimed",
            "credits.transferred",
            "credits.alerts_updated",
            "subscription.updated",
            "subscription.cancelled",
            "webhook.created",
            "webhook.deleted");

    private final Access access;
    private final OrganizationService organizations;
    private final AuditLog audit;

    AuditPage(Access access, OrganizationService organizations, AuditLog audit) {
        this.access = access;
        this.organizations = organizations;
        this.audit = audit;
    }

    /** One line of the log, with the actor's name when the actor is a member. */
    record Line(AuditEvent event, String actor) {}

    @GetMapping("/orgs/{org}/audit")
    String log(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String action,
            @RequestParam(required = false) @Nullable String actor,
            @RequestParam(required = false) @Nullable String target,
            @RequestParam(required = false) @Nullable String after,
            Model model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        String act = blankToNull(action);
        String who = blankToNull(actor);
        String what = blankToNull(target);
        var page = audit.list(a.org(), PageRequest.of(PAGE, blankToNull(after)), act, who, what);
        List<Member> members = organizations
                .members(a, PageRequest.of(PageRequest.MAX_LIMIT, null))
                .data();
        Map<String, String> names = members.stream()
                .collect(Collectors.toMap(m -> m.userId().value(), m -> m.name() + " (" + m.email() + ")"));
        model.addAttribute(
                "lines",
                page.data().stream()
                        .map(e -> new Line(e, names.getOrDefault(e.actorId(), e.actorType() + " " + e.actorId())))
                        .toList());
        model.addAttribute("next", page.hasMore() ? page.next() : null);
        model.addAttribute("paged", after != null && !after.isBlank());
        model.addAttribute("action", act == null ? "" : act);
        model.addAttribute("actor", who == null ? "" : who);
        model.addAttribute("target", what == null ? "" : what);
        model.addAttribute("actions", ACTIONS);
        model.addAttribute("members", members);
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("navSection", "audit");
        return "organization/audit";
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
