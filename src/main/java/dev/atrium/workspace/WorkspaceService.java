package dev.atrium.workspace;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Identity;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import dev.atrium.workspace.internal.Policies;
import dev.atrium.workspace.internal.WorkspaceMembers;
import dev.atrium.workspace.internal.Workspaces;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Workspaces: lifecycle, visibility and the access of a caller inside one. Every change is audited. */
@Service
public class WorkspaceService {
    /**
     * {@link dev.atrium.common.ChangeFeed} topic of changes to what a gateway call reads of a
     * workspace: its name, status, policy and who is assigned with which role. The key is the
     * organization's id: every workspace of the organization counts as changed.
     */
    public static final String CHANGES_TOPIC = "workspace.changes";

    private final Workspaces workspaces;
    private final WorkspaceMembers members;
    private final Policies policies;
    private final OrganizationService organizations;
    private final Identity identity;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final Pricing pricing;
    private final Clock clock;

    WorkspaceService(
            Workspaces workspaces,
            WorkspaceMembers members,
            Policies policies,
            OrganizationService organizations,
            Identity identity,
            AuditLog audit,
            ApplicationEventPublisher events,
            Pricing pricing,
            Clock clock) {
        this.workspaces = workspaces;
        this.members = members;
        this.policies = policies;
        this.organizations = organizations;
        this.identity = identity;
        this.audit = audit;
        this.events = events;
        this.pricing = pricing;
        this.clock = clock;
    }

    /**
     * The caller's access to a workspace. Out of reach (another organization, a workspace the member
     * is not assigned to, another workspace's key, deleted) is a 404, like a missing id.
     */
    @Transactional(readOnly = true)
    public WorkspaceAccess access(OrgAccess org, WorkspaceId id) {
        Workspace ws = workspaces.find(org.org(), id).orElseThrow(() -> ApiException.notFound("workspace"));
        return accessTo(org, ws);
    }

    /** A workspace by id, whatever its organization: for the gateway, which learns the organization from it. */
    @Transactional(readOnly = true)
    public java.util.Optional<Workspace> find(WorkspaceId id) {
        return workspaces.findAnyOrg(id);
    }

    /**
     * What a gateway call needs of a workspace (not deleted, in any organization): the workspace, its
     * policy and {@code user}'s role there ({@code null} when not assigned or no user), read with one
     * statement and no transaction of its own, so one snapshot and one round trip.
     */
    public java.util.Optional<CallView> forCall(WorkspaceId id, @Nullable UserId user) {
        return workspaces
                .findForCall(id, user)
                .map(r -> new CallView(
                        r.workspace(), r.policy() == null ? Policy.DEFAULT : r.policy(), r.role(), r.memberLimits()));
    }

    /** A workspace as a gateway call sees it. */
    public record CallView(
            Workspace workspace, Policy policy, @Nullable WorkspaceRole role, RateLimits memberLimits) {}

    /** The user's role in the workspace, if assigned. */
    @Transactional(readOnly = true)
    public java.util.Optional<WorkspaceRole> role(OrgId org, WorkspaceId ws, UserId user) {
        return members.role(org, ws, user);
    }

    private WorkspaceAccess accessTo(OrgAccess org, Workspace ws) {
        WorkspaceId keyWs = org.keyWorkspace();
        if (keyWs != null) {
            if (!keyWs.equals(ws.id())) throw ApiException.notFound("workspace");
            return new WorkspaceAccess(org, ws, null);
        }
        WorkspaceRole role = org.user() == null
                ? null
                : members.role(org.org(), ws.id(), org.user()).orElse(null);
        if (role == null && !org.seesAllWorkspaces()) {
            throw ApiException.notFound("workspace");
        }
        return new WorkspaceAccess(org, ws, role);
    }

    @Transactional
    public Workspace create(OrgAccess org, String name, @Nullable WorkspaceKind kind, @Nullable String description) {
        org.requireAdmin();
        Workspace ws = new Workspace(
                WorkspaceId.next(),
                org.org(),
                requireName(name),
                kind == null ? WorkspaceKind.OTHER : kind,
                description(description),
                false,
                "active",
                org.caller().actorId(),
                clock.instant(),
                null);
        workspaces.insert(ws);
        policies.upsert(ws.org(), ws.id(), Policy.DEFAULT, ws.createdAt());
        if (org.user() != null) {
            members.add(ws.org(), ws.id(), org.user(), WorkspaceRole.ADMIN, ws.createdAt());
        }
        audit.record(
                org.org(),
                org.caller(),
                "workspace.created",
                "workspace",
                ws.id().value(),
                null,
                ws);
        return ws;
    }

