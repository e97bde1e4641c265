package dev.atrium.usage.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Latency percentiles and error rates straight from the events of a bounded range (the one report
 * that reads raw events; it uses the {@code (org_id, occurred_at)} index).
 */
@Repository
public class Latencies {
    private final JdbcClient jdbc;

    Latencies(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Per model or workspace: count, errors, nearest-rank p50 and p95 of latency in milliseconds. */
    public record Stats(String key, long count, long errors, long p50, long p95) {}

    public List<Stats> stats(
            OrgId org, Instant start, Instant end, String column, @Nullable List<WorkspaceId> workspaces) {
        if (!column.equals("model") && !column.equals("workspace_id")) throw new IllegalArgumentException(column);
        if (workspaces != null && workspaces.isEmpty()) return List.of();
        String wsFilter = workspaces == null ? "" : " AND workspace_id IN (:ws)";
        var spec = jdbc.sql("SELECT " + column + " AS k, count(*) AS n, count(*) FILTER (WHERE status = 'error') AS e,"
                        + " percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,"
                        + " percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95"
                        + " FROM usage_events WHERE org_id = :org AND occurred_at >= :start AND occurred_at < :end"
                        + wsFilter + " GROUP BY " + column + " ORDER BY " + column)
                .param("org", org.value())
                .param("start", Timestamp.from(start))
                .param("end", Timestamp.from(end));
        if (workspaces != null)
            spec = spec.param("ws", workspaces.stream().map(WorkspaceId::value).toList());
        return spec.query((rs, n) -> new Stats(
                        rs.getString("k"), rs.getLong("n"), rs.getLong("e"), rs.getLong("p50"), rs.getLong("p95")))
                .list();
    }
}
