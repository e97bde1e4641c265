package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SignInThrottled;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PUT /api/v1/me/password}: a person changes their own password with a personal token. Every
 * console session of theirs ends on every node; their personal tokens stay.
 */
@RestController
class PasswordController {
    private final Identity identity;

    PasswordController(Identity identity) {
        this.identity = identity;
    }

    record PasswordChange(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String currentPassword,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String newPassword) {}

    @PutMapping("/api/v1/me/password")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void change(
            @AuthenticationPrincipal Caller caller, @RequestBody PasswordChange body, HttpServletResponse response) {
        if (!(caller instanceof Caller.User person)) {
            throw ApiException.forbidden("Only a person signed in with a personal token has a password.");
        }
        try {
            identity.changePassword(person.user(), body.currentPassword(), body.newPassword(), null);
        } catch (SignInThrottled e) {
            response.setHeader("Retry-After", Long.toString(e.retryAfter().toSeconds()));
            throw e;
        }
    }
}
