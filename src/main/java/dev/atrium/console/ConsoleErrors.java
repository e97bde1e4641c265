package dev.atrium.console;

import dev.atrium.common.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Errors of console pages as pages with the right status, inside the normal layout (header and
 * navigation). Runs before the API's problem+json handler, for console controllers only. A 404 says
 * the same for "missing" and "not yours".
 */
@ControllerAdvice(annotations = ConsoleController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleErrors {
    private static final String NOT_FOUND_MESSAGE = "This page does not exist, or is not yours to see.";

    private final ObjectProvider<LayoutModel> layout;

    ConsoleErrors(ObjectProvider<LayoutModel> layout) {
        this.layout = layout;
    }

    @ExceptionHandler(ApiException.class)
    String api(ApiException e, Model model, HttpServletRequest request, HttpServletResponse response) {
        response.setStatus(e.status().value());
        describe(model, e.status(), e.status() == HttpStatus.NOT_FOUND ? NOT_FOUND_MESSAGE : e.getMessage());
        layout.ifAvailable(l -> l.describe(model, request));
        return "console/error";
    }

    private static void describe(Model model, HttpStatus status, @Nullable String message) {
        model.addAttribute("status", status.value());
        model.addAttribute("errorTitle", title(status));
        model.addAttribute("message", message == null ? status.getReasonPhrase() : message);
    }

    private static String title(HttpStatus status) {
        return switch (status) {
            case NOT_FOUND -> "Not found";
            case FORBIDDEN -> "Not allowed";
            case CONFLICT -> "Not possible right now";
            default -> status.getReasonPhrase();
        };
    }
}
