package dev.atrium.organization.web;

import dev.atrium.console.ConsoleController;
import dev.atrium.console.LayoutModel;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.servlet.HandlerMapping;

/** The layout's model on every console page: the signed-in user, their organizations, the current one. */
@ControllerAdvice(annotations = ConsoleController.class)
class ConsoleNavigation implements LayoutModel {
    private final Identity identity;
    private final OrganizationService organizations;

    ConsoleNavigation(Identity identity, OrganizationService organizations) {
        this.identity = identity;
        this.organizations = organizations;
    }

    /** What the header and navigation show. */
    record Nav(
            User user,
            List<Membership> organizations,
            @Nullable Membership current) {
        /** Owner or admin of the current organization: sees the management links. */
        public boolean admin() {
            return current != null && (current.role() == OrgRole.OWNER || current.role() == OrgRole.ADMIN);
        }

        /** Owner, admin or billing: sees every workspace, members, credits. */
        public boolean seesAll() {
            return admin() || (current != null && current.role() == OrgRole.BILLING);
        }

        /**
         * The main navigation of the current organization, in order; a page marks its entry with the
         * model attribute {@code navSection}. Only links the role may follow are listed (the pages
         * check again).
         */
        public List<Item> items() {
            if (current == null) return List.of();
            String base = "/orgs/" + current.id().value();
            List<Item> items = new ArrayList<>();
            items.add(new Item("overview", "Overview", base));
            items.add(new Item("workspaces", "Workspaces", base + "/workspaces"));
            items.add(new Item("playground", "Playground", base + "/playground"));
            if (seesAll()) items.add(new Item("members", "Members", base + "/members"));
            if (seesAll()) items.add(new Item("credits", "Credits", base + "/credits"));
            items.add(new Item("usage", "Usage", base + "/usage"));
            if (admin()) items.add(new Item("audit", "Audit log", base + "/audit"));
            if (admin()) items.add(new Item("mail", "Email", base + "/mail"));
            if (current.role() == OrgRole.OWNER) {
                items.add(new Item("sign-in", "Sign-in settings", base + "/settings/sign-in"));
            }
            return items;
        }
    }

    /** One entry of the main navigation. */
    record Item(String section, String label, String path) {}

    @ModelAttribute("nav")
    @Nullable
    Nav nav(@AuthenticationPrincipal @Nullable Caller caller, HttpServletRequest request) {
        if (!(caller instanceof Caller.User person)) return null;
        User user = identity.find(person.user()).orElse(null);
        if (user == null) return null;
        List<Membership> memberships = organizations.membershipsOf(person.user());
        String org = currentOrg(request);
        Membership current = memberships.stream()
                .filter(m -> m.id().value().equals(org))
                .findFirst()
                .orElse(null);
        return new Nav(user, memberships, current);
    }

    /**
     * The navigation on an error page: the organization of the address when the person belongs to
     * it, else the first of theirs (an error page never names another organization).
     */
    @Override
    public void describe(Model model, HttpServletRequest request) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        Caller caller = auth != null && auth.getPrincipal() instanceof Caller c ? c : null;
        Nav nav = nav(caller, request);
        if (nav != null && nav.current() == null && !nav.organizations().isEmpty()) {
            nav = new Nav(nav.user(), nav.organizations(), nav.organizations().getFirst());
        }
        model.addAttribute("nav", nav);
    }

    private static @Nullable String currentOrg(HttpServletRequest request) {
        if (request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> vars
                && vars.get("org") instanceof String org) {
            return org;
        }
        return null;
    }
}
