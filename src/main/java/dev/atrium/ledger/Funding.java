package dev.atrium.ledger;

import dev.atrium.common.Credits;
import org.jspecify.annotations.Nullable;

/**
 * How a workspace is funded: straight from the pool (optionally capped per period) or from its
 * own budget (optionally overflowing to the pool and refilled per period). A member limit caps
 * each member's spend in the workspace per period, in either mode.
 */
public record Funding(
        Mode mode,
        @Nullable Limit spendLimit,
        @Nullable Limit memberSpendLimit,
        boolean overflowToPool,
        @Nullable Refill refill) {

    public static final Funding POOL = new Funding(Mode.POOL, null, null, false, null);

    /** The funding source. */
    public enum Mode {
        POOL,
        BUDGET;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Mode parse(String value) {
            for (Mode m : values()) {
                if (m.wire().equals(value)) return m;
            }
            throw new IllegalArgumentException("mode must be pool or budget");
        }
    }

    /** At most {@code amount} per {@code period}. */
    public record Limit(Credits amount, Period period) {}

    /** Each period, top the budget up {@code to} a balance, or {@code add} an amount, from the pool. */
    public record Refill(
            Period period, @Nullable Credits to, @Nullable Credits add) {}
}
