package dev.atrium.identity.web;

import dev.atrium.common.ProblemDetails;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Authenticates {@code Authorization: Bearer atr_…} (or, on Anthropic's Messages API
 * {@code /v1/messages}, {@code x-api-key: atr_…}, as Anthropic's SDKs send it). A presented but unusable token (unknown,
 * revoked, expired, malformed) gets one and the same 401, so a caller learns nothing about which.
 * When {@code required}, a request without one gets that 401 too (the gateway's chain, which has no
 * authorization rules of its own); otherwise it goes on unauthenticated.
 */
class BearerAuthentication extends OncePerRequestFilter {
    private final Identity identity;
    private final JsonMapper json;
    private final boolean required;

    BearerAuthentication(Identity identity, JsonMapper json, boolean required) {
        this.identity = identity;
        this.json = json;
        this.required = required;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if ((header == null || header.isBlank()) && anthropic(request)) {
            // Anthropic's SDKs send their key as x-api-key
            String key = request.getHeader("x-api-key");
            if (key != null && !key.isBlank()) header = "Bearer " + key.strip();
        }
        if (header == null || header.isBlank()) {
            if (required) {
                writeUnauthorized(request, response, json);
                return;
            }
            chain.doFilter(request, response);
            return;
        }
        Optional<Caller> caller = header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? identity.resolve(header.substring(7).trim())
                : Optional.empty();
        if (caller.isEmpty()) {
            SecurityContextHolder.clearContext();
            writeUnauthorized(request, response, json);
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller.get()));
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    static void writeUnauthorized(HttpServletRequest request, HttpServletResponse response, JsonMapper json)
            throws IOException {
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader("WWW-Authenticate", "Bearer");
        if (anthropic(request)) {
            // Anthropic's Messages API speaks Anthropic's error shape.
            response.setContentType("application/json");
            json.writeValue(
                    response.getOutputStream(),
                    java.util.Map.of(
                            "type",
                            "error",
                            "error",
                            java.util.Map.of(
                                    "type", "authentication_error", "message", "Invalid or missing API key.")));
            return;
        }
        if (request.getRequestURI().startsWith("/v1/")) {
            // The gateway speaks OpenAI's error shape.
            response.setContentType("application/json");
            json.writeValue(
                    response.getOutputStream(),
                    java.util.Map.of(
                            "error",
                            java.util.Map.of(
                                    "message",
                                    "Invalid or missing API key.",
                                    "type",
                                    "invalid_request_error",
                                    "code",
                                    "invalid_api_key")));
            return;
        }
        response.setContentType("application/problem+json");
        json.writeValue(
                response.getOutputStream(),
                ProblemDetails.of(HttpStatus.UNAUTHORIZED, "unauthorized", "Missing or invalid credentials."));
    }

    /** Anthropic's Messages API, where a key may come as {@code x-api-key}. */
    private static boolean anthropic(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return uri.equals("/v1/messages") || uri.startsWith("/v1/messages/");
    }

    /** The authenticated caller as a Spring Security authentication. */
    static final class CallerAuthentication extends AbstractAuthenticationToken {
        private static final long serialVersionUID = 1L;
        private final Caller caller;

        CallerAuthentication(Caller caller) {
            super(List.of(
                    new SimpleGrantedAuthority("ROLE_" + caller.actorType().toUpperCase(java.util.Locale.ROOT))));
            this.caller = caller;
            setAuthenticated(true);
        }

        @Override
        public Object getCredentials() {
            return "";
        }

        @Override
        public Caller getPrincipal() {
            return caller;
        }

        /**
         * The user's id for a person, the credential's id otherwise: the name a stored console
         * session is indexed by, so that all of a person's sessions can be ended at once.
         */
        @Override
        public String getName() {
            return caller instanceof Caller.User u
                    ? u.user().value()
                    : caller.credential().value();
        }
    }
}
