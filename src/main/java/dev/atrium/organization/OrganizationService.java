package dev.atrium.organization;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.ConsoleSessions;
import dev.atrium.organization.internal.Members;
import dev.atrium.organization.internal.Organizations;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Organizations and their members. Every change is audited in the same transaction. */
@Service
public class OrganizationService {
    /**
     * {@link dev.atrium.common.ChangeFeed} topic of changes to members (joining, leaving, roles,
     * default workspaces): the key is the organization's id, or the user's whose memberships changed
     * (they decide a personal token's default workspace).
     */
    public static final String MEMBERS_TOPIC = "organization.members";

    private final Organizations organizations;
    private final Members members;
    private final WorkspaceDirectory workspaces;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    private final ConsoleSessions sessions;

    OrganizationService(
            Organizations organizations,
            Members members,
            WorkspaceDirectory workspaces,
            AuditLog audit,
            ConsoleSessions sessions,
            ApplicationEventPublisher events,
            Clock clock) {
        this.sessions = sessions;
        this.organizations = organizations;
        this.members = members;
        this.workspaces = workspaces;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /** Creates an organization, its Primary Workspace and the owner's membership: all or nothing. */
    @Transactional
    public Organization create(UserId owner, Caller actor, String name) {
        Organization org = new Organization(OrgId.next(), requireName(name), WorkspaceId.next(), clock.instant());
        organizations.insert(org, owner);
        members.upsertActive(org.id(), owner, OrgRole.OWNER, org.primaryWorkspaceId(), org.createdAt());
        events.publishEvent(new OrganizationCreated(org.id(), org.primaryWorkspaceId(), owner));
        audit.record(
                org.id(),
                actor,
                "organization.created",
                "organization",
                org.id().value(),
                null,
                org);
        return org;
    }

    @Transactional(readOnly = true)
    public Organization get(OrgAccess access) {
        return organizations.find(access.org()).orElseThrow(() -> ApiException.notFound("organization"));
    }

    @Transactional
    public Organization rename(OrgAccess access, String name) {
        access.requireAdmin();
        Organization before = get(access);
        String clean = requireName(name);
        organizations.rename(access.org(), clean);
        Organization after = new Organization(before.id(), clean, before.primaryWorkspaceId(), before.createdAt());
        audit.record(
                access.org(),
                access.caller(),
                "organization.updated",
                "organization",
                access.org().value(),
                before,
                after);
        return after;
    }

    @Transactional(readOnly = true)
    public List<Membership> membershipsOf(UserId user) {
        return members.membershipsOf(user);
    }

    @Transactional(readOnly = true)
    public Page<Member> members(OrgAccess access, PageRequest page) {
        // Member lists carry emails: guests and client-facing members do not see who else is in the organization.
        access.requireSeesAll();
        return Page.of(members.list(access.org(), page), page, m -> m.userId().value());
    }

    /**
     * Members' emails by user id, for reports that name members: every active member's for those who
     * see the member list (owner, admin, billing); a plain member's own only. Former members have none.
     */
    @Transactional(readOnly = true)
    public Map<UserId, String> emails(OrgAccess access) {
        Map<UserId, String> all = members.emails(access.org());
        if (access.seesAllWorkspaces()) return all;
        UserId self = access.user();
        return self == null || !all.containsKey(self) ? Map.of() : Map.of(self, all.get(self));
    }

    @Transactional(readOnly = true)
    public Member member(OrgAccess access, UserId user) {
        access.requireMember();
        if (!access.seesAllWorkspaces() && !user.equals(access.user())) {
            throw ApiException.forbidden("Members see their own membership only.");
        }
        return find(access.org(), user);
    }

    /** An active member, for other capabilities' own authorization decisions; 404 when not a member. */
    @Transactional(readOnly = true)
    public Member find(OrgId org, UserId user) {
        return members.findActive(org, user).orElseThrow(() -> ApiException.notFound("member"));
    }

    /** True when the user is an active member of the organization. */
    @Transactional(readOnly = true)
    public boolean isMember(OrgId org, UserId user) {
        return members.role(org, user).isPresent();
    }

    /**
     * Adds a user to the organization with a role; they join {@code workspace}, or the Primary when
     * it is null or no longer active (an invitation's workspace archived or deleted meanwhile).
     */
    @Transactional
    public Member join(
            OrgId org, UserId user, OrgRole role, @Nullable WorkspaceId workspace, String actorType, String actorId) {
        Organization o = organizations.find(org).orElseThrow(() -> ApiException.notFound("organization"));
        WorkspaceId target =
                workspace != null && workspaces.isActive(org, workspace) ? workspace : o.primaryWorkspaceId();
        if (!members.upsertActive(org, user, role, target, clock.instant())) {
            throw ApiException.conflict("already_member", "The user is already a member of this organization.");
        }
        events.publishEvent(new MemberJoined(org, user, target));
        Member member = members.findActive(org, user).orElseThrow();
        audit.record(org, actorType, actorId, "member.added", "user", user.value(), null, member);
        return member;
    }

    /** Changes a member's role and/or default workspace. The last owner cannot be demoted. */
    @Transactional
    public Member update(
            OrgAccess access, UserId user, @Nullable OrgRole role, @Nullable WorkspaceId defaultWorkspace) {
        access.requireMember();
        boolean self = user.equals(access.user());
        if (!access.isAdmin() && !(self && role == null)) {
            throw ApiException.forbidden("This action needs the owner or admin role.");
        }
        // Owners are locked before the member's row, always in one order: two owners demoting each
        // other at once would otherwise deadlock (each holding the other's row).
        int owners = role != null ? members.lockAndCountOwners(access.org()) : 0;
        Member before =
                members.findActiveForUpdate(access.org(), user).orElseThrow(() -> ApiException.notFound("member"));
        if (role != null && role != before.role()) {
            if ((role == OrgRole.OWNER || before.role() == OrgRole.OWNER) && !access.isOwner()) {
                throw ApiException.forbidden("Only an owner can grant or take away the owner role.");
            }
            if (before.role() == OrgRole.OWNER && owners <= 1) {
                throw ApiException.conflict("last_owner", "The organization's last owner cannot be demoted.");
            }
            members.setRole(access.org(), user, role);
        }
        if (defaultWorkspace != null && !defaultWorkspace.equals(before.defaultWorkspaceId())) {
            if (!workspaces.exists(access.org(), defaultWorkspace)) {
                throw ApiException.invalid("default_workspace_id", "No such workspace in this organization.");
            }
            if (!workspaces.isActive(access.org(), defaultWorkspace)) {
                throw ApiException.invalid(
                        "default_workspace_id", "The workspace is archived: it cannot be a default workspace.");
            }
            if (!workspaces.isMember(access.org(), defaultWorkspace, user)) {
                throw ApiException.invalid(
                        "default_workspace_id",
                        "The member must be assigned to a workspace before it becomes their default.");
            }
            members.setDefaultWorkspace(access.org(), user, defaultWorkspace);
        }
        Member after = members.findActive(access.org(), user).orElseThrow();
        audit.record(access.org(), access.caller(), "member.updated", "user", user.value(), before, after);
        return after;
    }

    /** Removes a member (or lets a member leave). Usage, ledger and audit records stay. */
    @Transactional
    public void remove(OrgAccess access, UserId user) {
        access.requireMember();
        boolean self = user.equals(access.user());
        if (!access.isAdmin() && !self) {
            throw ApiException.forbidden("This action needs the owner or admin role.");
        }
        // Owners first, then the member's row (see update): two owners leaving at once must not deadlock.
        int owners = members.lockAndCountOwners(access.org());
        Member before =
                members.findActiveForUpdate(access.org(), user).orElseThrow(() -> ApiException.notFound("member"));
        if (before.role() == OrgRole.OWNER) {
            if (!access.isOwner()) {
                throw ApiException.forbidden("Only an owner can remove an owner.");
            }
            if (owners <= 1) {
                throw ApiException.conflict("last_owner", "The organization's last owner cannot be removed.");
            }
        }
        members.markRemoved(access.org(), user, clock.instant());
        // Their console sessions end on every node when the removal commits: a session does not
        // outlive the membership it was used for (other organizations' pages need a new sign-in).
        sessions.endAll(user, null);
        events.publishEvent(new MemberRemoved(access.org(), user));
        audit.record(
                access.org(),
                access.caller(),
                "member.removed",
                "user",
                user.value(),
                before,
                Map.of("status", "removed"));
    }

    /** Moves members whose default is a workspace being deleted to the Primary Workspace. */
    @Transactional
    public List<UserId> moveDefaultsToPrimary(OrgId org, WorkspaceId from) {
        Organization o = organizations.find(org).orElseThrow(() -> ApiException.notFound("organization"));
        return members.moveDefaults(org, from, o.primaryWorkspaceId());
    }

    @Transactional(readOnly = true)
    public Organization find(OrgId org) {
        return organizations.find(org).orElseThrow(() -> ApiException.notFound("organization"));
    }

    static String requireName(@Nullable String name) {
        return requireName(name, "name");
    }

    static String requireName(@Nullable String name, String field) {
        return dev.atrium.common.Names.require(name, field);
    }
}
