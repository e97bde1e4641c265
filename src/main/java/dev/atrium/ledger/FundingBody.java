package dev.atrium.ledger;

import dev.atrium.common.Amount;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/** A workspace's funding as the API takes and shows it, and as the audit log records it. */
public record FundingBody(
        Funding.@Nullable Mode mode,
        @Nullable LimitBody spendLimit,
        @Nullable LimitBody memberSpendLimit,
        @Nullable Boolean overflowToPool,
        @Nullable RefillBody refill) {

    public record LimitBody(
            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String amount,

            @Nullable Period period) {}

    public record RefillBody(
            @Nullable Period period,
            @Amount @Nullable String to,
            @Amount @Nullable String add) {}

    public static FundingBody of(Funding f) {
        return new FundingBody(
                f.mode(),
                limit(f.spendLimit()),
                limit(f.memberSpendLimit()),
                f.overflowToPool(),
                f.refill() == null
                        ? null
                        : new RefillBody(
                                f.refill().period(),
                                f.refill().to() == null ? null : f.refill().to().toDecimal(),
                                f.refill().add() == null
                                        ? null
                                        : f.refill().add().toDecimal()));
    }

    private static @Nullable LimitBody limit(Funding.@Nullable Limit l) {
        return l == null ? null : new LimitBody(l.amount().toDecimal(), l.period());
    }
}
