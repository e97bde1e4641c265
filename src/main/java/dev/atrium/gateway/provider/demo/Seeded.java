package dev.atrium.gateway.provider.demo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Pseudo-randomness that depends only on text: SHA-256 of the parts gives the seed, SplitMix64 the
 * stream. Both are spelled out here rather than borrowed from the JDK so that the demo's outputs
 * stay identical across Java versions.
 */
final class Seeded {
    private long state;

    Seeded(String... parts) {
        this.state = hash(parts);
    }

    /** The first 8 bytes of SHA-256 over the parts, each followed by a NUL separator. */
    static long hash(String... parts) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        for (String part : parts) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        byte[] digest = sha.digest();
        long h = 0;
        for (int i = 0; i < 8; i++) h = (h << 8) | (digest[i] & 0xFF);
        return h;
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in {@code [0, bound)}; {@code bound > 0}. */
    int nextInt(int bound) {
        return (int) Long.remainderUnsigned(nextLong(), bound);
    }

    /** Uniform in {@code [from, to)}. */
    double between(double from, double to) {
        return from + (to - from) * ((nextLong() >>> 11) * 0x1.0p-53);
    }

    <T> T pick(List<T> choices) {
        return choices.get(nextInt(choices.size()));
    }
}
