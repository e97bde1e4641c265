package dev.atrium.history.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where media bytes live, named by their SHA-256 (lower-case hex): a local directory or an
 * S3-compatible bucket. Content-addressed, so writing the same bytes twice is a no-op; whether a
 * blob may be deleted is decided by {@link BlobSweeper}, never here.
 */
public interface BlobStore {
    /** Stores the bytes under their hash unless a blob is already there. */
    void put(String hash, byte[] bytes) throws IOException;

    /** The blob's bytes, or empty when there is none. The caller closes the stream. */
    Optional<InputStream> open(String hash) throws IOException;

    boolean exists(String hash) throws IOException;

    /** Deletes the blob; deleting a missing one is not an error. */
    void delete(String hash) throws IOException;

    /** For logs: where the blobs are. */
    String describe();

    /** The object name of a hash: {@code sha256/ab/abcdef…} (a two-character fan-out). */
    static String key(String hash) {
        if (hash.length() != 64 || !hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a SHA-256 hex digest");
        }
        return "sha256/" + hash.substring(0, 2) + "/" + hash;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
