package dev.atrium.usage;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A usage report over {@code [start, end)} (UTC, whole hours), bucketed by time and grouped by any
 * of the dimensions, optionally limited to some workspaces ({@code null}: all of them).
 */
public record UsageQuery(
        OrgId org,
        Instant start,
        Instant end,
        Bucket bucket,
        Set<Dimension> groupBy,
        @Nullable List<WorkspaceId> workspaces) {

    public UsageQuery {
        groupBy = Set.copyOf(groupBy);
        workspaces = workspaces == null ? null : List.copyOf(workspaces);
        if (!start.isBefore(end)) throw new IllegalArgumentException("start must be before end");
    }

    /** Time buckets, UTC. {@code NONE} sums over the whole range. */
    public enum Bucket {
        HOUR,
        DAY,
        MONTH,
        NONE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What rows can be grouped by, in the order they appear in a report. */
    public enum Dimension {
        WORKSPACE("workspace_id"),
        USER("user_id"),
        MODEL("model"),
        CATEGORY("category");

        private final String column;

        Dimension(String column) {
            this.column = column;
        }

        /** The column (and CSV header, and JSON field) of the dimension. */
        public String column() {
            return column;
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
