package dev.atrium.console;

import dev.atrium.common.ApiException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Errors of console pages as pages with the right status. Runs before the API's problem+json
 * handler, for console controllers only. A 404 says the same for "missing" and "not yours".
 */
@ControllerAdvice(annotations = ConsoleController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleErrors {

    @ExceptionHandler(ApiException.class)
    String api(ApiException e, Model model, HttpServletResponse response) {
        response.setStatus(e.status().value());
        model.addAttribute("status", e.status().value());
        model.addAttribute("errorTitle", title(e.status()));
        model.addAttribute(
                "message",
                e.status() == HttpStatus.NOT_FOUND
                        ? "This page does not exist, or is not yours to see."
                        : e.getMessage());
        return "console/error";
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
