package dev.atrium.organization;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.InvitationId;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.TokenCodec;
import dev.atrium.identity.User;
import dev.atrium.organization.internal.Invitations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Invitations: issued by admins, accepted once by the invited address, before they expire. Whoever
 * may issue an invitation may also list the organization's invitations, revoke one (its link stops
 * working) or send it again with a new link (the previous link stops working); each change is audited.
 */
@Service
public class InvitationService {
    private final Invitations invitations;
    private final OrganizationService organizations;
    private final WorkspaceDirectory workspaces;
    private final Identity identity;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration validity;
    private final ApplicationEventPublisher events;

    InvitationService(
            Invitations invitations,
            OrganizationService organizations,
            WorkspaceDirectory workspaces,
            Identity identity,
            AuditLog audit,
            Clock clock,
            @Value("${atrium.invitations.validity:P7D}") Duration validity,
            ApplicationEventPublisher events) {
        this.invitations = invitations;
        this.organizations = organizations;
        this.workspaces = workspaces;
        this.identity = identity;
        this.audit = audit;
        this.clock = clock;
        this.validity = validity;
        this.events = events;
    }

    @Transactional
    public Invitation invite(OrgAccess access, String email, @Nullable OrgRole role, @Nullable WorkspaceId workspace) {
        access.requireAdmin();
        String normal = Identity.normaliseEmail(email, "email");
        OrgRole r = role == null ? OrgRole.MEMBER : role;
        if (r == OrgRole.OWNER && !access.isOwner()) {
            throw ApiException.forbidden("Only an owner can invite another owner.");
        }
        if (workspace != null && !workspaces.exists(access.org(), workspace)) {
            throw ApiException.invalid("workspace_id", "No such workspace in this organization.");
        }
        identity.findByEmail(normal).ifPresent(u -> {
            if (organizations.isMember(access.org(), u.id())) {
                throw ApiException.conflict("already_member", "The user is already a member of this organization.");
            }
        });
        String token = TokenCodec.generate(TokenCodec.INVITATION);
        Instant now = clock.instant();
        var pending = new Invitations.Pending(
                access.org(), InvitationId.next(), normal, r, workspace, now.plus(validity), null);
        invitations.insert(pending, TokenCodec.sha256(token), access.caller().actorId(), now);
        audit.record(
                access.org(),
                access.caller(),
                "invitation.created",
                "invitation",
                pending.id().value(),
                null,
                Map.of(
                        "email",
                        normal,
                        "role",
                        r.wire(),
                        "workspace_id",
                        workspace == null ? "" : workspace.value(),
                        "expires_at",
                        pending.expiresAt().toString()));
        issued(access.org(), pending.id(), normal, r, token, pending.expiresAt(), false);
        return new Invitation(pending.id(), token, normal, r, workspace, pending.expiresAt());
    }

    /** The organization's invitations, newest first; {@code status} null for every status. */
    @Transactional(readOnly = true)
    public Page<InvitationInfo> list(OrgAccess access, @Nullable InvitationStatus status, PageRequest page) {
        access.requireAdmin();
        return invitations.list(access.org(), status, clock.instant(), page);
    }

    /**
     * Revokes a pending (or expired) invitation: its link stops working. An accepted one is 409
     * {@code invitation_used}; a revoked one, or one of another organization, 404.
     */
    @Transactional
    public InvitationInfo revoke(OrgAccess access, InvitationId id) {
        InvitationInfo before = open(access, id);
        invitations.revoke(access.org(), id, access.caller().actorId(), clock.instant());
        audit.record(
                access.org(),
                access.caller(),
                "invitation.revoked",
                "invitation",
                id.value(),
                describe(before),
                Map.of("status", InvitationStatus.REVOKED.wire()));
        return before;
    }

    /**
     * Sends a pending or expired invitation again: a new link, valid for the full period from now;
     * the previous link stops working. Refused, like a new invitation, when the address has joined
     * meanwhile.
     */
    @Transactional
    public Invitation resend(OrgAccess access, InvitationId id) {
        InvitationInfo before = open(access, id);
        identity.findByEmail(before.email()).ifPresent(u -> {
            if (organizations.isMember(access.org(), u.id())) {
                throw ApiException.conflict("already_member", "The user is already a member of this organization.");
            }
        });
        String token = TokenCodec.generate(TokenCodec.INVITATION);
        Instant now = clock.instant();
        Instant expiresAt = now.plus(validity);
        invitations.reissue(access.org(), id, TokenCodec.sha256(token), expiresAt, now);
        Map<String, Object> after = describe(before);
        after.put("status", InvitationStatus.PENDING.wire());
        after.put("expires_at", expiresAt.toString());
        audit.record(
                access.org(), access.caller(), "invitation.resent", "invitation", id.value(), describe(before), after);
        issued(access.org(), id, before.email(), before.role(), token, expiresAt, true);
        return new Invitation(id, token, before.email(), before.role(), before.workspaceId(), expiresAt);
    }

