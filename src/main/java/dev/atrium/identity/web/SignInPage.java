package dev.atrium.identity.web;

import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The sign-in form; Spring Security handles its POST through {@link ConsoleAuthentication}. */
@ConsoleController
class SignInPage {
    private final Identity identity;

    SignInPage(Identity identity) {
        this.identity = identity;
    }

    @GetMapping(ConsoleSecurityConfiguration.SIGN_IN)
    String signIn(
            @AuthenticationPrincipal @Nullable Caller caller,
            @RequestParam(required = false) @Nullable String error,
            @RequestParam(name = "signed-out", required = false) @Nullable String signedOut,
            @RequestParam(name = "retry-after", required = false) @Nullable String retryAfter,
            @RequestParam(required = false) @Nullable String step,
            HttpServletRequest request,
            Model model) {
        if (caller != null) return "redirect:/";
        if (!identity.anyUser()) return "redirect:/setup";
        if ("code".equals(step) && ConsoleSecurityConfiguration.pending(request) != null) {
            // The password was right; the session is not signed in until the code is.
            model.addAttribute("step", "code");
            if ("code".equals(error)) model.addAttribute("error", "The code is wrong or was used already.");
            return "identity/sign-in";
        }
        if ("locked".equals(error)) {
            model.addAttribute(
                    "error",
                    retryAfter == null || !retryAfter.matches("[1-9][0-9]{0,6}")
                            ? "Too many failed sign-in attempts. Try again later."
                            : "Too many failed sign-in attempts. Try again in " + retryAfter + " seconds.");
        } else if ("sso".equals(error)) {
            model.addAttribute(
                    "error", "Your organization signs in through its identity provider: use “Sign in with SSO” below.");
        } else if ("sso-unknown".equals(error)) {
            model.addAttribute(
                    "error",
                    "No organization signs in with single sign-on for this email's domain: sign in with your password.");
        } else if (error != null) {
            model.addAttribute("error", "Email or password is incorrect.");
        }
        if (signedOut != null) model.addAttribute("notice", "You have signed out.");
        if (!model.containsAttribute("email")) model.addAttribute("email", "");
        return "identity/sign-in";
    }
}
