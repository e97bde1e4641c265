package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SignIn;
import dev.atrium.identity.SignInThrottled;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AccountStatusException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

/**
 * Checks the sign-in form through {@link Identity#authenticate} (throttled per account and per
 * address, or per known device) and makes the session's principal the same {@link Caller.User} a
 * personal token gives, so every capability's authorization applies unchanged. The session gets a
 * credential id of its own, which audit records can tell apart from a token's.
 */
class ConsoleAuthentication implements AuthenticationProvider {
    private final Identity identity;

    ConsoleAuthentication(Identity identity) {
        this.identity = identity;
    }

    /** What the form's request tells about its client: its address and device cookie. */
    record Client(String address, @Nullable String device) {}

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
        Client client = authentication.getDetails() instanceof Client c ? c : new Client("unknown", null);
        SignIn signIn;
        try {
            signIn = identity.authenticate(email, password, client.address(), client.device());
        } catch (SignInThrottled e) {
            throw new Throttled(e);
        } catch (ApiException e) {
            throw new BadCredentialsException("Email or password is incorrect.");
        }
        var result = new BearerAuthentication.CallerAuthentication(
                new Caller.User(signIn.user().id(), KeyId.next()));
        // Read (and cleared) by the success handler, which sets the device cookie.
        result.setDetails(new SignedIn(signIn.deviceToken()));
        return result;
    }

    /** The device token of a successful sign-in, for the cookie. */
    record SignedIn(String deviceToken) {}

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