    /** Creates the Primary Workspace of a new organization (called inside its creating transaction). */
    @Transactional
    public Workspace createPrimary(OrgId org, WorkspaceId id, UserId owner) {
        Instant now = clock.instant();
        Workspace ws = new Workspace(
                id,
                org,
                "Primary Workspace",
                WorkspaceKind.OTHER,
                "Where all activity goes unless a member or key is assigned elsewhere.",
                true,
                "active",
                owner.value(),
                now,
                null);
        workspaces.insert(ws);
        policies.upsert(org, id, Policy.DEFAULT, now);
        members.add(org, id, owner, WorkspaceRole.ADMIN, now);
        return ws;
    }

    /** The workspaces the caller can see: all for owners/admins/billing, assigned ones for members. */
    @Transactional(readOnly = true)
    public Page<Workspace> list(OrgAccess org, boolean includeArchived, PageRequest page) {
        if (org.keyWorkspace() != null) {
            throw ApiException.forbidden("Workspace keys are for the gateway.");
        }
        UserId only = org.seesAllWorkspaces() ? null : org.user();
        return Page.of(workspaces.list(org.org(), only, includeArchived, page), page, w -> w.id().value());
    }

    @Transactional
    public Workspace update(
            WorkspaceAccess access, @Nullable String name, @Nullable WorkspaceKind kind, @Nullable String description) {
        access.requireManage().requireActive();
        Workspace before = lock(access);
        Workspace after = new Workspace(
                before.id(),
                before.org(),
                name == null ? before.name() : requireName(name),
                kind == null ? before.kind() : kind,
                description == null ? before.description() : description(description),
                before.primary(),
                before.status(),
                before.createdBy(),
                before.createdAt(),
                before.archivedAt());
        workspaces.update(before.org(), before.id(), after.name(), after.kind(), after.description());
        audit.record(
                before.org(),
                access.org().caller(),
                "workspace.updated",
                "workspace",
                before.id().value(),
                before,
                after);
        return after;
    }

    /** What archiving a workspace did: the workspace as archived, and whose default moved to the Primary. */
    public record Archival(@JsonUnwrapped Workspace workspace, List<UserId> membersMovedToPrimary) {}

    /**
     * Archives a workspace (never the Primary): read-only, no AI activity. Members whose default it
     * was move to the Primary Workspace (assigned there as members if they were not), as on deletion,
     * so their calls without a workspace keep working.
     */
    @Transactional
    public Archival archive(WorkspaceAccess access) {
        access.requireManage();
        Workspace before = lock(access);
        if (before.primary()) {
            throw ApiException.conflict("primary_workspace", "The Primary Workspace cannot be archived.");
        }
        if (!before.active()) return new Archival(before, List.of());
        OrgId org = before.org();
        Instant now = clock.instant();
        List<UserId> moved = moveDefaultsToPrimary(org, before.id(), now);
        workspaces.setStatus(org, before.id(), "archived", now);
        Workspace after = workspaces.find(org, before.id()).orElseThrow();
        Archival archival = new Archival(after, moved);
        audit.record(
                org,
                access.org().caller(),
                "workspace.archived",
                "workspace",
                before.id().value(),
                before,
                archival);
        return archival;
    }

    /** Members whose default is {@code from} get the Primary as default, assigned there if need be. */
    private List<UserId> moveDefaultsToPrimary(OrgId org, WorkspaceId from, Instant now) {
        List<UserId> moved = organizations.moveDefaultsToPrimary(org, from);
        WorkspaceId primary = organizations.find(org).primaryWorkspaceId();
        for (UserId user : moved) {
            members.add(org, primary, user, WorkspaceRole.MEMBER, now);
        }
        return moved;
    }

    @Transactional
    public Workspace unarchive(WorkspaceAccess access) {
        access.requireManage();
        Workspace before = lock(access);
        if (before.active()) return before;
        workspaces.setStatus(before.org(), before.id(), "active", clock.instant());
        Workspace after = workspaces.find(before.org(), before.id()).orElseThrow();
        audit.record(
                before.org(),
                access.org().caller(),
                "workspace.unarchived",
                "workspace",
                before.id().value(),
                before,
                after);
        return after;
    }

