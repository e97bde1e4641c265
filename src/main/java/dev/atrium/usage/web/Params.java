package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.WorkspaceId;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Parsing of report parameters, with 422 errors that name the parameter. */
final class Params {
    static final Duration MAX_RANGE = Duration.ofDays(3700); // ~10 years
    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(93);
    static final Duration MAX_PERFORMANCE_RANGE = Duration.ofDays(93);

    private Params() {}

    /** A UTC instant on a whole hour (rollups are hourly, so a report is exact only on hours). */
    static Instant hour(@Nullable String value, String field) {
        if (value == null || value.isBlank()) throw ApiException.invalid(field, field + " is required.");
        Instant at;
        try {
            at = Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(field, field + " must be an ISO-8601 instant such as 2026-01-01T00:00:00Z.");
        }
        if (!at.truncatedTo(ChronoUnit.HOURS).equals(at)) {
            throw ApiException.invalid(field, field + " must be on a whole hour (UTC).");
        }
        return at;
    }

    static void range(Instant start, Instant end, Duration max) {
        if (!start.isBefore(end)) throw ApiException.invalid("end", "end must be after start.");
        if (Duration.between(start, end).compareTo(max) > 0) {
            throw ApiException.invalid("end", "The range may span at most " + max.toDays() + " days.");
        }
    }

    static Bucket bucket(@Nullable String value) {
        if (value == null || value.isBlank()) return Bucket.DAY;
        for (Bucket b : Bucket.values()) {
            if (b.wire().equals(value.trim())) return b;
        }
        throw ApiException.invalid("bucket", "bucket must be one of hour, day, month, none.");
    }

    static Set<Dimension> groupBy(@Nullable String value) {
        Set<Dimension> dims = EnumSet.noneOf(Dimension.class);
        if (value == null || value.isBlank()) return dims;
        for (String part : value.split(",")) {
            dims.add(dimension(part, "group_by", "workspace, user, model, category"));
        }
        return dims;
    }

    static Dimension dimension(String part, String field, String allowed) {
        String p = part.trim().toLowerCase(Locale.ROOT);
        for (Dimension d : Dimension.values()) {
            if (d.wire().equals(p) && allowed.contains(p)) return d;
        }
        throw ApiException.invalid(field, field + " must be among " + allowed + ".");
    }

    static @Nullable List<WorkspaceId> workspaces(@Nullable String value) {
        if (value == null || value.isBlank()) return null;
        List<WorkspaceId> ids = new ArrayList<>();
        for (String part : value.split(",")) {
            String id = part.trim();
            if (!Ids.isValid(id, WorkspaceId.PREFIX)) {
                throw ApiException.invalid("workspace_ids", "workspace_ids must be workspace ids separated by commas.");
            }
            ids.add(new WorkspaceId(id));
        }
        if (ids.size() > 1000) throw ApiException.invalid("workspace_ids", "At most 1000 workspace ids.");
        return ids;
    }

    static String format(@Nullable String value, String... allowed) {
        if (value == null || value.isBlank()) return allowed[0];
        for (String a : allowed) {
            if (a.equals(value.trim())) return a;
        }
        throw ApiException.invalid("format", "format must be one of " + String.join(", ", allowed) + ".");
    }
}
