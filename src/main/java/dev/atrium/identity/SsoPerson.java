package dev.atrium.identity;

import dev.atrium.common.UserId;

/**
 * The principal a single sign-on returns once the provider's ID token was checked and the person
 * found (or provisioned) in Atrium: the console turns it into the same {@link Caller.User} session
 * a password sign-in gives.
 */
public interface SsoPerson {
    UserId atriumUser();
}