    /** What deleting a workspace did. */
    public record Deletion(WorkspaceId id, String status, int keysRevoked, List<UserId> membersMovedToPrimary) {}

    /**
     * Deletes a workspace (never the Primary): keys revoked, assignments removed, members whose
     * default it was move to the Primary. The row stays, with its last name, for billing records;
     * {@link WorkspaceDeleted} lets other capabilities return budgets and erase history.
     */
    @Transactional
    public Deletion delete(WorkspaceAccess access) {
        access.org().requireAdmin();
        Workspace before = lock(access);
        if (before.primary()) {
            throw ApiException.conflict("primary_workspace", "The Primary Workspace cannot be deleted.");
        }
        OrgId org = before.org();
        Instant now = clock.instant();
        int keys = identity.revokeWorkspaceKeys(org, before.id());
        List<UserId> moved = moveDefaultsToPrimary(org, before.id(), now);
        members.removeAll(org, before.id());
        workspaces.setStatus(org, before.id(), "deleted", now);
        events.publishEvent(new WorkspaceDeleted(org, before.id()));
        audit.record(
                org,
                access.org().caller(),
                "workspace.deleted",
                "workspace",
                before.id().value(),
                before,
                Map.of("status", "deleted", "keys_revoked", keys, "members_moved_to_primary", moved));
        return new Deletion(before.id(), "deleted", keys, moved);
    }

    @Transactional(readOnly = true)
    public Policy policy(WorkspaceAccess access) {
        return policies.find(access.workspace().org(), access.workspace().id()).orElse(Policy.DEFAULT);
    }

    @Transactional
    public Policy updatePolicy(WorkspaceAccess access, Policy policy) {
        access.requireManage().requireActive();
        lock(access);
        knownModels(access.workspace().org(), policy.allowedModels(), "allowed_models");
        knownModels(access.workspace().org(), policy.deniedModels(), "denied_models");
        Policy before = policy(access);
        policies.upsert(access.workspace().org(), access.workspace().id(), policy, clock.instant());
        audit.record(
                access.workspace().org(),
                access.org().caller(),
                "workspace.policy_updated",
                "workspace",
                access.workspace().id().value(),
                before,
                policy);
        return policy;
    }

    /**
     * Refuses (422, naming the field and the ids) model ids that are neither the catalog's nor the
     * organization's own: a typo in an allow list would otherwise silently deny every model.
     */
    private void knownModels(OrgId org, @Nullable List<String> models, String field) {
        if (models == null || models.isEmpty()) return;
        if (models.stream().anyMatch(m -> m.indexOf('\u0000') >= 0)) {
            // Text the database cannot store is bad input, as everywhere else (400 bad_request).
            throw new ApiException(
                    HttpStatus.BAD_REQUEST, "bad_request", "The request contains a value that cannot be stored.");
        }
        Set<String> known = pricing.models(org).stream().map(PricedModel::id).collect(Collectors.toSet());
        List<String> unknown = models.stream().filter(m -> !known.contains(m)).toList();
        if (!unknown.isEmpty()) {
            throw ApiException.invalid(
                    field,
                    field + " names " + (unknown.size() == 1 ? "an unknown model" : "unknown models") + ": "
                            + String.join(", ", unknown)
                            + ". Use the ids of the model catalog or of the organization's own models.");
        }
    }

    /** The policy of a workspace, for the gateway. */
    @Transactional(readOnly = true)
    public Policy policy(OrgId org, WorkspaceId ws) {
        return policies.find(org, ws).orElse(Policy.DEFAULT);
    }

    /** Every workspace whose policy limits how long history is kept: for the retention sweepers. */
    @Transactional(readOnly = true)
    public List<Retention> retentions() {
        return policies.retentions();
    }

    private Workspace lock(WorkspaceAccess access) {
        return workspaces
                .findForUpdate(access.workspace().org(), access.workspace().id())
                .orElseThrow(() -> ApiException.notFound("workspace"));
    }

    static String requireName(@Nullable String name) {
        return dev.atrium.common.Names.require(name, "name");
    }

    static String description(@Nullable String description) {
        if (description == null) return "";
        if (description.length() > 2000)
            throw ApiException.invalid("description", "description must be at most 2000 characters.");
        return description.strip();
    }
}
