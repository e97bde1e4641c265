package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;

/** An exact amount of credits held as micro-credits (1 credit = 1,000,000 µcr). */
public record Credits(long micros) implements Comparable<Credits> {
    public static final long MICROS_PER_CREDIT = 1_000_000L;
    public static final Credits ZERO = new Credits(0);

    /** Parses a decimal string such as {@code "12.5"}; more than 6 decimals is refused. */
    public static Credits parse(String decimal) {
        try {
            BigDecimal value = new BigDecimal(decimal.trim());
            return new Credits(value.movePointRight(6).longValueExact());
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("not an amount with at most 6 decimal places: " + decimal, e);
        }
    }

    public static Credits ofMicros(long micros) {
        return new Credits(micros);
    }

    public Credits plus(Credits other) {
        return new Credits(Math.addExact(micros, other.micros));
    }

    public Credits minus(Credits other) {
        return new Credits(Math.subtractExact(micros, other.micros));
    }

    public boolean isNegative() {
        return micros < 0;
    }

    /** The decimal string of the API, without trailing zeros: {@code "12.5"}, {@code "0"}. */
    @JsonValue
    public String toDecimal() {
        BigDecimal value = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        return value.scale() < 0 ? value.setScale(0).toPlainString() : value.toPlainString();
    }

    @Override
    public int compareTo(Credits o) {
        return Long.compare(micros, o.micros);
    }

    @Override
    public String toString() {
        return toDecimal();
    }
}
