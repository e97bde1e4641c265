package dev.atrium.ledger;

import dev.atrium.common.Credits;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Credits entering the organization, and how much of them is still unconsumed. */
public record Grant(
        GrantId id,
        String kind,
        Credits amount,
        Credits remaining,
        Credits expiredAmount,
        @Nullable Instant expiresAt,
        String status,
        @Nullable String note,
        Instant createdAt) {

    public static final java.util.Set<String> KINDS =
            java.util.Set.of("purchase", "subscription", "promotional", "adjustment");
}
