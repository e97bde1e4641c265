package dev.atrium.workspace;

import org.jspecify.annotations.Nullable;

/**
 * Rate limits of a workspace, a member in a workspace or a key: requests and tokens (input and
 * output) per minute, and calls running at once. A null limit is no limit.
 */
public record RateLimits(
        @Nullable Integer requestsPerMinute,
        @Nullable Long tokensPerMinute,
        @Nullable Integer concurrent) {

    public static final RateLimits NONE = new RateLimits(null, null, null);

    /**
     * The limits as given in a request ({@code null}: none), or 400 {@code validation_failed} on
     * {@code field} when one is not a positive number within range.
     */
    public static RateLimits checked(@Nullable RateLimits given, String field) {
        if (given == null) return NONE;
        check(given.requestsPerMinute(), 10_000_000L, field + ".requests_per_minute");
        check(given.tokensPerMinute(), 1_000_000_000_000L, field + ".tokens_per_minute");
        check(given.concurrent(), 100_000L, field + ".concurrent");
        return given.none() ? NONE : given;
    }

    private static void check(@Nullable Number value, long max, String field) {
        if (value != null && (value.longValue() < 1 || value.longValue() > max)) {
            throw dev.atrium.common.ApiException.invalid(
                    field, field + " must be between 1 and " + max + ", or null for no limit.");
        }
    }

    public boolean none() {
        return requestsPerMinute == null && tokensPerMinute == null && concurrent == null;
    }

    /** The three limits read from nullable columns {@code requests_per_minute}, {@code tokens_per_minute}, {@code concurrent_calls}. */
    public static RateLimits read(java.sql.ResultSet rs) throws java.sql.SQLException {
        return read(rs, "");
    }

    /** The same, with the column names prefixed by {@code prefix}. */
    public static RateLimits read(java.sql.ResultSet rs, String prefix) throws java.sql.SQLException {
        int rpm = rs.getInt(prefix + "requests_per_minute");
        boolean rpmNull = rs.wasNull();
        long tpm = rs.getLong(prefix + "tokens_per_minute");
        boolean tpmNull = rs.wasNull();
        int concurrent = rs.getInt(prefix + "concurrent_calls");
        boolean concurrentNull = rs.wasNull();
        var limits = new RateLimits(rpmNull ? null : rpm, tpmNull ? null : tpm, concurrentNull ? null : concurrent);
        return limits.none() ? NONE : limits;
    }
}
