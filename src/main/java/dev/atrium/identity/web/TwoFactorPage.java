package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.identity.SignInThrottled;
import dev.atrium.identity.TwoFactor;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The signed-in person's two-factor sign-in: start enrolment (the otpauth:// URI and the base32
 * secret, shown on this answer only and never kept in the session), confirm with a code (the
 * recovery codes, shown once), see the status, turn it off with a code or a recovery code.
 */
@ConsoleController
class TwoFactorPage {
    private final TwoFactor twoFactor;

    TwoFactorPage(TwoFactor twoFactor) {
        this.twoFactor = twoFactor;
    }

    /** A code as typed; never sent back to the page. */
    record CodeForm(@Nullable String code) implements java.io.Serializable {}

    @GetMapping("/account/2fa")
    String page(
            @AuthenticationPrincipal Caller caller,
            @org.springframework.web.bind.annotation.RequestParam(required = false) @Nullable String required,
            Model model) {
        // Sent here by ConsoleSecurityConfiguration.EnrolmentRequired: other pages wait for the enrolment.
        if (required != null) model.addAttribute("enrolmentRequired", true);
        return view(person(caller), model);
    }

    @PostMapping("/account/2fa/start")
    String start(@AuthenticationPrincipal Caller caller, Model model, RedirectAttributes redirect) {
        Caller.User person = person(caller);
        try {
            // Answered directly (not through a redirect) so that the secret is not kept in the session.
            var enrolment = twoFactor.begin(person.user());
            model.addAttribute("enrolment", enrolment);
            model.addAttribute("enrolmentQr", QrSvg.of(enrolment.uri()));
        } catch (ApiException e) {
            Flash.error(redirect, e.getMessage());
            return "redirect:/account/2fa";
        }
        return view(person, model);
    }

    @PostMapping("/account/2fa/confirm")
    String confirm(
            @AuthenticationPrincipal Caller caller,
            @ModelAttribute CodeForm form,
            Model model,
            RedirectAttributes redirect) {
        Caller.User person = person(caller);
        try {
            model.addAttribute("recoveryCodes", twoFactor.confirm(person.user(), form.code()));
        } catch (SignInThrottled e) {
            Flash.error(
                    redirect,
                    "Too many wrong codes: try again in " + e.retryAfter().toSeconds() + " s.");
            return "redirect:/account/2fa";
        } catch (ApiException e) {
            Flash.error(redirect, "The code is wrong or was used already. Start again and scan the new secret.");
            return "redirect:/account/2fa";
        }
        return view(person, model);
    }

    @PostMapping("/account/2fa/disable")
    String disable(@AuthenticationPrincipal Caller caller, @ModelAttribute CodeForm form, RedirectAttributes redirect) {
        Caller.User person = person(caller);
        String code = form.code() == null ? "" : form.code().replace(" ", "").strip();
        boolean totp = code.matches("[0-9]{6}");
        try {
            twoFactor.disable(person.user(), totp ? code : null, totp ? null : code);
            Flash.success(redirect, "Two-factor sign-in is off.");
        } catch (SignInThrottled e) {
            Flash.error(
                    redirect,
                    "Too many wrong codes: try again in " + e.retryAfter().toSeconds() + " s.");
        } catch (ApiException e) {
            Flash.error(redirect, "The code is wrong or was used already.");
        }
        return "redirect:/account/2fa";
    }

    private String view(Caller.User person, Model model) {
        model.addAttribute("status", twoFactor.status(person.user()));
        model.addAttribute("navSection", "2fa");
        return "identity/two-factor";
    }

    private static Caller.User person(Caller caller) {
        if (caller instanceof Caller.User user) return user;
        throw ApiException.forbidden("Two-factor sign-in belongs to a signed-in person.");
    }
}
