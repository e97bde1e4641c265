package dev.atrium.identity.web;

import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.User;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Exchanges an email and password for a personal access token. */
@RestController
class TokenController {
    private final Identity identity;

    TokenController(Identity identity) {
        this.identity = identity;
    }

    record TokenRequest(
            @Nullable String email,
            @Nullable String password,
            @Nullable String name,
            @Nullable Instant expiresAt) {}

    record TokenResponse(
            String id,
            String token,
            String prefix,
            Instant createdAt,
            @Nullable Instant expiresAt) {}

    @PostMapping("/api/v1/auth/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    TokenResponse issue(@RequestBody TokenRequest body, HttpServletRequest request) {
        User user = identity.authenticate(
                body.email() == null ? "" : body.email(),
                body.password() == null ? "" : body.password(),
                request.getRemoteAddr());
        IssuedToken token = identity.issuePersonalToken(
                user.id(), body.name() == null || body.name().isBlank() ? "api" : body.name(), body.expiresAt());
        return new TokenResponse(
                token.id().value(), token.secret(), token.prefix(), token.createdAt(), token.expiresAt());
    }
}
