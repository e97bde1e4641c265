package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.SignIn;
import dev.atrium.identity.SignInThrottled;
import dev.atrium.identity.TwoFactor;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Exchanges an email and password for a personal access token; lists and revokes the caller's own tokens. */
@RestController
class TokenController {
    private final Identity identity;
    private final TwoFactor twoFactor;
    private final ClientAddress addresses;

    TokenController(Identity identity, TwoFactor twoFactor, ClientAddress addresses) {
        this.identity = identity;
        this.twoFactor = twoFactor;
        this.addresses = addresses;
    }

    record TokenRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String email,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String password,

            @Nullable String name,
            @Nullable Instant expiresAt,

            @Schema(description = "the current code of the authenticator app, when the user has two-factor sign-in")
            @Nullable
            String totpCode,

            @Schema(description = "one of the user's recovery codes, instead of totp_code") @Nullable
            String recoveryCode) {}

    record TokenResponse(
            String id,
            String token,
            String prefix,
            Instant createdAt,
            @Nullable Instant expiresAt) {}

    /**
     * Signs in and issues a token. Throttled sign-ins answer 429 with {@code Retry-After}; a
     * successful one also sets the device cookie, which exempts the client's later sign-ins from
     * the account's and address's delays. A user with two-factor sign-in also gives {@code
     * totp_code} (or {@code recovery_code}); without it the answer is 401 {@code totp_required}. A
     * member of an organization that requires single sign-on gets 403 {@code sso_required} (unless
     * they are its break-glass owner); one of an organization that requires two-factor sign-in, who
     * has not enrolled, gets 403 {@code two_factor_required}.
     */
    @PostMapping("/api/v1/auth/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    TokenResponse issue(@RequestBody TokenRequest body, HttpServletRequest request, HttpServletResponse response) {
        SignIn signIn;
        try {
            signIn = identity.authenticate(
                    body.email() == null ? "" : body.email(),
                    body.password() == null ? "" : body.password(),
                    addresses.of(request),
                    DeviceCookie.read(request));
            twoFactor.verify(signIn.user().id(), body.totpCode(), body.recoveryCode());
        } catch (SignInThrottled e) {
            response.setHeader("Retry-After", Long.toString(e.retryAfter().toSeconds()));
            throw e;
        }
        if (!twoFactor.enabled(signIn.user().id())
                && identity.rules().twoFactorRequired(signIn.user().id())) {
            throw new ApiException(
                    HttpStatus.FORBIDDEN,
                    "two_factor_required",
                    "An organization of yours requires two-factor sign-in: enrol on /account/2fa"
                            + " (or POST /api/v1/me/2fa) before creating tokens.");
        }
        IssuedToken token = identity.issuePersonalToken(
                signIn.user().id(),
                body.name() == null || body.name().isBlank() ? "api" : body.name(),
                body.expiresAt());
        DeviceCookie.write(request, response, signIn.deviceToken());
        return new TokenResponse(
                token.id().value(), token.secret(), token.prefix(), token.createdAt(), token.expiresAt());
    }

    /** A personal token as listed: never its secret. */
    record TokenView(
            String id,
            String name,
            String prefix,
            Instant createdAt,
            @Nullable Instant expiresAt,
            @Nullable Instant lastUsedAt,
            @Nullable Instant revokedAt,
            String status) {
        static TokenView of(KeyInfo k) {
            return new TokenView(
                    k.id().value(),
                    k.name(),
                    k.prefix(),
                    k.createdAt(),
                    k.expiresAt(),
                    k.lastUsedAt(),
                    k.revokedAt(),
                    k.revokedAt() == null ? "active" : "revoked");
        }
    }

    @GetMapping("/api/v1/auth/tokens")
    Map<String, List<TokenView>> list(@AuthenticationPrincipal Caller caller) {
        return Map.of(
                "data",
                identity.personalTokens(person(caller)).stream()
                        .map(TokenView::of)
                        .toList());
    }

    /** Revokes one of the caller's personal tokens (possibly the one in use) with immediate effect. */
    @DeleteMapping("/api/v1/auth/tokens/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@AuthenticationPrincipal Caller caller, @PathVariable String id) {
        identity.revokePersonalToken(person(caller), KeyId.parse(id));
    }

    private static UserId person(Caller caller) {
        if (caller instanceof Caller.User user) return user.user();
        throw ApiException.forbidden("This operation needs a personal access token.");
    }
}
