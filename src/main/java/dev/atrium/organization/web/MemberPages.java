package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.InvitationId;
import dev.atrium.common.MailSettings;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.Invitation;
import dev.atrium.organization.InvitationService;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The members page's forms: invite one or many people (pasted addresses), change a member's role or
 * default workspace, remove a member. The page itself, with each member's usage, is drawn by the
 * usage capability, which may read both members and usage.
 */
@ConsoleController
class MemberPages {
    static final int MAX_BULK = 100;

    private final Access access;
    private final OrganizationService organizations;
    private final InvitationService invitations;
    private final MailSettings mail;

    MemberPages(Access access, OrganizationService organizations, InvitationService invitations, MailSettings mail) {
        this.mail = mail;
        this.access = access;
        this.organizations = organizations;
        this.invitations = invitations;
    }

    /** The invitation form as typed: one address or many, separated by commas, spaces or lines. */
    record InviteForm(
            @Nullable String emails,
            @Nullable String role,
            @Nullable String workspace) implements java.io.Serializable {}

    /** An invitation to hand over: the link to send, shown once. */
    record Issued(String email, String link) implements java.io.Serializable {}

    /** An address that could not be invited, and why. */
    record Refused(String email, String reason) implements java.io.Serializable {}

    @PostMapping("/orgs/{org}/members/invite")
    String invite(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @ModelAttribute InviteForm form,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        String back = "redirect:/orgs/" + a.org().value() + "/members";
        List<String> emails = split(form.emails());
        OrgRole role;
        WorkspaceId workspace;
        try {
            if (emails.isEmpty()) throw ApiException.invalid("emails", "Enter at least one email address.");
            if (emails.size() > MAX_BULK)
                throw ApiException.invalid("emails", "Invite at most " + MAX_BULK + " people at once.");
            role = role(form.role());
            workspace = workspace(form.workspace());
        } catch (ApiException e) {
            redirect.addFlashAttribute("invite", form);
            redirect.addFlashAttribute("inviteError", e.getMessage());
            return back;
        }
        String base = ServletUriComponentsBuilder.fromCurrentContextPath()
                .path("/invitations/accept")
                .toUriString();
        List<Issued> issued = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        for (String email : emails) {
            try {
                Invitation i = invitations.invite(a, email, role, workspace);
                issued.add(new Issued(i.email(), base + "?token=" + i.token()));
            } catch (ApiException e) {
                if (e.status() == HttpStatus.FORBIDDEN) throw e;
                refused.add(new Refused(email, e.getMessage() == null ? "Not possible." : e.getMessage()));
            }
        }
        // The links are flash attributes: shown on the next page view only, like a new key.
        redirect.addFlashAttribute("issued", issued);
        redirect.addFlashAttribute("refused", refused);
        if (!refused.isEmpty()) {
            redirect.addFlashAttribute(
                    "invite",
                    new InviteForm(
                            String.join(
                                    "\n", refused.stream().map(Refused::email).toList()),
                            form.role(),
                            form.workspace()));
        }
        if (!issued.isEmpty()) {
            Flash.success(
                    redirect,
                    issued.size() == 1
                            ? "Invitation created for " + issued.getFirst().email() + "." + handOver(false)
                            : issued.size() + " invitations created." + handOver(true));
        } else {
            Flash.error(redirect, "No invitation was created.");
        }
        return back;
    }

    @PostMapping("/orgs/{org}/members/{user}")
    String update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String user,
            @RequestParam(required = false) @Nullable String role,
            @RequestParam(name = "default_workspace", required = false) @Nullable String defaultWorkspace,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        UserId target = UserId.parse(user);
        try {
            Member before = organizations.member(a, target);
            OrgRole r = role == null || role.isBlank() ? null : role(role);
            WorkspaceId ws = workspace(defaultWorkspace);
            Member after = organizations.update(
                    a,
                    target,
                    r == before.role() ? null : r,
                    ws == null || ws.equals(before.defaultWorkspaceId()) ? null : ws);
            Flash.success(redirect, after.name() + " saved: " + after.role().wire() + ".");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:/orgs/" + a.org().value() + "/members";
    }

    @PostMapping("/orgs/{org}/members/{user}/remove")
    String remove(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String user,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        UserId target = UserId.parse(user);
        try {
            Member before = organizations.member(a, target);
            organizations.remove(a, target);
            Flash.success(redirect, before.name() + " was removed. Their usage and ledger records stay.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:/orgs/" + a.org().value() + "/members";
    }

    /** Sends an invitation again: the new link is shown once, like a new invitation's; the old one stops working. */
    @PostMapping("/orgs/{org}/members/invitations/{id}/resend")
    String resend(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String id,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        try {
            Invitation i = invitations.resend(a, InvitationId.parse(id));
            redirect.addFlashAttribute("issued", List.of(new Issued(i.email(), link(i))));
            Flash.success(
                    redirect,
                    "New invitation link for " + i.email() + ". The previous link no longer works."
                            + (mail.configured() ? " It is on its way by email." : " Share it by hand."));
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:/orgs/" + a.org().value() + "/members#invitations";
    }

    /** Revokes an invitation: its link stops working at once. */
    @PostMapping("/orgs/{org}/members/invitations/{id}/revoke")
    String revoke(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String id,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        try {
            var revoked = invitations.revoke(a, InvitationId.parse(id));
            Flash.success(redirect, "Invitation for " + revoked.email() + " revoked. Its link no longer works.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:/orgs/" + a.org().value() + "/members#invitations";
    }

    /** How the links reach people: by email when SMTP is configured, else by hand. */
    private String handOver(boolean many) {
        if (mail.configured()) return many ? " Each person gets their link by email." : " They get the link by email.";
        return many
                ? " Email is not configured: send each person their link below."
                : " Email is not configured: send them the link below.";
    }

    /** The link to send for an invitation, on this server. */
    private static String link(Invitation i) {
        return ServletUriComponentsBuilder.fromCurrentContextPath()
                        .path("/invitations/accept")
                        .toUriString()
                + "?token=" + i.token();
    }

    static List<String> split(@Nullable String text) {
        if (text == null || text.isBlank()) return List.of();
        return List.copyOf(Arrays.stream(text.split("[\\s,;]+"))
                .map(s -> s.replaceAll("[<>]", "").strip())
                .filter(s -> !s.isEmpty())
                .collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new)));
    }

    private static OrgRole role(@Nullable String value) {
        try {
            return OrgRole.parse(value == null ? "" : value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("role", e.getMessage());
        }
    }

    private static @Nullable WorkspaceId workspace(@Nullable String value) {
        if (value == null || value.isBlank()) return null;
        if (!Ids.isValid(value, WorkspaceId.PREFIX))
            throw ApiException.invalid("workspace_id", "No such workspace in this organization.");
        return new WorkspaceId(value);
    }
}
