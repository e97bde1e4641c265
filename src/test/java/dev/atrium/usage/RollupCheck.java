package dev.atrium.usage;

import dev.atrium.common.OrgId;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The rollups checked against their events, for tests and benchmarks. */
public final class RollupCheck {
    private RollupCheck() {}

    /** The organization's rows in a table ({@code usage_rollups}, {@code usage_rollup_pending}, …). */
    public static long rows(JdbcClient jdbc, String table, OrgId org) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE org_id = :org")
                .param("org", org.value())
                .query(Long.class)
                .single();
    }

    /**
     * Rows of either rollup table, any grain, that differ from the brute-force sum of the
     * organization's events, counting the deltas not folded yet with them as reports do (rows left at
     * zero by deletions are skipped, as reports skip them).
     */
    public static long mismatches(JdbcClient jdbc, OrgId org) {
        return mismatches(jdbc, org, List.of("hour", "day", "month"), "-infinity", "infinity");
    }

    /**
     * The same check limited to some grains and to the events and buckets of {@code [from, to)}
     * (timestamps as PostgreSQL reads them, {@code -infinity} and {@code infinity} allowed), which
     * must start and end on bucket edges of every grain checked.
     */
    public static long mismatches(JdbcClient jdbc, OrgId org, List<String> grains, String from, String to) {
        return jdbc.sql("""
                        WITH raw AS (
                          SELECT g.grain, date_trunc(g.grain, occurred_at, 'UTC') AS b, workspace_id,
                                 coalesce(user_id, '') AS u, model, category, count(*) AS n, sum(input_units)::bigint AS i,
                                 sum(output_units)::bigint AS o, sum(credits)::bigint AS c,
                                 count(*) FILTER (WHERE status = 'error') AS e, sum(latency_ms)::bigint AS l
                          FROM usage_events CROSS JOIN unnest(ARRAY[:grains]::text[]) AS g (grain)
                          WHERE org_id = :org AND occurred_at >= CAST(:from AS timestamptz)
                            AND occurred_at < CAST(:to AS timestamptz)
                          GROUP BY 1, 2, 3, 4, 5, 6),
                        raw_ws AS (
                          SELECT grain, b, workspace_id, model, category, sum(n)::bigint AS n, sum(i)::bigint AS i,
                                 sum(o)::bigint AS o, sum(c)::bigint AS c, sum(e)::bigint AS e, sum(l)::bigint AS l
                          FROM raw GROUP BY 1, 2, 3, 4, 5),
                        rolled AS (
                          SELECT grain, bucket_start, workspace_id, user_id, model, category,
                                 sum(event_count)::bigint AS n, sum(input_units)::bigint AS i,
                                 sum(output_units)::bigint AS o, sum(credits)::bigint AS c,
                                 sum(error_count)::bigint AS e, sum(latency_sum_ms)::bigint AS l
                          FROM (SELECT grain, bucket_start, workspace_id, user_id, model, category, event_count,
                                       input_units, output_units, credits, error_count, latency_sum_ms
                                FROM usage_rollups WHERE org_id = :org AND grain IN (:grains)
                                  AND bucket_start >= CAST(:from AS timestamptz) AND bucket_start < CAST(:to AS timestamptz)
                                UNION ALL
                                SELECT g.grain, date_trunc(g.grain, p.bucket_start, 'UTC'), workspace_id, user_id, model,
                                       category, event_count, input_units, output_units, credits, error_count, latency_sum_ms
                                FROM usage_rollup_pending p CROSS JOIN unnest(ARRAY[:grains]::text[]) AS g (grain)
                                WHERE org_id = :org AND bucket_start >= CAST(:from AS timestamptz)
                                  AND bucket_start < CAST(:to AS timestamptz)) x
                          GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(event_count) <> 0),
                        rolled_ws AS (
                          SELECT grain, bucket_start, workspace_id, model, category,
                                 sum(event_count)::bigint AS n, sum(input_units)::bigint AS i,
                                 sum(output_units)::bigint AS o, sum(credits)::bigint AS c,
                                 sum(error_count)::bigint AS e, sum(latency_sum_ms)::bigint AS l
                          FROM (SELECT grain, bucket_start, workspace_id, model, category, event_count,
                                       input_units, output_units, credits, error_count, latency_sum_ms
                                FROM usage_rollups_ws WHERE org_id = :org AND grain IN (:grains)
                                  AND bucket_start >= CAST(:from AS timestamptz) AND bucket_start < CAST(:to AS timestamptz)
                                UNION ALL
                                SELECT g.grain, date_trunc(g.grain, p.bucket_start, 'UTC'), workspace_id, model,
                                       category, event_count, input_units, output_units, credits, error_count, latency_sum_ms
                                FROM usage_rollup_pending p CROSS JOIN unnest(ARRAY[:grains]::text[]) AS g (grain)
                                WHERE org_id = :org AND bucket_start >= CAST(:from AS timestamptz)
                                  AND bucket_start < CAST(:to AS timestamptz)) x
                          GROUP BY 1, 2, 3, 4, 5 HAVING sum(event_count) <> 0)
                        SELECT (SELECT count(*) FROM (SELECT * FROM rolled EXCEPT SELECT * FROM raw) a)
                             + (SELECT count(*) FROM (SELECT * FROM raw EXCEPT SELECT * FROM rolled) b)
                             + (SELECT count(*) FROM (SELECT * FROM rolled_ws EXCEPT SELECT * FROM raw_ws) c)
                             + (SELECT count(*) FROM (SELECT * FROM raw_ws EXCEPT SELECT * FROM rolled_ws) d)
                        """)
                .param("org", org.value())
                .param("grains", grains)
                .param("from", from)
                .param("to", to)
                .query(Long.class)
                .single();
    }
}