    /** Tells listeners (the email outbox) inside this transaction: they commit or roll back with it. */
    private void issued(
            OrgId org, InvitationId id, String email, OrgRole role, String token, Instant expiresAt, boolean resent) {
        events.publishEvent(new InvitationIssued(
                org, id, email, role, token, expiresAt, organizations.find(org).name(), resent));
    }

    /** The invitation, locked, if it may still change: not accepted, not revoked, and the caller may issue it. */
    private InvitationInfo open(OrgAccess access, InvitationId id) {
        access.requireAdmin();
        InvitationInfo inv = invitations
                .findForUpdate(access.org(), id, clock.instant())
                .orElseThrow(() -> ApiException.notFound("invitation"));
        if (inv.status() == InvitationStatus.REVOKED) throw ApiException.notFound("invitation");
        if (inv.role() == OrgRole.OWNER && !access.isOwner()) {
            throw ApiException.forbidden("Only an owner can manage an invitation for another owner.");
        }
        if (inv.status() == InvitationStatus.ACCEPTED) {
            throw ApiException.conflict("invitation_used", "This invitation has already been accepted.");
        }
        return inv;
    }

    private static Map<String, Object> describe(InvitationInfo i) {
        Map<String, Object> m = new HashMap<>();
        m.put("email", i.email());
        m.put("role", i.role().wire());
        m.put("workspace_id", i.workspaceId() == null ? "" : i.workspaceId().value());
        m.put("status", i.status().wire());
        m.put("expires_at", i.expiresAt().toString());
        return m;
    }

    /** The outcome of accepting: the user (new or existing) and the organization joined. */
    public record Accepted(User user, OrgId organizationId, Member member) {}

    /**
     * Accepts an invitation. A new user supplies a name and password; an existing user proves who
     * they are with their session/personal token or their password.
     */
    @Transactional
    public Accepted accept(String token, @Nullable Caller caller, @Nullable String name, @Nullable String password) {
        if (!token.startsWith(TokenCodec.INVITATION) || token.length() > 200) {
            throw ApiException.notFound("invitation");
        }
        Invitations.Pending inv = invitations
                .findForUpdate(TokenCodec.sha256(token))
                .orElseThrow(() -> ApiException.notFound("invitation"));
        if (inv.acceptedAt() != null) {
            throw ApiException.conflict("invitation_used", "This invitation has already been accepted.");
        }
        if (!inv.expiresAt().isAfter(clock.instant())) {
            throw new ApiException(HttpStatus.GONE, "invitation_expired", "This invitation has expired.");
        }
        Optional<User> existing = identity.findByEmail(inv.email());
        User user;
        if (existing.isPresent()) {
            user = existing.get();
            boolean provenBySession =
                    caller instanceof Caller.User u && u.user().equals(user.id());
            boolean provenByPassword = password != null && identity.passwordMatches(user.id(), password);
            if (!provenBySession && !provenByPassword) {
                throw ApiException.unauthorized();
            }
        } else {
            if (caller instanceof Caller.User) {
                throw ApiException.forbidden("This invitation is for another email address.");
            }
            user = identity.createUser(inv.email(), password == null ? "" : password, name == null ? "" : name);
        }
        // The accepting person is the actor of their own joining.
        Member member = organizations.join(
                inv.org(),
                user.id(),
                inv.role(),
                inv.workspace(),
                "user",
                user.id().value());
        invitations.markAccepted(inv.org(), inv.id(), user.id(), clock.instant());
        return new Accepted(user, inv.org(), member);
    }

    /** True when the organization has an open invitation (not accepted, revoked nor expired) for the email. */
    @Transactional(readOnly = true)
    public boolean hasOpenInvitation(OrgId org, String email) {
        return invitations
                .findOpenForUpdate(org, email.toLowerCase(java.util.Locale.ROOT), clock.instant())
                .isPresent();
    }

    /**
     * Accepts the organization's open invitation for the user's email on their behalf, once their
     * identity provider vouched for the address (single sign-on): they join with the invitation's
     * role and workspace. Empty when there is none.
     */
    @Transactional
    public Optional<Member> acceptBySingleSignOn(OrgId org, User user) {
        Optional<Invitations.Pending> open = invitations.findOpenForUpdate(org, user.email(), clock.instant());
        if (open.isEmpty()) return Optional.empty();
        Invitations.Pending inv = open.get();
        Member member = organizations.join(
                org, user.id(), inv.role(), inv.workspace(), "user", user.id().value());
        invitations.markAccepted(org, inv.id(), user.id(), clock.instant());
        return Optional.of(member);
    }
}
