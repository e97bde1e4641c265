package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import dev.atrium.identity.Caller;

/** Helpers for controllers that need a person rather than a key. */
final class Callers {
    private Callers() {}

    static Caller.User person(Caller caller) {
        if (caller instanceof Caller.User user) {
            return user;
        }
        throw ApiException.forbidden("This operation needs a personal access token.");
    }
}
