package dev.atrium.console;

import dev.atrium.common.ApiException;
import java.util.Map;
import org.springframework.ui.Model;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Post/Redirect/Get for console forms: a rejected form goes back to its page with the input kept
 * ({@code form}) and the service's message under the field it names ({@code errors}).
 */
public final class Forms {
    private Forms() {}

    /** Keeps the input and the error for the next page view. */
    public static void reject(RedirectAttributes redirect, Object form, ApiException e) {
        redirect.addFlashAttribute("form", form);
        redirect.addFlashAttribute("errors", errors(e));
    }

    /** A field → message map; a field the form does not show lands on {@code form}. */
    public static Map<String, String> errors(ApiException e) {
        String field = e.field() == null ? "form" : e.field();
        return Map.of(field, e.getMessage() == null ? "Invalid value." : e.getMessage());
    }

    /** Puts {@code blank} and no errors in the model, unless a redirect brought a rejected form. */
    public static void prepare(Model model, Object blank) {
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", blank);
        }
        if (!model.containsAttribute("errors")) {
            model.addAttribute("errors", Map.of());
        }
    }
}
