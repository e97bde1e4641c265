package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.UserId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.SignInThrottled;
import dev.atrium.identity.TwoFactor;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A person's own two-factor sign-in: {@code POST /api/v1/me/2fa} starts enrolment (the secret and
 * otpauth:// URI, shown only now), {@code POST /api/v1/me/2fa/confirm} turns it on with a current
 * code and answers the ten recovery codes (shown once), {@code DELETE /api/v1/me/2fa} turns it off
 * with a code or a recovery code.
 */
@RestController
class TwoFactorController {
    private final TwoFactor twoFactor;

    TwoFactorController(TwoFactor twoFactor) {
        this.twoFactor = twoFactor;
    }

    record StatusView(boolean enabled, boolean pending, int recoveryCodesLeft) {}

    record EnrolmentView(String secret, String otpauthUri) {}

    record CodeRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String code) {}

    record RecoveryCodesView(List<String> recoveryCodes) {}

    record DisableRequest(@Nullable String code, @Nullable String recoveryCode) {}

    @GetMapping("/api/v1/me/2fa")
    StatusView status(@AuthenticationPrincipal Caller caller) {
        var s = twoFactor.status(person(caller));
        return new StatusView(s.enabled(), s.pending(), s.recoveryCodesLeft());
    }

    @PostMapping("/api/v1/me/2fa")
    @ResponseStatus(HttpStatus.CREATED)
    EnrolmentView begin(@AuthenticationPrincipal Caller caller) {
        var e = twoFactor.begin(person(caller));
        return new EnrolmentView(e.secret(), e.uri());
    }

    @PostMapping("/api/v1/me/2fa/confirm")
    RecoveryCodesView confirm(
            @AuthenticationPrincipal Caller caller, @RequestBody CodeRequest body, HttpServletResponse response) {
        UserId user = person(caller);
        return throttled(response, () -> new RecoveryCodesView(twoFactor.confirm(user, body.code())));
    }

    @DeleteMapping("/api/v1/me/2fa")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void disable(
            @AuthenticationPrincipal Caller caller, @RequestBody DisableRequest body, HttpServletResponse response) {
        UserId user = person(caller);
        throttled(response, () -> {
            twoFactor.disable(user, body.code(), body.recoveryCode());
            return null;
        });
    }

    static <T> T throttled(HttpServletResponse response, Supplier<T> call) {
        try {
            return call.get();
        } catch (SignInThrottled e) {
            response.setHeader("Retry-After", Long.toString(e.retryAfter().toSeconds()));
            throw e;
        }
    }

    private static UserId person(Caller caller) {
        if (caller instanceof Caller.User user) return user.user();
        throw ApiException.forbidden("This operation needs a personal access token.");
    }
}
