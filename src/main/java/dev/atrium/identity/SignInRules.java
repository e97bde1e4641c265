package dev.atrium.identity;

import dev.atrium.common.UserId;
import org.jspecify.annotations.Nullable;

/**
 * What the organizations a person belongs to require of their sign-in; implemented by the module
 * that keeps organizations' sign-in settings ({@code dev.atrium.sso}). Identity asks, at each
 * password sign-in, whether passwords are allowed at all, and whether a second factor is required.
 */
public interface SignInRules {

    /**
     * Null when the person may sign in with a password; otherwise why not (an organization of theirs
     * requires single sign-on and they are not its break-glass owner), as a sentence for them.
     */
    @Nullable
    String passwordRefusal(UserId user);

    /** True when an organization of the person's requires two-factor sign-in of password users. */
    boolean twoFactorRequired(UserId user);

    /** No organization requires anything: the rules when no implementation is present. */
    SignInRules NONE = new SignInRules() {
        @Override
        public @Nullable String passwordRefusal(UserId user) {
            return null;
        }

        @Override
        public boolean twoFactorRequired(UserId user) {
            return false;
        }
    };
}
