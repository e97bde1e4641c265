package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.InvitationId;
import dev.atrium.common.MailSettings;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.User;
import dev.atrium.organization.Access;
import dev.atrium.organization.Invitation;
import dev.atrium.organization.InvitationInfo;
import dev.atrium.organization.InvitationService;
import dev.atrium.organization.InvitationStatus;
import dev.atrium.organization.OrgRole;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Invitations: issue, list, revoke and send again (admins); accept (the invited person). */
@RestController
class InvitationController {
    private final Access access;
    private final InvitationService invitations;
    private final MailSettings mail;

    InvitationController(Access access, InvitationService invitations, MailSettings mail) {
        this.access = access;
        this.mail = mail;
        this.invitations = invitations;
    }

    record InvitationRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String email,

            @Nullable OrgRole role,
            @Nullable String workspaceId) {}

    /**
     * An issued invitation with its token (shown only here). {@code emailed}: the link is on its way by
     * email (SMTP configured); otherwise it must be shared by hand, as {@code delivery} says.
     */
    record InvitationResponse(
            String id,
            String token,
            String email,
            OrgRole role,
            @Nullable String workspaceId,
            Instant expiresAt,
            boolean emailed,
            String delivery) {
        static InvitationResponse of(Invitation i, boolean emailed) {
            return new InvitationResponse(
                    i.id().value(),
                    i.token(),
                    i.email(),
                    i.role(),
                    i.workspaceId() == null ? null : i.workspaceId().value(),
                    i.expiresAt(),
                    emailed,
                    emailed
                            ? "The invitation link is on its way by email."
                            : "Email is not configured on this server: share the invitation link by hand.");
        }
    }

    /** An invitation as listed: never its link. */
    record InvitationView(
            String id,
            String email,
            OrgRole role,
            @Nullable String workspaceId,
            InvitationStatus status,
            String invitedBy,
            Instant createdAt,
            Instant expiresAt,
            @Nullable Instant resentAt,
            @Nullable Instant acceptedAt,
            @Nullable Instant revokedAt) {
        static InvitationView of(InvitationInfo i) {
            return new InvitationView(
                    i.id().value(),
                    i.email(),
                    i.role(),
                    i.workspaceId() == null ? null : i.workspaceId().value(),
                    i.status(),
                    i.invitedBy(),
                    i.createdAt(),
                    i.expiresAt(),
                    i.resentAt(),
                    i.acceptedAt(),
                    i.revokedAt());
        }
    }

    record AcceptRequest(@Nullable String name, @Nullable String password) {}

    record AcceptResponse(User user, String organizationId) {}

    @PostMapping("/api/v1/organizations/{org}/invitations")
    @ResponseStatus(HttpStatus.CREATED)
    InvitationResponse invite(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody InvitationRequest body) {
        var a = access.to(caller, OrgId.parse(org));
        WorkspaceId ws = null;
        if (body.workspaceId() != null) {
            if (!Ids.isValid(body.workspaceId(), WorkspaceId.PREFIX)) {
                throw ApiException.invalid("workspace_id", "No such workspace in this organization.");
            }
            ws = new WorkspaceId(body.workspaceId());
        }
        return InvitationResponse.of(
                invitations.invite(a, body.email() == null ? "" : body.email(), body.role(), ws), mail.configured());
    }

    /** The organization's invitations, newest first: {@code ?status=pending} (default), expired, accepted, revoked or all. */
    @GetMapping("/api/v1/organizations/{org}/invitations")
    Page<InvitationView> list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(defaultValue = "pending") String status,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        var a = access.to(caller, OrgId.parse(org));
        InvitationStatus filter = status.equals("all") ? null : InvitationStatus.parseFilter(status, "status");
        return invitations.list(a, filter, PageRequest.of(limit, after)).map(InvitationView::of);
    }

    /** Revokes an invitation that is not accepted yet: its link stops working at once. */
    @DeleteMapping("/api/v1/organizations/{org}/invitations/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String id) {
        var a = access.to(caller, OrgId.parse(org));
        invitations.revoke(a, InvitationId.parse(id));
    }

    /** Sends an invitation again: a new link and a new validity; the previous link stops working. */
    @PostMapping("/api/v1/organizations/{org}/invitations/{id}/resend")
    InvitationResponse resend(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String id) {
        var a = access.to(caller, OrgId.parse(org));
        return InvitationResponse.of(invitations.resend(a, InvitationId.parse(id)), mail.configured());
    }

    @PostMapping("/api/v1/invitations/{token}/accept")
    AcceptResponse accept(
            @AuthenticationPrincipal @Nullable Caller caller,
            @PathVariable String token,
            @RequestBody(required = false) @Nullable AcceptRequest body) {
        AcceptRequest b = body == null ? new AcceptRequest(null, null) : body;
        var accepted = invitations.accept(token, caller, b.name(), b.password());
        return new AcceptResponse(accepted.user(), accepted.organizationId().value());
    }
}
