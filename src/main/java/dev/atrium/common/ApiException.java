package dev.atrium.common;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** A failure with an HTTP status and a stable machine-readable {@code code}, rendered as problem+json. */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String code;
    private final @Nullable String field;

    public ApiException(HttpStatus status, String code, String detail) {
        this(status, code, detail, null);
    }

    public ApiException(HttpStatus status, String code, String detail, @Nullable String field) {
        super(detail);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public @Nullable String field() {
        return field;
    }

    /** The object does not exist or lies outside the caller's reach: the two are indistinguishable. */
    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found", "No such " + what + ".");
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(HttpStatus.FORBIDDEN, "forbidden", detail);
    }

    public static ApiException conflict(String code, String detail) {
        return new ApiException(HttpStatus.CONFLICT, code, detail);
    }

    public static ApiException invalid(String field, String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "validation_failed", detail, field);
    }

    public static ApiException unauthorized() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "Missing or invalid credentials.");
    }
}
