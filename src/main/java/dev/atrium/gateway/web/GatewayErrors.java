package dev.atrium.gateway.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.DatabaseOutage;
import dev.atrium.gateway.GatewayException;
import java.util.LinkedHashMap;
import java.util.Map;
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

/** Errors of the {@code /v1} API in OpenAI's shape, so that OpenAI SDKs report them properly. */
@RestControllerAdvice(basePackageClasses = GatewayErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class GatewayErrors {
    private static final Logger log = LoggerFactory.getLogger(GatewayErrors.class);

    static ResponseEntity<Map<String, Object>> body(int status, String type, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", null);
        error.put("code", code);
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", error));
    }

    @ExceptionHandler(GatewayException.class)
    ResponseEntity<Map<String, Object>> gateway(GatewayException e) {
        return body(e.status(), e.type(), e.code(), e.getMessage());
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        String type = e.status().value() == 404
                ? "invalid_request_error"
                : e.status().value() == 403 ? "permission_error" : "invalid_request_error";
        return body(e.status().value(), type, e.code(), e.getMessage());
    }

    @ExceptionHandler({
        HttpMessageNotReadableException.class,
        MissingServletRequestParameterException.class,
        MissingServletRequestPartException.class
    })
    ResponseEntity<Map<String, Object>> unreadable(Exception e) {
        return body(
                400,
                "invalid_request_error",
                "invalid_request",
                "The request body could not be parsed as this operation expects.");
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
            log.warn("database unavailable, answered 503: {}", e.toString());
            return ResponseEntity.status(503)
                    .header("Retry-After", String.valueOf(DatabaseOutage.RETRY_AFTER_SECONDS))
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(Map.<String, Object>of("error", DatabaseOutage.openAiError()));
        }
        log.error("gateway error", e);
        return body(500, "api_error", "internal_error", "An unexpected error occurred.");
    }
}
