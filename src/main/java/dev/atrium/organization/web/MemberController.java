package dev.atrium.organization.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Members of an organization: list, change role or default workspace, remove. */
@RestController
class MemberController {
    private final Access access;
    private final OrganizationService organizations;

    MemberController(Access access, OrganizationService organizations) {
        this.access = access;
        this.organizations = organizations;
    }

    record MemberPatch(@Nullable OrgRole role, @Nullable String defaultWorkspaceId) {}

    @GetMapping("/api/v1/organizations/{org}/members")
    Page<Member> list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        return organizations.members(access.to(caller, OrgId.parse(org)), PageRequest.of(limit, after));
    }

    @GetMapping("/api/v1/organizations/{org}/members/{user}")
    Member get(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String user) {
        return organizations.member(access.to(caller, OrgId.parse(org)), UserId.parse(user));
    }

    @PatchMapping("/api/v1/organizations/{org}/members/{user}")
    Member update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String user,
            @RequestBody MemberPatch body) {
        var a = access.to(caller, OrgId.parse(org));
        UserId target = UserId.parse(user);
        WorkspaceId ws = null;
        if (body.defaultWorkspaceId() != null) {
            if (!dev.atrium.common.Ids.isValid(body.defaultWorkspaceId(), WorkspaceId.PREFIX)) {
                throw dev.atrium.common.ApiException.invalid(
                        "default_workspace_id", "No such workspace in this organization.");
            }
            ws = new WorkspaceId(body.defaultWorkspaceId());
        }
        return organizations.update(a, target, body.role(), ws);
    }

    @DeleteMapping("/api/v1/organizations/{org}/members/{user}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void remove(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String user) {
        organizations.remove(access.to(caller, OrgId.parse(org)), UserId.parse(user));
    }
}
