package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.User;
import dev.atrium.organization.Access;
import dev.atrium.organization.Invitation;
import dev.atrium.organization.InvitationService;
import dev.atrium.organization.OrgRole;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Invitations: issue (admins) and accept (the invited person). */
@RestController
class InvitationController {
    private final Access access;
    private final InvitationService invitations;

    InvitationController(Access access, InvitationService invitations) {
        this.access = access;
        this.invitations = invitations;
    }

    record InvitationRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String email,

            @Nullable OrgRole role,
            @Nullable String workspaceId) {}

    record InvitationResponse(
            String id,
            String token,
            String email,
            OrgRole role,
            @Nullable String workspaceId,
            Instant expiresAt) {
        static InvitationResponse of(Invitation i) {
            return new InvitationResponse(
                    i.id().value(),
                    i.token(),
                    i.email(),
                    i.role(),
                    i.workspaceId() == null ? null : i.workspaceId().value(),
                    i.expiresAt());
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
        return InvitationResponse.of(invitations.invite(a, body.email() == null ? "" : body.email(), body.role(), ws));
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
