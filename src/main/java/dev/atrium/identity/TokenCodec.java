package dev.atrium.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** Token generation and digests: a type prefix and 192 random bits; only the SHA-256 is ever stored. */
public final class TokenCodec {
    public static final String PERSONAL = "atr_pat_";
    public static final String ADMIN = "atr_adm_";
    public static final String WORKSPACE = "atr_ws_";
    public static final String INVITATION = "atr_inv_";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int VISIBLE_CHARS = 6;

    private TokenCodec() {}

    public static String generate(String typePrefix) {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return typePrefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The part of a token safe to display in lists: its type prefix and first characters. */
    public static String displayPrefix(String token, String typePrefix) {
        return token.substring(0, typePrefix.length() + VISIBLE_CHARS);
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
