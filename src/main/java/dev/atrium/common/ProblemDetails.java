package dev.atrium.common;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Builds RFC 9457 problem details carrying Atrium's stable {@code code}. */
public final class ProblemDetails {
    private ProblemDetails() {}

    public static ProblemDetail of(HttpStatusCode status, String code, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        decorate(problem, code);
        return problem;
    }

    public static ProblemDetail of(ApiException e) {
        ProblemDetail problem = of(e.status(), e.code(), e.getMessage());
        if (e.field() != null) {
            problem.setProperty("errors", List.of(Map.of("field", e.field(), "message", e.getMessage())));
        }
        return problem;
    }

    public static void decorate(ProblemDetail problem, String code) {
        problem.setType(URI.create("https://atrium.dev/problems/" + code.replace('_', '-')));
        problem.setProperty("code", code);
        @Nullable String requestId = MDC.get(RequestIds.MDC_KEY);
        if (requestId != null) {
            problem.setProperty("request_id", requestId);
        }
    }
}
