package dev.atrium.identity;

import dev.atrium.common.KeyId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A freshly issued credential: {@code secret} exists only in this value and is never stored. */
public record IssuedToken(
        KeyId id,
        String secret,
        String prefix,
        Instant createdAt,
        @Nullable Instant expiresAt) implements java.io.Serializable {}
