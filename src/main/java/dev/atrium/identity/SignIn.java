package dev.atrium.identity;

/**
 * A successful sign-in: the user, and the device token to hand back to the client (a cookie), which
 * makes its later sign-ins to this account throttled apart from the account's and address's.
 */
public record SignIn(User user, String deviceToken) {}
