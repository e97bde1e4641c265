package dev.atrium.ledger;

import dev.atrium.identity.Caller;

/** Who or what caused a ledger movement: a user, a key, or the system (sweeper, scheduler). */
public record Actor(String type, String id) {
    public static final Actor SYSTEM = new Actor("system", "atrium");

    public static Actor of(Caller caller) {
        return new Actor(caller.actorType(), caller.actorId());
    }
}
