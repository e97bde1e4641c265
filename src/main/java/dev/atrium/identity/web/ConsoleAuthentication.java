package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SignIn;
import dev.atrium.identity.SignInThrottled;
import dev.atrium.identity.TwoFactor;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AccountStatusException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;

/**
 * Checks the sign-in form through {@link Identity#authenticate} (throttled per account and per
 * address, or per known device) and makes the session's principal the same {@link Caller.User} a
 * personal token gives, so every capability's authorization applies unchanged. The session gets a
 * credential id of its own, which audit records can tell apart from a token's.
 */
class ConsoleAuthentication implements AuthenticationProvider {
    /** The session attribute that holds a sign-in waiting for its second factor. */
    static final String PENDING = "atrium.sign-in.pending";
    /** How long the second step may take after the password was right. */
    static final Duration PENDING_FOR = Duration.ofMinutes(5);

    private final Identity identity;
    private final TwoFactor twoFactor;
    private final Clock clock;

    ConsoleAuthentication(Identity identity, TwoFactor twoFactor, Clock clock) {
        this.identity = identity;
        this.twoFactor = twoFactor;
        this.clock = clock;
    }

    /**
     * What the form's request tells about its client: its address and device cookie, and for the
     * second step the code given and the sign-in waiting for it.
     */
    record Client(
            String address,
            @Nullable String device,
            @Nullable String code,
            @Nullable PendingSecondFactor pending) {}

    /**
     * A sign-in whose password was right, kept in the (not yet authenticated) session until the
     * second factor is given. Sessions are stored in PostgreSQL, hence serializable.
     */
    record PendingSecondFactor(UserId user, String deviceToken, Instant expiresAt) implements Serializable {}

    /** The password was right and the account has two-factor sign-in: ask for the code. */
    static final class SecondFactorNeeded extends AuthenticationException {
        private static final long serialVersionUID = 1L;
        private final transient PendingSecondFactor pending;

        SecondFactorNeeded(PendingSecondFactor pending) {
            super("A code from the authenticator app is required.");
            this.pending = pending;
        }

        PendingSecondFactor pending() {
            return pending;
        }
    }

    /** The second step's code was wrong or used already. */
    static final class SecondFactorWrong extends AuthenticationException {
        private static final long serialVersionUID = 1L;

        SecondFactorWrong() {
            super("The code is wrong or was used already.");
        }
    }

    /** The password was right, but an organization of the person's requires single sign-on. */
    static final class SsoRequired extends AuthenticationException {
        private static final long serialVersionUID = 1L;

        SsoRequired(String message) {
            super(message);
        }
    }

    /** A throttled sign-in: an account status, which the manager reports as it is. */
    static final class Throttled extends AccountStatusException {
        private static final long serialVersionUID = 1L;
        private final Duration retryAfter;

        Throttled(SignInThrottled e) {
            super(e.getMessage());
            this.retryAfter = e.retryAfter();
        }

        Duration retryAfter() {
            return retryAfter;
        }
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String email = authentication.getName();
        Object credentials = authentication.getCredentials();
        String password = credentials == null ? "" : credentials.toString();
        Client client = authentication.getDetails() instanceof Client c ? c : new Client("unknown", null, null, null);
        if (client.code() != null && client.pending() != null) return secondStep(client.code(), client.pending());
        SignIn signIn;
        try {
            signIn = identity.authenticate(email, password, client.address(), client.device());
        } catch (SignInThrottled e) {
            throw new Throttled(e);
        } catch (ApiException e) {
            if ("sso_required".equals(e.code())) throw new SsoRequired(e.getMessage());
            throw new BadCredentialsException("Email or password is incorrect.");
        }
        if (twoFactor.enabled(signIn.user().id())) {
            // Not signed in yet: the failure handler keeps this in the session and asks for the code.
            throw new SecondFactorNeeded(new PendingSecondFactor(
                    signIn.user().id(), signIn.deviceToken(), clock.instant().plus(PENDING_FOR)));
        }
        return signedIn(signIn.user().id(), signIn.deviceToken());
    }

    /** The second step: a six-digit code from the app, or else a recovery code. */
    private Authentication secondStep(String code, PendingSecondFactor pending) {
        if (!clock.instant().isBefore(pending.expiresAt())) {
            throw new BadCredentialsException("The sign-in took too long; start again.");
        }
        String clean = code.replace(" ", "").strip();
        boolean totp = clean.matches("[0-9]{6}");
        try {
            twoFactor.verify(pending.user(), totp ? clean : null, totp ? null : clean);
        } catch (SignInThrottled e) {
            throw new Throttled(e);
        } catch (ApiException e) {
            throw new SecondFactorWrong();
        }
        return signedIn(pending.user(), pending.deviceToken());
    }

    private static Authentication signedIn(UserId user, String deviceToken) {
        var result = new BearerAuthentication.CallerAuthentication(new Caller.User(user, KeyId.next()));
        // Read (and cleared) by the success handler, which sets the device cookie.
        result.setDetails(new SignedIn(deviceToken));
        return result;
    }

    /** The device token of a successful sign-in, for the cookie. */
    record SignedIn(String deviceToken) {}

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
