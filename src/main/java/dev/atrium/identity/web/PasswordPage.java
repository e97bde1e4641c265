package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SignInThrottled;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The signed-in person changes their password; their other console sessions end on every node. */
@ConsoleController
class PasswordPage {
    private final Identity identity;

    PasswordPage(Identity identity) {
        this.identity = identity;
    }

    /** The form as typed; never sent back to the page. */
    record PasswordForm(
            @Nullable String currentPassword, @Nullable String newPassword) implements java.io.Serializable {}

    @GetMapping("/account/password")
    String page(@AuthenticationPrincipal Caller caller, Model model) {
        person(caller);
        Forms.prepare(model, new PasswordForm(null, null));
        model.addAttribute("navSection", "password");
        return "identity/password";
    }

    @PostMapping("/account/password")
    String change(
            @AuthenticationPrincipal Caller caller,
            @ModelAttribute PasswordForm form,
            HttpServletRequest request,
            RedirectAttributes redirect) {
        Caller.User person = person(caller);
        var blank = new PasswordForm(null, null); // passwords are not kept for the next page view
        try {
            identity.changePassword(
                    person.user(),
                    form.currentPassword(),
                    form.newPassword(),
                    request.getSession().getId());
            Flash.success(redirect, "Password changed. Your other sessions have been signed out.");
        } catch (SignInThrottled e) {
            redirect.addFlashAttribute("form", blank);
            redirect.addFlashAttribute(
                    "errors",
                    Map.of(
                            "current_password",
                            "Too many wrong passwords: try again in "
                                    + e.retryAfter().toSeconds() + " s."));
        } catch (ApiException e) {
            Forms.reject(redirect, blank, e);
        }
        return "redirect:/account/password";
    }

    private static Caller.User person(Caller caller) {
        if (caller instanceof Caller.User user) return user;
        throw ApiException.forbidden("A password belongs to a signed-in person.");
    }
}
