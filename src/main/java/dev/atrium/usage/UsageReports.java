package dev.atrium.usage;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.internal.Latencies;
import dev.atrium.usage.internal.Rollups;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Usage reports, read from the rollups (never from raw events, except latency percentiles). Callers
 * check access first and pass the workspaces the caller may see.
 */
@Service
public class UsageReports {
    private final Rollups rollups;
    private final Latencies latencies;

    UsageReports(Rollups rollups, Latencies latencies) {
        this.rollups = rollups;
        this.latencies = latencies;
    }

    /** Streams the rows of a report, in order; for CSV and other large outputs. */
    @Transactional(readOnly = true)
    public void stream(UsageQuery query, Consumer<UsageRow> sink) {
        rollups.stream(query, sink);
    }

    @Transactional(readOnly = true)
    public List<UsageRow> rows(UsageQuery query) {
        List<UsageRow> rows = new ArrayList<>();
        rollups.stream(query, rows::add);
        return rows;
    }

    /** Credits of one key (a workspace or a member) split into chatbot and image-and-speech. */
    public record Split(@Nullable String key, Credits chatbot, Credits imageSpeech, Credits total) {}

    /**
     * Credits over the range per workspace ({@code by = WORKSPACE}) or per member ({@code USER}; a
     * null key is usage without a member), in order of key.
     */
    @Transactional(readOnly = true)
    public List<Split> split(
            OrgId org, Instant start, Instant end, Dimension by, @Nullable List<WorkspaceId> workspaces) {
        if (by != Dimension.WORKSPACE && by != Dimension.USER) throw new IllegalArgumentException(by.name());
        Map<String, long[]> sums = new LinkedHashMap<>();
        rollups.stream(
                new UsageQuery(org, start, end, Bucket.NONE, EnumSet.of(by, Dimension.CATEGORY), workspaces), row -> {
                    String key = by == Dimension.WORKSPACE ? row.workspaceId() : row.userId();
                    long[] s = sums.computeIfAbsent(key == null ? "" : key, k -> new long[2]);
                    int slot = "chat".equals(row.category()) ? 0 : 1;
                    s[slot] = Math.addExact(s[slot], row.credits().micros());
                });
        return sums.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Split(
                        e.getKey().isEmpty() ? null : e.getKey(),
                        Credits.ofMicros(e.getValue()[0]),
                        Credits.ofMicros(e.getValue()[1]),
                        Credits.ofMicros(Math.addExact(e.getValue()[0], e.getValue()[1]))))
                .toList();
    }

    /** Latency and errors per model or workspace, from the events of {@code [start, end)}. */
    public record Performance(String key, long count, double errorRate, long latencyMsP50, long latencyMsP95) {}

    @Transactional(readOnly = true)
    public List<Performance> performance(
            OrgId org, Instant start, Instant end, Dimension by, @Nullable List<WorkspaceId> workspaces) {
        if (by != Dimension.WORKSPACE && by != Dimension.MODEL) throw new IllegalArgumentException(by.name());
        return latencies.stats(org, start, end, by.column(), workspaces).stream()
                .map(s -> new Performance(
                        s.key(), s.count(), s.count() == 0 ? 0 : (double) s.errors() / s.count(), s.p50(), s.p95()))
                .toList();
    }
}
