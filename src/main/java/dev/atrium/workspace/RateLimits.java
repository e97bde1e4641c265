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

    /**
     * Limits typed in a console form (empty: no limit), checked like the API's: 400 on
     * {@code field.requests_per_minute} and so on when one is not a positive whole number in range.
     */
    public static RateLimits fromText(
            @Nullable String rpm, @Nullable String tpm, @Nullable String concurrent, String field) {
        Long r = number(rpm, field + ".requests_per_minute");
        Long t = number(tpm, field + ".tokens_per_minute");
        Long c = number(concurrent, field + ".concurrent");
        return checked(new RateLimits(toInt(r), t, toInt(c)), field);
    }

    /** Too large for an int: the largest, which {@link #checked} then refuses as out of range. */
    private static @Nullable Integer toInt(@Nullable Long n) {
        if (n == null) return null;
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    private static @Nullable Long number(@Nullable String text, String field) {
        if (text == null || text.isBlank()) return null;
        try {
            long n = Long.parseLong(text.strip().replace("_", "").replace(",", ""));
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw dev.atrium.common.ApiException.invalid(
                    field, field + " must be a positive whole number, or empty for no limit.");
        }
    }

    /** For people: "60 requests/min · 100,000 tokens/min · 4 at once", or "" when there is no limit. */
    public String summary() {
        var parts = new java.util.ArrayList<String>();
        var f = java.text.NumberFormat.getIntegerInstance(java.util.Locale.ENGLISH);
        if (requestsPerMinute != null) parts.add(f.format(requestsPerMinute) + " requests/min");
        if (tokensPerMinute != null) parts.add(f.format(tokensPerMinute) + " tokens/min");
        if (concurrent != null) parts.add(f.format(concurrent) + " at once");
        return String.join(" · ", parts);
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
