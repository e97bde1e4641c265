package dev.atrium.identity;

import dev.atrium.common.UserId;
import java.time.Instant;

/**
 * A user signed in from a client that did not present the device cookie of an earlier sign-in to
 * their account, while the account has signed in before from some device. It says "a browser or
 * client not seen before", nothing more: a client that keeps no cookies counts as new each time.
 */
public record SignedInFromNewDevice(UserId user, String address, Instant at) {}
