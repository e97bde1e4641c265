package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Identity;
import dev.atrium.organization.SetupService;
import java.io.IOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** First-run setup in the browser: the holder of the setup token creates the first user and organization. */
@ConsoleController
class SetupPage {
    private final SetupService setup;
    private final Identity identity;

    SetupPage(SetupService setup, Identity identity) {
        this.setup = setup;
        this.identity = identity;
    }

    /** The form's fields; the token and password are never sent back to the browser. */
    record SetupForm(
            @Nullable String token,
            @Nullable String email,
            @Nullable String password,
            @Nullable String name,
            @Nullable String organizationName)
            implements java.io.Serializable {
        SetupForm withoutSecrets() {
            return new SetupForm(null, email, null, name, organizationName);
        }
    }

    @GetMapping("/setup")
    String form(Model model, RedirectAttributes redirect) {
        if (identity.anyUser()) {
            Flash.info(redirect, "Atrium is already set up. Sign in to continue.");
            return "redirect:/sign-in";
        }
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new SetupForm(null, null, null, null, null));
            model.addAttribute("errors", Map.of());
        }
        return "organization/setup";
    }

    @PostMapping("/setup")
    String submit(@ModelAttribute SetupForm form, RedirectAttributes redirect) throws IOException {
        try {
            setup.setup(
                    form.token(),
                    nonNull(form.email()),
                    nonNull(form.password()),
                    nonNull(form.name()),
                    nonNull(form.organizationName()));
        } catch (ApiException e) {
            if (e.status() == HttpStatus.CONFLICT) {
                Flash.info(redirect, "Atrium is already set up. Sign in to continue.");
                return "redirect:/sign-in";
            }
            Map<String, String> errors = e.status() == HttpStatus.UNAUTHORIZED
                    ? Map.of("token", "The setup token is not correct.")
                    : FormErrors.of(e);
            redirect.addFlashAttribute("form", form.withoutSecrets());
            redirect.addFlashAttribute("errors", errors);
            return "redirect:/setup";
        }
        Flash.success(redirect, "Atrium is set up. Sign in with the account you just created.");
        redirect.addFlashAttribute("email", form.email());
        return "redirect:/sign-in";
    }

    private static String nonNull(@Nullable String value) {
        return value == null ? "" : value;
    }
}
