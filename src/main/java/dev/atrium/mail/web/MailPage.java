package dev.atrium.mail.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.mail.Mail;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/** The console's email page: whether this server sends email, and the organization's recent messages (owners and admins). */
@ConsoleController
class MailPage {
    static final int PAGE = 50;

    private final Access access;
    private final OrganizationService organizations;
    private final Mail mail;

    MailPage(Access access, OrganizationService organizations, Mail mail) {
        this.access = access;
        this.organizations = organizations;
        this.mail = mail;
    }

    @GetMapping("/orgs/{org}/mail")
    String messages(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String after,
            Model model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        var page = mail.messages(a, PageRequest.of(PAGE, after == null || after.isBlank() ? null : after));
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("status", mail.status());
        model.addAttribute("messages", page.data());
        model.addAttribute("next", page.hasMore() ? page.next() : null);
        model.addAttribute("paged", after != null && !after.isBlank());
        model.addAttribute("navSection", "mail");
        return "mail/messages";
    }
}
