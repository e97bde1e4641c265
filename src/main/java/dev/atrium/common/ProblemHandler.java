package dev.atrium.common;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/** Every error of the REST API as problem+json with a stable {@code code}; never a bare 500 for bad input. */
// Not restricted to our packages: errors raised before a handler is chosen (unknown route, 405, 415)
// carry no handler type, and a package-restricted advice would leave them to Boot's non-problem /error.
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e) {
        return ResponseEntity.status(e.status()).body(ProblemDetails.of(e));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        ProblemDetail problem = ProblemDetails.of(
                HttpStatus.BAD_REQUEST, "invalid_parameter", "Parameter '" + e.getName() + "' has an invalid value.");
        problem.setProperty("errors", List.of(Map.of("field", e.getName(), "message", "invalid value")));
        return ResponseEntity.badRequest().body(problem);
    }

    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> integrity(DataIntegrityViolationException e) {
        if (e.getMostSpecificCause() instanceof SQLException sql
                && sql.getSQLState() != null
                && sql.getSQLState().startsWith("22")) {
            // A data exception (e.g. a NUL character, which PostgreSQL text cannot hold) is bad input,
            // not a conflict with the current state.
            log.info("data exception answered 400: {}", sql.getMessage());
            return ResponseEntity.badRequest()
                    .body(ProblemDetails.of(
                            HttpStatus.BAD_REQUEST,
                            "bad_request",
                            "The request contains a value that cannot be stored."));
        }
        log.info(
                "constraint violation answered 409: {}",
                e.getMostSpecificCause().getMessage());
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .body(ProblemDetails.of(
                        HttpStatus.CONFLICT, "conflict", "The request conflicts with the current state."));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<ProblemDetail> illegalArgument(IllegalArgumentException e) {
        return ResponseEntity.unprocessableContent()
                .body(ProblemDetails.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation_failed", e.getMessage()));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        if (DatabaseOutage.isOutage(e)) {
            log.warn("database unavailable, answered 503: {}", e.toString());
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, String.valueOf(DatabaseOutage.RETRY_AFTER_SECONDS))
                    .body(ProblemDetails.of(
                            HttpStatus.SERVICE_UNAVAILABLE, "database_unavailable", DatabaseOutage.MESSAGE));
        }
        log.error("unexpected error", e);
        return ResponseEntity.internalServerError()
                .body(ProblemDetails.of(
                        HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "An unexpected error occurred."));
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = ex.getBindingResult().getFieldErrors().stream()
                .map(f -> Map.of("field", snake(f.getField()), "message", String.valueOf(f.getDefaultMessage())))
                .toList();
        String detail = errors.isEmpty()
                ? "The request is invalid."
                : errors.stream()
                        .map(m -> m.get("field") + " " + m.get("message"))
                        .reduce((a, b) -> a + "; " + b)
                        .orElseThrow();
        ProblemDetail problem = ProblemDetails.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation_failed", detail);
        problem.setProperty("errors", errors);
        return ResponseEntity.unprocessableContent().body(problem);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof LimitedRequest.TooLarge) {
                // A body without Content-Length that grew past the limit while being read.
                return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
                        .body(ProblemDetails.of(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", t.getMessage()));
            }
        }
        String detail = "The request body is not valid JSON for this operation.";
        String field = null;
        Throwable cause = ex.getMostSpecificCause();
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof JacksonException je && !je.getPath().isEmpty()) {
                field = je.getPath().stream()
                        .map(r -> r.getPropertyName() != null ? r.getPropertyName() : String.valueOf(r.getIndex()))
                        .reduce((a, b) -> a + "." + b)
                        .orElse(null);
                break;
            }
        }
        if (field != null && cause instanceof UnrecognizedPropertyException unknown) {
            // A typo must not silently change what a request means: refuse it and say what is known.
            String known = unknown.getKnownPropertyIds() == null
                    ? ""
                    : unknown.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .sorted()
                            .reduce((a, b) -> a + ", " + b)
                            .map(k -> " Known fields here: " + k + ".")
                            .orElse("");
            return invalid(field, "Unknown field '" + field + "': this operation does not accept it." + known);
        }
        if (field != null && cause instanceof AmountDeserializer.InvalidAmount amount) {
            return invalid(field, amount.messageFor(field));
        }
        if (field != null
                && cause instanceof MismatchedInputException mismatch
                && isInteger(mismatch.getTargetType())) {
            String name = field.substring(field.lastIndexOf('.') + 1);
            detail = "Field '" + field + "' must be a JSON integer, e.g. \"" + name + "\": 60.";
        } else if (field != null) {
            detail = "Field '" + field + "' has a missing, malformed or unknown value.";
        } else if (cause instanceof JacksonException) {
            detail = "Malformed JSON.";
        }
        ProblemDetail problem = ProblemDetails.of(HttpStatus.BAD_REQUEST, "malformed_request", detail);
        if (field != null) {
            problem.setProperty("errors", List.of(Map.of("field", field, "message", "invalid value")));
        }
        return ResponseEntity.badRequest().body(problem);
    }

    private static ResponseEntity<Object> invalid(String field, String detail) {
        ProblemDetail problem = ProblemDetails.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation_failed", detail);
        problem.setProperty("errors", List.of(Map.of("field", field, "message", detail)));
        return ResponseEntity.unprocessableContent().body(problem);
    }

    private static boolean isInteger(@Nullable Class<?> type) {
        return type != null
                && (type == int.class
                        || type == long.class
                        || type == short.class
                        || type == Integer.class
                        || type == Long.class
                        || type == Short.class
                        || type == java.math.BigInteger.class);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(
            Exception ex, @Nullable Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        if (body == null && ex instanceof ErrorResponse error) {
            // Spring's own exceptions (415, 405, 404, missing parameter…) arrive without a body yet.
            body = error.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
        }
        if (body instanceof ProblemDetail problem
                && (problem.getProperties() == null || !problem.getProperties().containsKey("code"))) {
            ProblemDetails.decorate(problem, codeFor(statusCode));
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    private static String codeFor(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> status.is5xxServerError() ? "internal_error" : "bad_request";
        };
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
