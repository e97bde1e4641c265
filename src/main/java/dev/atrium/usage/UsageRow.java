package dev.atrium.usage;

import dev.atrium.common.Credits;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One line of a usage report: a bucket and the values of the grouped dimensions (null when not
 * grouped by it; {@code userId} is also null for usage without a member), and the sums.
 */
public record UsageRow(
        Instant bucketStart,
        @Nullable String workspaceId,
        @Nullable String userId,
        @Nullable String model,
        @Nullable String category,
        long count,
        long inputUnits,
        long outputUnits,
        Credits credits,
        long errorCount,
        long latencyMsSum) {}
