package dev.atrium.identity;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a workspace key may do beyond its workspace's policy: its own spend limit per period (in
 * credit micros; {@code day}, {@code week} or {@code month}), the models it may call (within the
 * policy), its rate limits and when it expires. Null: no such limit.
 */
public record KeySettings(
        @Nullable Long spendLimitMicros,
        @Nullable String spendPeriod,
        @Nullable List<String> allowedModels,
        @Nullable Integer requestsPerMinute,
        @Nullable Long tokensPerMinute,
        @Nullable Integer concurrent,
        @Nullable Instant expiresAt) {

    public static final KeySettings NONE = new KeySettings(null, null, null, null, null, null, null);
}
