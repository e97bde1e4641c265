package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** A workspace's members and API keys. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/workspaces/{ws}")
class WorkspaceMemberController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;

    WorkspaceMemberController(Access access, WorkspaceService workspaces, WorkspaceTeam team) {
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
    }

    record MemberRequest(@Nullable String userId, @Nullable WorkspaceRole role) {}

    @Schema(name = "WorkspaceKeyRequest")
    record KeyRequest(@Nullable String name, @Nullable String userId) {}

    @Schema(name = "IssuedWorkspaceKey")
    record IssuedKey(
            String id,
            String key,
            String prefix,
            String workspaceId,
            @Nullable String userId,
            Instant createdAt) {}

    @Schema(name = "WorkspaceKeyView")
    record KeyView(
            String id,
            String name,
            String prefix,
            @Nullable String userId,
            Instant createdAt,
            @Nullable Instant lastUsedAt,
            @Nullable Instant revokedAt,
            String status) {
        static KeyView of(KeyInfo k) {
            return new KeyView(
                    k.id().value(),
                    k.name(),
                    k.prefix(),
                    k.userId() == null ? null : k.userId().value(),
                    k.createdAt(),
                    k.lastUsedAt(),
                    k.revokedAt(),
                    k.revokedAt() == null ? "active" : "revoked");
        }
    }

    @GetMapping("/members")
    Page<WorkspaceMember> members(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        return team.list(resolve(caller, org, ws), PageRequest.of(limit, after));
    }

    @PostMapping("/members")
    @ResponseStatus(HttpStatus.CREATED)
    WorkspaceMember add(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody MemberRequest body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        return team.add(a, userId(body.userId(), true), body.role());
    }

    @PatchMapping("/members/{user}")
    WorkspaceMember changeRole(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user,
            @RequestBody MemberRequest body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        if (body.role() == null) throw ApiException.invalid("role", "role is required.");
        return team.changeRole(a, UserId.parse(user), body.role());
    }

    @DeleteMapping("/members/{user}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void remove(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String user) {
        team.remove(resolve(caller, org, ws), UserId.parse(user));
    }

    @PostMapping("/api-keys")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKey issueKey(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody KeyRequest body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        if (a.org().keyWorkspace() != null) throw ApiException.forbidden("Workspace keys are for the gateway.");
        UserId bound = body.userId() == null ? null : userId(body.userId(), false);
        IssuedToken key = team.issueKey(a, body.name() == null ? "" : body.name(), bound);
        return new IssuedKey(
                key.id().value(),
                key.secret(),
                key.prefix(),
                a.workspace().id().value(),
                bound == null ? (a.canManage() ? null : a.org().user().value()) : bound.value(),
                key.createdAt());
    }

    @GetMapping("/api-keys")
    Map<String, List<KeyView>> keys(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return Map.of(
                "data",
                team.keys(resolve(caller, org, ws)).stream().map(KeyView::of).toList());
    }

    @DeleteMapping("/api-keys/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeKey(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = resolve(caller, org, ws);
        if (a.org().keyWorkspace() != null) throw ApiException.forbidden("Workspace keys are for the gateway.");
        team.revokeKey(a, KeyId.parse(id));
    }

    private WorkspaceAccess resolve(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
    }

    private static UserId userId(@Nullable String value, boolean required) {
        if (value == null && required) throw ApiException.invalid("user_id", "user_id is required.");
        if (value == null || !Ids.isValid(value, UserId.PREFIX)) {
            throw ApiException.invalid("user_id", "The user is not a member of this organization.");
        }
        return new UserId(value);
    }
}
