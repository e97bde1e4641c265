package dev.atrium.organization.web;

import dev.atrium.common.OrgId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.Organization;
import dev.atrium.organization.OrganizationService;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Organizations: create (personal token), read, rename. */
@RestController
class OrganizationController {
    private final OrganizationService organizations;
    private final Access access;

    OrganizationController(OrganizationService organizations, Access access) {
        this.organizations = organizations;
        this.access = access;
    }

    record OrganizationRequest(@Nullable String name) {}

    @PostMapping("/api/v1/organizations")
    @ResponseStatus(HttpStatus.CREATED)
    Organization create(@AuthenticationPrincipal Caller caller, @RequestBody OrganizationRequest body) {
        Caller.User person = Callers.person(caller);
        return organizations.create(person.user(), person, body.name());
    }

    @GetMapping("/api/v1/organizations/{org}")
    Organization get(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return organizations.get(access.to(caller, OrgId.parse(org)).requireMember());
    }

    @PatchMapping("/api/v1/organizations/{org}")
    Organization rename(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody OrganizationRequest body) {
        var a = access.to(caller, OrgId.parse(org));
        return body.name() == null ? organizations.get(a.requireAdmin()) : organizations.rename(a, body.name());
    }
}
