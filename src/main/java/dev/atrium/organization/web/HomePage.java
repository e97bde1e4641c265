package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrganizationService;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The console's entry: the signed-in user's organization, and the organization switcher's target. */
@ConsoleController
class HomePage {
    private final OrganizationService organizations;

    HomePage(OrganizationService organizations) {
        this.organizations = organizations;
    }

    @GetMapping("/")
    String home(@AuthenticationPrincipal Caller caller) {
        List<Membership> memberships =
                organizations.membershipsOf(Callers.person(caller).user());
        if (memberships.isEmpty()) {
            return "organization/no-organization";
        }
        return "redirect:/orgs/" + memberships.getFirst().id().value();
    }

    @GetMapping("/orgs/switch")
    String switchTo(@AuthenticationPrincipal Caller caller, @RequestParam String org) {
        return organizations.membershipsOf(Callers.person(caller).user()).stream()
                .filter(m -> m.id().value().equals(org))
                .findFirst()
                .map(m -> "redirect:/orgs/" + m.id().value())
                .orElseThrow(() -> ApiException.notFound("organization"));
    }
}
