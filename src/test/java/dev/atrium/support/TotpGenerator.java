package dev.atrium.support;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticator app for tests, written from RFC 6238 (and RFC 4226's truncation) apart from
 * Atrium's own implementation, and checked against the RFC's published test vectors.
 */
public final class TotpGenerator {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private TotpGenerator() {}

    public static long step(Instant at) {
        return at.getEpochSecond() / 30;
    }

    /** The six-digit code of a base32 secret for a 30-second time step. */
    public static String code(String base32Secret, long step) {
        return code(base32(base32Secret), step, 6);
    }

    /** RFC 6238 with HMAC-SHA-1 for a raw key, {@code digits} long. */
    public static String code(byte[] key, long step, int digits) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "RAW"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int o = h[19] & 0xf;
            long value = ((h[o] & 0x7fL) << 24)
                    | ((h[o + 1] & 0xffL) << 16)
                    | ((h[o + 2] & 0xffL) << 8)
                    | (h[o + 3] & 0xffL);
            long mod = 1;
            for (int i = 0; i < digits; i++) mod *= 10;
            String s = Long.toString(value % mod);
            return "0".repeat(digits - s.length()) + s;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] base32(String text) {
        String t = text.replace("=", "").toUpperCase(Locale.ROOT);
        byte[] out = new byte[t.length() * 5 / 8];
        long buffer = 0;
        int bits = 0;
        int n = 0;
        for (char c : t.toCharArray()) {
            buffer = (buffer << 5) | ALPHABET.indexOf(c);
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }
}
