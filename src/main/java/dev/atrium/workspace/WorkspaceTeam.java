package dev.atrium.workspace;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.internal.WorkspaceMembers;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Who works in a workspace (assignments and roles) and the workspace's API keys. */
@Service
public class WorkspaceTeam {
    private final WorkspaceMembers members;
    private final OrganizationService organizations;
    private final Identity identity;
    private final AuditLog audit;
    private final Clock clock;

    WorkspaceTeam(
            WorkspaceMembers members,
            OrganizationService organizations,
            Identity identity,
            AuditLog audit,
            Clock clock) {
        this.members = members;
        this.organizations = organizations;
        this.identity = identity;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public Page<WorkspaceMember> list(WorkspaceAccess access, PageRequest page) {
        requirePerson(access);
        var ws = access.workspace();
        return Page.of(
                members.list(ws.org(), ws.id(), page), page, m -> m.userId().value());
    }

    @Transactional
    public WorkspaceMember add(WorkspaceAccess access, UserId user, @Nullable WorkspaceRole role) {
        access.requireManage().requireActive();
        var ws = access.workspace();
        Member member;
        try {
            member = organizations.find(ws.org(), user);
        } catch (ApiException e) {
            throw ApiException.invalid("user_id", "The user is not a member of this organization.");
        }
        if (!members.add(
                ws.org(), ws.id(), member.userId(), role == null ? WorkspaceRole.MEMBER : role, clock.instant())) {
            throw ApiException.conflict("already_member", "The user is already assigned to this workspace.");
        }
        WorkspaceMember added = members.find(ws.org(), ws.id(), user).orElseThrow();
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_member.added",
                "workspace",
                ws.id().value(),
                null,
                Map.of("user_id", user.value(), "role", added.role().wire()));
        return added;
    }

