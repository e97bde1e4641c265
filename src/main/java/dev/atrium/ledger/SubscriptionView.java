package dev.atrium.ledger;

import java.time.Instant;

/** The subscription plan as the API and the audit log show it. */
public record SubscriptionView(
        String monthlyCredits, boolean rollover, String status, Instant createdAt, Instant updatedAt) {

    public static SubscriptionView of(Subscription s) {
        return new SubscriptionView(
                s.monthlyCredits().toDecimal(), s.rollover(), s.status(), s.createdAt(), s.updatedAt());
    }
}
