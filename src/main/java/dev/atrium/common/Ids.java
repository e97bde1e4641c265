package dev.atrium.common;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.regex.Pattern;

/**
 * Opaque, type-prefixed identifiers. The body is 26 Crockford base32 characters: 48 bits of
 * milliseconds followed by 80 random bits, so ids sort by creation time and serve as cursors.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final Pattern BODY = Pattern.compile("[0-9a-hjkmnp-tv-z]{26}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Clock clock = Clock.systemUTC();

    private Ids() {}

    /** A new id with the given prefix, e.g. {@code "ws_"}. */
    public static String next(String prefix) {
        long millis = clock.millis();
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        char[] out = new char[26];
        // 48-bit time in the first 10 characters (50 bits, top 2 always zero)
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        // 80 random bits in the last 16 characters
        long hi = 0;
        for (int i = 0; i < 5; i++) hi = (hi << 8) | (random[i] & 0xff);
        long lo = 0;
        for (int i = 5; i < 10; i++) lo = (lo << 8) | (random[i] & 0xff);
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return prefix + new String(out);
    }

    /** True when {@code value} is a well-formed id of the given prefix. */
    public static boolean isValid(String value, String prefix) {
        return value != null
                && value.startsWith(prefix)
                && BODY.matcher(value).region(prefix.length(), value.length()).matches();
    }

    /** Validates an id in a record's compact constructor. */
    public static void require(String value, String prefix) {
        if (!isValid(value, prefix)) {
            throw new IllegalArgumentException("not a valid " + prefix + " id");
        }
    }
}