    @Transactional
    public WorkspaceMember changeRole(WorkspaceAccess access, UserId user, WorkspaceRole role) {
        access.requireManage();
        var ws = access.workspace();
        WorkspaceMember before =
                members.find(ws.org(), ws.id(), user).orElseThrow(() -> ApiException.notFound("member"));
        members.setRole(ws.org(), ws.id(), user, role);
        WorkspaceMember after = members.find(ws.org(), ws.id(), user).orElseThrow();
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_member.updated",
                "workspace",
                ws.id().value(),
                Map.of("user_id", user.value(), "role", before.role().wire()),
                Map.of("user_id", user.value(), "role", role.wire()));
        return after;
    }

    /** Sets a member's own rate limits in the workspace (workspace admins). */
    @Transactional
    public WorkspaceMember setRateLimits(WorkspaceAccess access, UserId user, RateLimits limits) {
        access.requireManage();
        var ws = access.workspace();
        WorkspaceMember before =
                members.find(ws.org(), ws.id(), user).orElseThrow(() -> ApiException.notFound("member"));
        members.setRateLimits(ws.org(), ws.id(), user, limits);
        WorkspaceMember after = members.find(ws.org(), ws.id(), user).orElseThrow();
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_member.rate_limits_updated",
                "workspace",
                ws.id().value(),
                Map.of("user_id", user.value(), "rate_limits", before.rateLimits()),
                Map.of("user_id", user.value(), "rate_limits", after.rateLimits()));
        return after;
    }

    /**
     * Unassigns a member (admins, or the member themselves) and revokes the workspace's keys bound to
     * them. Not while it is their default workspace.
     */
    @Transactional
    public void remove(WorkspaceAccess access, UserId user) {
        requirePerson(access);
        boolean self = user.equals(access.org().user());
        if (!self) access.requireManage();
        var ws = access.workspace();
        WorkspaceMember before =
                members.find(ws.org(), ws.id(), user).orElseThrow(() -> ApiException.notFound("member"));
        Member orgMember = organizations.find(ws.org(), user);
        if (ws.id().equals(orgMember.defaultWorkspaceId())) {
            throw ApiException.conflict(
                    "default_workspace",
                    "This is the member's default workspace: change their default workspace first.");
        }
        members.remove(ws.org(), ws.id(), user);
        // A key bound to someone no longer in its workspace must not outlive the assignment.
        identity.revokeWorkspaceKeysBoundTo(ws.org(), ws.id(), user);
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_member.removed",
                "workspace",
                ws.id().value(),
                Map.of("user_id", user.value(), "role", before.role().wire()),
                null);
    }

    /** Issues a workspace key. Admins may bind it to any member of the workspace; members only to themselves. */
    @Transactional
    public IssuedToken issueKey(WorkspaceAccess access, String name, @Nullable UserId boundUser) {
        return issueKey(access, name, boundUser, KeySettings.NONE);
    }

    /** Issues a workspace key with its own limits (checked by the caller against the workspace's policy). */
    @Transactional
    public IssuedToken issueKey(WorkspaceAccess access, String name, @Nullable UserId boundUser, KeySettings settings) {
        access.requireActive();
        if (!access.canManage()) {
            if (!access.canUse()
                    || (boundUser != null && !boundUser.equals(access.org().user()))) {
                throw ApiException.forbidden("This action needs the workspace admin role.");
            }
            boundUser = access.org().user();
        }
        var ws = access.workspace();
        if (boundUser != null) {
            WorkspaceRole role = members.role(ws.org(), ws.id(), boundUser)
                    .orElseThrow(() -> ApiException.invalid("user_id", "The user is not assigned to this workspace."));
            // A key acts with its member's role: a viewer's key could not run anything.
            if (role == WorkspaceRole.VIEWER) {
                throw ApiException.invalid(
                        "user_id",
                        "The user is a viewer in this workspace: viewers cannot run models, so they get no keys.");
            }
        }
        IssuedToken key = identity.issueWorkspaceKey(
                ws.org(), ws.id(), name, boundUser, access.org().caller(), settings);
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_key.created",
                "key",
                key.id().value(),
                null,
                Map.of(
                        "workspace_id",
                        ws.id().value(),
                        "prefix",
                        key.prefix(),
                        "user_id",
                        boundUser == null ? "" : boundUser.value(),
                        "settings",
                        describe(settings)));
        return key;
    }

    /** One key of the workspace, for its admins and for the member it acts for; 404 otherwise. */
    @Transactional(readOnly = true)
    public KeyInfo key(WorkspaceAccess access, KeyId id) {
        requirePerson(access);
        KeyInfo key = identity.workspaceKey(
                access.workspace().org(), access.workspace().id(), id);
        boolean own = key.userId() != null && key.userId().equals(access.org().user());
        if (!own && !access.canManage() && !access.org().seesAllWorkspaces()) throw ApiException.notFound("key");
        return key;
    }

    /** Changes a key's name and settings: workspace admins, or the member the key acts for. */
    @Transactional
    public KeyInfo updateKey(WorkspaceAccess access, KeyId id, String name, KeySettings settings) {
        access.requireActive();
        KeyInfo before = key(access, id);
        requireKeyManager(access, before);
        var ws = access.workspace();
        KeyInfo after = identity.updateWorkspaceKey(ws.org(), ws.id(), id, name, settings);
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_key.updated",
                "key",
                id.value(),
                Map.of("name", before.name(), "settings", describe(before.settings())),
                Map.of("name", after.name(), "settings", describe(after.settings())));
        return after;
    }

    /** A new secret for a key, same id and settings: workspace admins, or the member the key acts for. */
    @Transactional
    public IssuedToken rotateKey(WorkspaceAccess access, KeyId id) {
        access.requireActive();
        KeyInfo before = key(access, id);
        requireKeyManager(access, before);
        var ws = access.workspace();
        IssuedToken rotated = identity.rotateWorkspaceKey(ws.org(), ws.id(), id);
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_key.rotated",
                "key",
                id.value(),
                Map.of("prefix", before.prefix()),
                Map.of("prefix", rotated.prefix()));
        return rotated;
    }

    private static void requireKeyManager(WorkspaceAccess access, KeyInfo key) {
        boolean own = key.userId() != null && key.userId().equals(access.org().user());
        if (!access.canManage() && !own) throw ApiException.forbidden("This action needs the workspace admin role.");
    }

    /** A key's settings for the audit log. */
    private static Map<String, Object> describe(KeySettings s) {
        var m = new java.util.LinkedHashMap<String, Object>();
        if (s.spendLimitMicros() != null) {
            m.put(
                    "spend_limit",
                    dev.atrium.common.Credits.ofMicros(s.spendLimitMicros()).toDecimal());
            m.put("spend_period", s.spendPeriod());
        }
        if (s.allowedModels() != null) m.put("allowed_models", s.allowedModels());
        if (s.requestsPerMinute() != null) m.put("requests_per_minute", s.requestsPerMinute());
        if (s.tokensPerMinute() != null) m.put("tokens_per_minute", s.tokensPerMinute());
        if (s.concurrent() != null) m.put("concurrent", s.concurrent());
        if (s.expiresAt() != null) m.put("expires_at", s.expiresAt().toString());
        return m;
    }

    /** Keys of the workspace: all of them for admins, a member's own for members. */
    @Transactional(readOnly = true)
    public List<KeyInfo> keys(WorkspaceAccess access) {
        requirePerson(access);
        var ws = access.workspace();
        List<KeyInfo> all = identity.workspaceKeys(ws.org(), ws.id());
        if (access.canManage() || access.org().seesAllWorkspaces()) return all;
        UserId self = access.org().user();
        return all.stream().filter(k -> Objects.equals(k.userId(), self)).toList();
    }

    @Transactional
    public void revokeKey(WorkspaceAccess access, KeyId id) {
        var ws = access.workspace();
        KeyInfo key = identity.workspaceKeys(ws.org(), ws.id()).stream()
                .filter(k -> k.id().equals(id))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("key"));
        boolean own = key.userId() != null && key.userId().equals(access.org().user());
        if (!access.canManage() && !own) {
            throw ApiException.forbidden("This action needs the workspace admin role.");
        }
        identity.revokeWorkspaceKey(ws.org(), ws.id(), id);
        audit.record(
                ws.org(),
                access.org().caller(),
                "workspace_key.revoked",
                "key",
                id.value(),
                Map.of("workspace_id", ws.id().value(), "prefix", key.prefix()),
                Map.of("status", "revoked"));
    }

    private static void requirePerson(WorkspaceAccess access) {
        if (access.org().keyWorkspace() != null) {
            throw ApiException.forbidden("Workspace keys are for the gateway.");
        }
    }
}
