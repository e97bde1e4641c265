package dev.atrium.sso.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.sso.SignInSettings;
import jakarta.servlet.http.HttpServletResponse;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The console's single sign-on: the sign-in page's "Sign in with SSO" (the email's domain picks the
 * organization and its provider), the page of a refused sign-on, and the organization's sign-in
 * settings (owners only).
 */
@ConsoleController
class SsoPages {
    /** What each refusal code means to the person refused. */
    static final Map<String, String> REASONS = Map.of(
            "email_unverified",
            "Your identity provider has not verified your email address, so Atrium cannot rely on it.",
            "email_missing",
            "Your identity provider did not tell Atrium your email address.",
            "domain_not_covered",
            "Your email's domain is not one the organization's single sign-on covers.",
            "invitation_required",
            "The organization admits new people by invitation only. Ask its owner or an admin to invite you, then sign in again.",
            "not_a_member",
            "An Atrium account with your email exists and is not a member of the organization. Ask its owner or an admin for an invitation.",
            "sso_not_configured",
            "Single sign-on is off for this organization.",
            "provider_unavailable",
            "The organization's identity provider cannot be reached right now. Try again later.",
            "access_denied",
            "The identity provider did not sign you in.");

    private final SignInSettings settings;
    private final ClientRegistrationRepository registrations;
    private final Access access;
    private final OrganizationService organizations;

    SsoPages(
            SignInSettings settings,
            ClientRegistrationRepository registrations,
            Access access,
            OrganizationService organizations) {
        this.settings = settings;
        this.registrations = registrations;
        this.access = access;
        this.organizations = organizations;
    }

    @PostMapping("/sso/start")
    String start(@RequestParam(required = false) @Nullable String email, Model model) {
        Optional<OrgId> org = email == null ? Optional.empty() : settings.organizationFor(email);
        if (org.isEmpty()) return "redirect:/sign-in?error=sso-unknown";
        if (registrations.findByRegistrationId(org.get().value()) == null) {
            return "redirect:/sso/refused?reason=provider_unavailable";
        }
        // A page that moves on by itself, not a redirect: the sign-in page's content security policy
        // (form-action 'self') stops a form's redirect to another site, the provider's included.
        model.addAttribute("to", "/oauth2/authorization/" + org.get().value());
        return "sso/continue";
    }

    @GetMapping("/sso/refused")
    String refused(@RequestParam(required = false) @Nullable String reason, Model model, HttpServletResponse response) {
        String code = reason == null || !reason.matches("[a-z_]{1,40}") ? "failed" : reason;
        model.addAttribute("code", code);
        model.addAttribute(
                "message",
                REASONS.getOrDefault(code, "The identity provider's answer could not be accepted (" + code + ")."));
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        return "sso/refused";
    }

    /** The single sign-on form; unchecked boxes are false, an empty secret keeps the current one. */
    record SsoForm(
            @Nullable Boolean enabled,
            @Nullable String issuer,
            @Nullable String clientId,
            @Nullable String clientSecret,
            @Nullable String domains,
            @Nullable Boolean ssoRequiresInvitation,
            @Nullable Boolean ssoRequired,
            @Nullable String breakGlassUserId)
            implements Serializable {}

    /** The two-factor requirement form. */
    record PolicyForm(@Nullable Boolean requireTwoFactor) implements Serializable {}

    @GetMapping("/orgs/{org}/settings/sign-in")
    String page(@AuthenticationPrincipal Caller caller, @PathVariable String org, Model model) {
        OrgAccess a = owner(caller, org);
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("sso", settings.sso(a));
        model.addAttribute("policy", settings.policy(a));
        model.addAttribute(
                "owners",
                organizations.members(a, dev.atrium.common.PageRequest.of(1000, null)).data().stream()
                        .filter(m -> m.role() == dev.atrium.organization.OrgRole.OWNER)
                        .toList());
        model.addAttribute("navSection", "sign-in");
        return "sso/settings";
    }

    @PostMapping("/orgs/{org}/settings/sign-in/sso")
    String saveSso(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @ModelAttribute SsoForm form,
            RedirectAttributes redirect) {
        OrgAccess a = owner(caller, org);
        try {
            settings.changeSso(
                    a,
                    new SignInSettings.SsoChange(
                            Boolean.TRUE.equals(form.enabled()),
                            blankToNull(form.issuer()),
                            blankToNull(form.clientId()),
                            blankToNull(form.clientSecret()),
                            form.domains() == null
                                    ? java.util.List.of()
                                    : Arrays.asList(form.domains().split("[\\s,;]+")),
                            Boolean.TRUE.equals(form.ssoRequiresInvitation()),
                            Boolean.TRUE.equals(form.ssoRequired()),
                            blankToNull(form.breakGlassUserId())));
            Flash.success(redirect, "Single sign-on settings saved.");
        } catch (ApiException e) {
            if (e.status().value() == 404 || e.status().value() == 403) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:/orgs/" + a.org().value() + "/settings/sign-in";
    }

    @PostMapping("/orgs/{org}/settings/sign-in/two-factor")
    String savePolicy(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @ModelAttribute PolicyForm form,
            RedirectAttributes redirect) {
        OrgAccess a = owner(caller, org);
        boolean on = Boolean.TRUE.equals(form.requireTwoFactor());
        settings.changePolicy(a, on);
        Flash.success(
                redirect,
                on
                        ? "Members who sign in with a password must now turn on two-factor sign-in."
                        : "Two-factor sign-in is no longer required.");
        return "redirect:/orgs/" + a.org().value() + "/settings/sign-in";
    }

    private OrgAccess owner(Caller caller, String org) {
        return access.to(caller, OrgId.parse(org)).requireMember().requireOwner();
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
