package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrganizationService;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/me}: the signed-in user and their organizations. */
@RestController
class MeController {
    private final Identity identity;
    private final OrganizationService organizations;

    MeController(Identity identity, OrganizationService organizations) {
        this.identity = identity;
        this.organizations = organizations;
    }

    record MeResponse(User user, List<Membership> organizations) {}

    @GetMapping("/api/v1/me")
    MeResponse me(@AuthenticationPrincipal Caller caller) {
        Caller.User person = Callers.person(caller);
        User user = identity.find(person.user()).orElseThrow(ApiException::unauthorized);
        return new MeResponse(user, organizations.membershipsOf(person.user()));
    }
}
