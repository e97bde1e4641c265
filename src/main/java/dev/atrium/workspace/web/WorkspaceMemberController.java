package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
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

/** A workspace's members (its API keys: the gateway's {@code ApiKeysController}). */
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

    record MemberRequest(
            @Nullable String userId,
            @Nullable WorkspaceRole role,
            @Nullable RateLimits rateLimits) {}

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
        // Either or both: the role, and the member's own rate limits ({} clears them).
        if (body.role() == null && body.rateLimits() == null)
            throw ApiException.invalid("role", "role or rate_limits is required.");
        UserId id = UserId.parse(user);
        WorkspaceMember result = null;
        if (body.rateLimits() != null)
            result = team.setRateLimits(a, id, RateLimits.checked(body.rateLimits(), "rate_limits"));
        if (body.role() != null) result = team.changeRole(a, id, body.role());
        return result;
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
