package dev.atrium.ledger;

import dev.atrium.common.Credits;
import java.time.Instant;

/** An organization's plan: {@code monthlyCredits} granted at each UTC month start; without rollover they expire at month end. */
public record Subscription(
        Credits monthlyCredits, boolean rollover, String status, Instant createdAt, Instant updatedAt) {}
