package dev.atrium.usage.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Period;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageRow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads {@code usage_rollups} (by member) or {@code usage_rollups_ws} (the same summed over
 * members, for every report not grouped by member). A range {@code [start, end)} of whole hours is covered by the month
 * rows of the whole months inside it, day rows for the other whole days and hour rows for the
 * partial days at its edges (see {@link #cover}), so a year costs about 12 + 60 + 46 rows per group.
 * Added to them: the range's rows of {@code usage_rollup_pending}, the events the {@link RollupFolder}
 * has not folded yet.
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

    /** A part of a range read from one grain of rollups: {@code [from, to)}. */
    record Segment(String grain, Instant from, Instant to) {}

    /**
     * The cover of {@code [start, end)} (whole hours) by the coarsest rollups the bucket allows: month
     * rows for whole months inside it, day rows for the other whole days, hour rows for the rest.
     */
    static List<Segment> cover(Instant start, Instant end, Bucket bucket) {
        List<Segment> out = new ArrayList<>();
        Instant dayFrom = ceil(start, ChronoUnit.DAYS);
        Instant dayTo = end.truncatedTo(ChronoUnit.DAYS);
        if (bucket == Bucket.HOUR || !dayFrom.isBefore(dayTo)) {
            out.add(new Segment("hour", start, end));
            return out;
        }
        out.add(new Segment("hour", start, dayFrom));
        out.add(new Segment("hour", dayTo, end));
        Instant monthFrom = ceilMonth(dayFrom);
        Instant monthTo = Period.MONTH.start(dayTo);
        if (bucket == Bucket.DAY || !monthFrom.isBefore(monthTo)) {
            out.add(new Segment("day", dayFrom, dayTo));
        } else {
            out.add(new Segment("day", dayFrom, monthFrom));
            out.add(new Segment("day", monthTo, dayTo));
            out.add(new Segment("month", monthFrom, monthTo));
        }
        out.removeIf(seg -> !seg.from().isBefore(seg.to()));
        return out;
    }

    private static Instant ceil(Instant at, ChronoUnit unit) {
        Instant floor = at.truncatedTo(unit);
        return floor.equals(at) ? at : floor.plus(1, unit);
    }

    private static Instant ceilMonth(Instant at) {
        Instant floor = Period.MONTH.start(at);
        return floor.equals(at) ? at : Period.MONTH.next(at);
    }

    /** Streams the report's rows, ordered by bucket, then by the grouped dimensions. */
    public void stream(UsageQuery q, Consumer<UsageRow> sink) {
        JdbcClient.StatementSpec spec = statement(q, "");
        if (spec == null) return;
        sortMemory();
        spec.query(rs -> {
            sink.accept(row(rs, q.groupBy()));
        });
    }

    /** The plan of the report's query, run ({@code EXPLAIN (ANALYZE, BUFFERS)}): for benches and operators. */
    public List<String> explain(UsageQuery q) {
        JdbcClient.StatementSpec spec = statement(q, "EXPLAIN (ANALYZE, BUFFERS) ");
        if (spec == null) return List.of();
        sortMemory();
        return spec.query(String.class).list();
    }

    /**
     * Settings for this transaction only (reports run in one), in one round trip. A month of day rows
     * grouped by every dimension sorts some 30,000 rows: with the default 4 MB of {@code work_mem}
     * that sort spills to disk. The rollup partitions a report reads are small and hot, so their pages
     * are costed as cached ones ({@code random_page_cost} 1.1): reading a month of day rows through the
     * primary key, already in the report's order, then wins over a sequential scan of the partition
     * and a sort.
     */
    private void sortMemory() {
        streaming
                .sql("SELECT set_config('work_mem', '32MB', true), set_config('random_page_cost', '1.1', true)")
                .query()
                .listOfRows();
    }

    /** The report's statement with its parameters; null when no workspace is visible (no rows). */
    private JdbcClient.@Nullable StatementSpec statement(UsageQuery q, String prefix) {
        // An empty IN () is not SQL; no visible workspace means no rows.
        if (q.workspaces() != null && q.workspaces().isEmpty()) return null;
        List<Segment> segments = cover(q.start(), q.end(), q.bucket());
        List<Dimension> dims =
                Arrays.stream(Dimension.values()).filter(q.groupBy()::contains).toList();
        String bucket = q.bucket() == Bucket.NONE
                ? "CAST(:start AS timestamptz)"
                : "date_trunc('" + q.bucket().wire() + "', bucket_start, 'UTC')";
        String dimColumns = dims.stream().map(d -> ", " + d.column()).collect(Collectors.joining());
        // Code point order, the collation of the rollup key columns (V71): no linguistic sort, and
        // rows read in index order come out sorted.
        String order =
                dims.stream().map(d -> ", " + d.column() + " COLLATE \"C\"").collect(Collectors.joining());
        String wsFilter = q.workspaces() == null ? "" : " AND workspace_id IN (:ws)";
        // Without the member dimension, the rows of usage_rollups_ws (summed over members) answer.
        String table = q.groupBy().contains(Dimension.USER) ? "usage_rollups" : "usage_rollups_ws";
        String columns = "bucket_start, workspace_id" + (table.equals("usage_rollups") ? ", user_id" : "")
                + ", model, category, event_count, input_units, output_units, credits, error_count, latency_sum_ms";
        StringBuilder union = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            union.append(" SELECT ")
                    .append(columns)
                    .append(" FROM ")
                    .append(table)
                    .append(" WHERE org_id = :org AND grain = :g")
                    .append(i)
                    .append(" AND bucket_start >= :f")
                    .append(i)
                    .append(" AND bucket_start < :t")
                    .append(i)
                    .append(wsFilter)
                    .append(" UNION ALL");
        }
        // The events not folded yet (hour rows by member, V91): with the rollups, in the same
        // snapshot, every committed event counts exactly once.
        union.append(" SELECT ")
                .append(columns)
                .append(
                        " FROM usage_rollup_pending WHERE org_id = :org AND bucket_start >= :start AND bucket_start < :end")
                .append(wsFilter);
        // Rows of the bucket's own grain grouped by every key of the table need no aggregation:
        // read them as they are, ordered as the primary key (no aggregation), when no event of the
        // range waits to be folded.
        Set<Dimension> keys = table.equals("usage_rollups")
                ? EnumSet.allOf(Dimension.class)
                : EnumSet.of(Dimension.WORKSPACE, Dimension.MODEL, Dimension.CATEGORY);
        boolean asStored = segments.size() == 1
                && segments.getFirst().grain().equals(q.bucket().wire())
                && q.groupBy().equals(keys)
                && !pending(q);
        String sql = asStored
                ? "SELECT bucket_start AS b" + dimColumns
                        + ", event_count AS n, input_units AS i, output_units AS o, credits AS c,"
                        + " error_count AS e, latency_sum_ms AS l FROM " + table
                        + " WHERE org_id = :org AND grain = :g0 AND bucket_start >= :f0 AND bucket_start < :t0"
                        + wsFilter + " AND event_count <> 0 ORDER BY bucket_start" + order
                : "WITH r AS (" + union + ") SELECT " + bucket + " AS b" + dimColumns
                        + ", sum(event_count) AS n, sum(input_units) AS i, sum(output_units) AS o, sum(credits) AS c,"
                        + " sum(error_count) AS e, sum(latency_sum_ms) AS l"
                        + " FROM r GROUP BY b" + dimColumns
                        + " HAVING sum(event_count) <> 0"
                        + " ORDER BY b" + order;
        var spec = range(streaming.sql(prefix + sql), q);
        for (int i = 0; i < segments.size(); i++) {
            spec = spec.param("g" + i, segments.get(i).grain())
                    .param("f" + i, Timestamp.from(segments.get(i).from()))
                    .param("t" + i, Timestamp.from(segments.get(i).to()));
        }
        return spec;
    }

    /** The query's organization, range ({@code :start}, {@code :end}) and visible workspaces ({@code :ws}). */
    private static JdbcClient.StatementSpec range(JdbcClient.StatementSpec spec, UsageQuery q) {
        spec = spec.param("org", q.org().value())
                .param("start", Timestamp.from(q.start()))
                .param("end", Timestamp.from(q.end()));
        return q.workspaces() == null
                ? spec
                : spec.param(
                        "ws", q.workspaces().stream().map(WorkspaceId::value).toList());
    }

    /**
     * Whether events of the report's range and workspaces wait to be folded. Read before the report's
     * statement: whatever is folded between the two is in the rollups the statement reads, so the
     * report still counts every event committed before it began, each once.
     */
    private boolean pending(UsageQuery q) {
        return range(
                        streaming.sql("SELECT EXISTS (SELECT 1 FROM usage_rollup_pending WHERE org_id = :org"
                                + " AND bucket_start >= :start AND bucket_start < :end"
                                + (q.workspaces() == null ? "" : " AND workspace_id IN (:ws)") + ")"),
                        q)
                .query(Boolean.class)
                .single();
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
