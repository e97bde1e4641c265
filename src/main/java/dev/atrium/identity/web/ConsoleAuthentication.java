package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Checks the sign-in form through {@link Identity#authenticate} (rate limited per account and per
 * address) and makes the session's principal the same {@link Caller.User} a personal token gives,
 * so every capability's authorization applies unchanged. The session gets a credential id of its
 * own, which audit records can tell apart from a token's.
 */
class ConsoleAuthentication implements AuthenticationProvider {
    private final Identity identity;

    ConsoleAuthentication(Identity identity) {
        this.identity = identity;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String email = authentication.getName();
        Object credentials = authentication.getCredentials();
        String password = credentials == null ? "" : credentials.toString();
        String address =
                authentication.getDetails() instanceof WebAuthenticationDetails d && d.getRemoteAddress() != null
                        ? d.getRemoteAddress()
                        : "unknown";
        User user;
        try {
            user = identity.authenticate(email, password, address);
        } catch (ApiException e) {
            if (e.status() == HttpStatus.TOO_MANY_REQUESTS) {
                // An AccountStatusException: the manager reports it as it is.
                throw new LockedException(e.getMessage());
            }
            throw new BadCredentialsException("Email or password is incorrect.");
        }
        return new BearerAuthentication.CallerAuthentication(new Caller.User(user.id(), KeyId.next()));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
