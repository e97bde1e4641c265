package dev.atrium.gateway.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.DatabaseOutage;
import dev.atrium.common.LimitedRequest;
import dev.atrium.gateway.GatewayException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

/**
 * Errors of the {@code /v1} API in OpenAI's shape, {@code {"error": {"message", "type", "param",
 * "code"}}}, so that OpenAI SDKs report them properly. Errors raised before a gateway controller
 * is chosen are shaped the same way by {@link OpenAiErrorShape}. Messages never carry an
 * exception's own text.
 */
@RestControllerAdvice(basePackageClasses = GatewayErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class GatewayErrors {
    private static final Logger log = LoggerFactory.getLogger(GatewayErrors.class);

    /** When to try again after a 503 (the database out of reach), in seconds. */
    static final String RETRY_AFTER_SECONDS = String.valueOf(DatabaseOutage.RETRY_AFTER_SECONDS);

    /** An error answer: its status and the {@code error} object. */
    record Body(int status, Map<String, Object> error) {}

    static Map<String, Object> error(String message, String type, @Nullable String code, @Nullable String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return error;
    }

    static ResponseEntity<Map<String, Object>> body(int status, String type, String code, String message) {
        return body(status, type, code, message, null);
    }

    static ResponseEntity<Map<String, Object>> body(
            int status, String type, String code, String message, @Nullable String param) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", error(message, type, code, param)));
    }

    private static ResponseEntity<Map<String, Object>> body(Body b) {
        return ResponseEntity.status(b.status())
                .headers(h -> {
                    if (b.status() == 503) h.set("Retry-After", RETRY_AFTER_SECONDS);
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", b.error()));
    }

    /** OpenAI's error type for a status. */
    static String typeFor(int status) {
        if (status == 401) return "invalid_request_error";
        if (status == 402) return "insufficient_quota";
        if (status == 403) return "permission_error";
        if (status == 429) return "rate_limit_error";
        if (status >= 500) return "api_error";
        return "invalid_request_error";
    }

    /**
     * The error for a status, from what is known of it: a message and code (for example from a
     * problem+json body), else words of our own for the status.
     */
    static Body forStatus(
            HttpServletRequest request,
            int status,
            @Nullable String message,
            @Nullable String code,
            @Nullable String param) {
        String route = request.getMethod() + " " + request.getRequestURI();
        String fallbackCode;
        String fallbackMessage;
        switch (status) {
            case 400 -> {
                fallbackCode = "invalid_request";
                fallbackMessage = "The request is invalid.";
            }
            case 401 -> {
                fallbackCode = "invalid_api_key";
                fallbackMessage = "Invalid or missing API key.";
            }
            case 403 -> {
                fallbackCode = "permission_denied";
                fallbackMessage = "You are not allowed to do this.";
            }
            case 404 -> {
                // Only routing answers a /v1 404 this way: the gateway's own 404s already have their shape.
                fallbackCode = "unknown_url";
                fallbackMessage = "Unknown request URL: " + route + ".";
                message = null;
                code = null;
            }
            case 405 -> {
                fallbackCode = "method_not_allowed";
                fallbackMessage =
                        "The method " + request.getMethod() + " is not allowed for " + request.getRequestURI() + ".";
            }
            case 413 -> {
                fallbackCode = "payload_too_large";
                fallbackMessage = "The request body is too large.";
            }
            case 415 -> {
                fallbackCode = "unsupported_media_type";
                fallbackMessage = "Unsupported content type for " + route + ".";
            }
            case 429 -> {
                fallbackCode = "rate_limit_exceeded";
                fallbackMessage = "Too many requests; try again later.";
            }
            case 503 -> {
                fallbackCode = "service_unavailable";
                fallbackMessage = "The service is temporarily unavailable; try again shortly.";
            }
            default -> {
                fallbackCode = status >= 500 ? "internal_error" : "invalid_request";
                fallbackMessage = status >= 500 ? "An unexpected error occurred." : "The request could not be served.";
            }
        }
        if (status >= 500 && status != 503) message = null; // never an internal text
        return new Body(
                status,
                error(
                        message == null || message.isBlank() ? fallbackMessage : message,
                        typeFor(status),
                        code == null || code.isBlank() ? fallbackCode : code,
                        param));
    }

    static Body unexpectedBody() {
        return new Body(500, error("An unexpected error occurred.", "api_error", "internal_error", null));
    }

    static Body unavailableBody() {
        return new Body(503, error(DatabaseOutage.MESSAGE, "api_error", "database_unavailable", null));
    }

    @ExceptionHandler(GatewayException.class)
    ResponseEntity<Map<String, Object>> gateway(GatewayException e) {
        return body(e.status(), e.type(), e.code(), e.getMessage());
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        return body(e.status().value(), typeFor(e.status().value()), e.code(), e.getMessage(), e.field());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        if (LimitedRequest.tooLarge(e)) {
            return body(413, "invalid_request_error", "payload_too_large", "The request body is too large.");
        }
        return body(
                400,
                "invalid_request_error",
                "invalid_request",
                "The request body could not be parsed as JSON for this operation.");
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MissingServletRequestPartException.class})
    ResponseEntity<Map<String, Object>> missing(Exception e) {
        String name = e instanceof MissingServletRequestParameterException p
                ? p.getParameterName()
                : ((MissingServletRequestPartException) e).getRequestPartName();
        return body(400, "invalid_request_error", "invalid_request", "'" + name + "' is required.", name);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
        return body(415, "invalid_request_error", "unsupported_media_type", "Unsupported content type.");
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<Map<String, Object>> tooLarge(MaxUploadSizeExceededException e) {
        return body(413, "invalid_request_error", "payload_too_large", "The upload is too large.");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception e) {
        if (DatabaseOutage.isOutage(e)) {
            log.warn("gateway: database unavailable", e);
            return body(unavailableBody());
        }
        log.error("gateway error", e);
        return body(unexpectedBody());
    }
}
