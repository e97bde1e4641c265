package dev.atrium.ledger;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A grant as the API and the audit log show it. */
public record GrantView(
        String id,

        @Schema(allowableValues = {"purchase", "subscription", "promotional", "adjustment"})
        String kind,

        String amount,
        String remaining,
        String expiredAmount,
        @Nullable Instant expiresAt,
        @Schema(allowableValues = {"active", "expired"}) String status,
        @Nullable String note,
        Instant createdAt) {

    public static GrantView of(Grant g) {
        return new GrantView(
                g.id().value(),
                g.kind(),
                g.amount().toDecimal(),
                g.remaining().toDecimal(),
                g.expiredAmount().toDecimal(),
                g.expiresAt(),
                g.status(),
                g.note(),
                g.createdAt());
    }
}
