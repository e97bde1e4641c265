package dev.atrium.common;

import java.math.BigDecimal;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one spelling of a credit amount the API accepts: ASCII digits, optionally a point and 1 to 6
 * decimals ({@code "5"}, {@code "12.5"}, {@code "0.000001"}), at most {@link #MAX_CREDITS}. No sign,
 * exponent, spaces, other scripts' digits, or JSON numbers: a typo never turns into another amount.
 */
public final class AmountFormat {
    /** The pattern of an amount on the wire (also in the OpenAPI document). */
    public static final String PATTERN = "^[0-9]+(\\.[0-9]{1,6})?$";
    /** The largest amount one request may name, in credits. */
    public static final long MAX_CREDITS = 1_000_000_000L;

    private static final Pattern REGEX = Pattern.compile("[0-9]+(\\.[0-9]{1,6})?");
    private static final BigDecimal MAX = BigDecimal.valueOf(MAX_CREDITS);

    private AmountFormat() {}

    /** Why {@code text} is not an amount, or null when it is one. */
    public static @Nullable String problem(String text, String field) {
        if (!REGEX.matcher(text).matches()) {
            return field + " must be a decimal string of digits with at most 6 decimal places, e.g. " + example(field)
                    + ".";
        }
        int point = text.indexOf('.');
        String whole = point < 0 ? text : text.substring(0, point);
        if (whole.length() > 12 || new BigDecimal(text).compareTo(MAX) > 0) {
            return field + " exceeds the maximum of " + MAX_CREDITS + " credits.";
        }
        return null;
    }

    /** The message for a JSON number (or other non-string) where an amount belongs. */
    public static String notAString(String field) {
        return field + " must be a string: amounts are decimal strings, e.g. " + example(field) + ".";
    }

    /** Parses an amount from API input; a malformed one is a 422 naming the field. */
    public static Credits parse(@Nullable String text, String field) {
        if (text == null) throw ApiException.invalid(field, field + " is required, e.g. " + example(field) + ".");
        String problem = problem(text, field);
        if (problem != null) throw ApiException.invalid(field, problem);
        return Credits.parse(text);
    }

    static String example(String field) {
        int dot = field.lastIndexOf('.');
        return "\"" + (dot < 0 ? field : field.substring(dot + 1)) + "\": \"5\"";
    }
}
