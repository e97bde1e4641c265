package dev.atrium.usage.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.WorkspaceId;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageRow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads {@code usage_rollups}. A range {@code [start, end)} of whole hours is covered by the day
 * rows of the whole days inside it and the hour rows of the partial days at its edges, so any
 * range costs at most 48 hour rows per group beyond the day rows.
 */
@Repository
public class Rollups {
    private final JdbcClient streaming;

    Rollups(DataSource dataSource) {
        // A fetch size makes PostgreSQL stream rows through a cursor (inside a transaction), so a large
        // CSV never sits in memory as a whole.
        JdbcTemplate template = new JdbcTemplate(dataSource);
        template.setFetchSize(1000);
        this.streaming = JdbcClient.create(template);
    }

    /** Streams the report's rows, ordered by bucket, then by the grouped dimensions. */
    public void stream(UsageQuery q, Consumer<UsageRow> sink) {
        Instant start = q.start();
        Instant end = q.end();
        Instant dayFrom = start.truncatedTo(ChronoUnit.DAYS);
        if (dayFrom.isBefore(start)) dayFrom = dayFrom.plus(1, ChronoUnit.DAYS);
        Instant dayTo = end.truncatedTo(ChronoUnit.DAYS);
        Instant hourUntil = dayFrom; // hour rows in [start, hourUntil) and [hourFrom, end)
        Instant hourFrom = dayTo;
        if (q.bucket() == Bucket.HOUR || !dayFrom.isBefore(dayTo)) {
            dayFrom = dayTo = start;
            hourUntil = hourFrom = end;
        }
        List<Dimension> dims =
                Arrays.stream(Dimension.values()).filter(q.groupBy()::contains).toList();
        String bucket = q.bucket() == Bucket.NONE
                ? "CAST(:start AS timestamptz)"
                : "date_trunc('" + q.bucket().wire() + "', bucket_start, 'UTC')";
        String dimColumns = dims.stream().map(d -> ", " + d.column()).collect(Collectors.joining());
        String order = dims.stream().map(d -> ", " + d.column()).collect(Collectors.joining());
        String wsFilter = q.workspaces() == null ? "" : " AND workspace_id IN (:ws)";
        String sql = "WITH r AS ("
                + " SELECT * FROM usage_rollups WHERE org_id = :org AND grain = 'day'"
                + " AND bucket_start >= :dayFrom AND bucket_start < :dayTo" + wsFilter
                + " UNION ALL"
                + " SELECT * FROM usage_rollups WHERE org_id = :org AND grain = 'hour'"
                + " AND ((bucket_start >= :start AND bucket_start < :hourUntil)"
                + "   OR (bucket_start >= :hourFrom AND bucket_start < :end))" + wsFilter
                + ") SELECT " + bucket + " AS b" + dimColumns
                + ", sum(event_count) AS n, sum(input_units) AS i, sum(output_units) AS o, sum(credits) AS c,"
                + " sum(error_count) AS e, sum(latency_sum_ms) AS l"
                + " FROM r GROUP BY b" + dimColumns
                + " HAVING sum(event_count) <> 0"
                + " ORDER BY b" + order;
        var spec = streaming
                .sql(sql)
                .param("org", q.org().value())
                .param("start", Timestamp.from(start))
                .param("end", Timestamp.from(end))
                .param("dayFrom", Timestamp.from(dayFrom))
                .param("dayTo", Timestamp.from(dayTo))
                .param("hourUntil", Timestamp.from(hourUntil))
                .param("hourFrom", Timestamp.from(hourFrom));
        if (q.workspaces() != null) {
            List<String> ids = q.workspaces().stream().map(WorkspaceId::value).toList();
            // An empty IN () is not SQL; no visible workspace means no rows.
            if (ids.isEmpty()) return;
            spec = spec.param("ws", ids);
        }
        spec.query(rs -> {
            sink.accept(row(rs, q.groupBy()));
        });
    }

    private static UsageRow row(ResultSet rs, java.util.Set<Dimension> groupBy) throws SQLException {
        String user = groupBy.contains(Dimension.USER) ? rs.getString("user_id") : null;
        return new UsageRow(
                rs.getTimestamp("b").toInstant(),
                groupBy.contains(Dimension.WORKSPACE) ? rs.getString("workspace_id") : null,
                user == null || user.isEmpty() ? null : user,
                groupBy.contains(Dimension.MODEL) ? rs.getString("model") : null,
                groupBy.contains(Dimension.CATEGORY) ? rs.getString("category") : null,
                rs.getLong("n"),
                rs.getLong("i"),
                rs.getLong("o"),
                Credits.ofMicros(rs.getLong("c")),
                rs.getLong("e"),
                rs.getLong("l"));
    }
}
