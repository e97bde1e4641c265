package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.organization.InvitationService;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Accepting an invitation from its link: a new person chooses a name and password; someone who
 * already has an account confirms with their password, or simply accepts while signed in.
 */
@ConsoleController
class InvitationPage {
    private final InvitationService invitations;

    InvitationPage(InvitationService invitations) {
        this.invitations = invitations;
    }

    @GetMapping("/invitations/accept")
    String form(@RequestParam(defaultValue = "") String token, Model model) {
        model.addAttribute("token", token);
        if (!model.containsAttribute("errors")) model.addAttribute("errors", Map.of());
        if (!model.containsAttribute("name")) model.addAttribute("name", "");
        return "organization/invitation";
    }

    @PostMapping("/invitations/accept")
    String accept(
            @AuthenticationPrincipal @Nullable Caller caller,
            @RequestParam(defaultValue = "") String token,
            @RequestParam(required = false) @Nullable String name,
            @RequestParam(required = false) @Nullable String password,
            RedirectAttributes redirect) {
        InvitationService.Accepted accepted;
        try {
            accepted = invitations.accept(token, caller, blankToNull(name), blankToNull(password));
        } catch (ApiException e) {
            Map<String, String> errors = switch (e.status()) {
                case NOT_FOUND -> Map.of("form", "This invitation link is not valid.");
                case GONE -> Map.of("form", "This invitation has expired. Ask for a new one.");
                case CONFLICT -> Map.of("form", e.getMessage());
                case UNAUTHORIZED ->
                    Map.of("password", "You already have an account: enter its password (or sign in first).");
                default -> FormErrors.of(e);
            };
            if (e.status() == HttpStatus.CONFLICT && "invitation_used".equals(e.code())) {
                Flash.info(redirect, "This invitation has already been accepted. Sign in to continue.");
                return "redirect:/sign-in";
            }
            redirect.addFlashAttribute("errors", errors);
            redirect.addFlashAttribute("name", name == null ? "" : name);
            return "redirect:"
                    + UriComponentsBuilder.fromPath("/invitations/accept")
                            .queryParam("token", token)
                            .encode()
                            .toUriString();
        }
        if (caller instanceof Caller.User) {
            Flash.success(redirect, "You joined the organization.");
            return "redirect:/orgs/" + accepted.organizationId().value();
        }
        Flash.success(redirect, "You joined the organization. Sign in to continue.");
        redirect.addFlashAttribute("email", accepted.user().email());
        return "redirect:/sign-in";
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
