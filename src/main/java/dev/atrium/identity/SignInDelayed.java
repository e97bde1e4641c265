package dev.atrium.identity;

import dev.atrium.common.UserId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A failed sign-in put an account, address or device under a delay: no attempt of it is checked
 * before {@code until}. {@code user} is the account's user, null when no user has that email.
 */
public record SignInDelayed(
        @Nullable UserId user, String account, String address, String scope, int failures, Instant until) {}
