package dev.atrium.common;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses JSON bodies above {@code atrium.http.max-json-body} (default 1 MiB) with 413 before they
 * are read. Multipart uploads have their own limit ({@code spring.servlet.multipart.*}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodyLimit extends OncePerRequestFilter {
    private final long maxBytes;
    private final JsonMapper json;

    BodyLimit(@Value("${atrium.http.max-json-body:1048576}") long maxBytes, JsonMapper json) {
        this.maxBytes = maxBytes;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType();
        boolean multipart =
                type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/");
        long length = request.getContentLengthLong();
        if (!multipart && length > maxBytes) {
            var problem = ProblemDetails.of(
                    HttpStatus.CONTENT_TOO_LARGE,
                    "payload_too_large",
                    "The request body exceeds " + maxBytes + " bytes.");
            response.setStatus(HttpStatus.CONTENT_TOO_LARGE.value());
            response.setContentType("application/problem+json");
            json.writeValue(response.getOutputStream(), problem);
            return;
        }
        chain.doFilter(multipart || length >= 0 ? request : new LimitedRequest(request, maxBytes), response);
    }
}
