package dev.atrium.gateway.limits;

import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code rate_windows} and {@code rate_claims} tables: how much of a limit nodes have claimed in
 * a window. A claim is one statement that never takes the window's total above the limit; a node
 * admits calls from what it claimed, in memory. Concurrent-call slots are also recorded per node, so
 * that those of a node that stopped return when its claims expire.
 */
@Repository
class QuotaStore {
    private final JdbcClient jdbc;

    QuotaStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** What a claim got, and the window's total claimed after it. */
    record Grant(long granted, long claimed) {}

    Grant claim(Window w, long want, long limit, String node, Instant expires) {
        return jdbc.sql("""
                        WITH w AS (
                          INSERT INTO rate_windows AS r (org_id, scope, metric, window_start, window_end, claimed, last_grant)
                          VALUES (:org, :scope, :metric, :start, :end, LEAST(:want, :limit), LEAST(:want, :limit))
                          ON CONFLICT (org_id, scope, metric, window_start) DO UPDATE
                            SET last_grant = LEAST(:want, GREATEST(0, :limit - r.claimed)),
                                claimed = r.claimed + LEAST(:want, GREATEST(0, :limit - r.claimed))
                          RETURNING r.last_grant, r.claimed
                        ), c AS (
                          INSERT INTO rate_claims AS c (org_id, scope, metric, window_start, node_id, claimed, expires_at)
                          SELECT :org, :scope, :metric, :start, :node, w.last_grant, :expires FROM w
                          WHERE :track AND w.last_grant > 0
                          ON CONFLICT (org_id, scope, metric, window_start, node_id) DO UPDATE
                            SET claimed = c.claimed + EXCLUDED.claimed, expires_at = EXCLUDED.expires_at
                        )
                        SELECT last_grant, claimed FROM w
                        """)
                .param("org", w.org())
                .param("scope", w.scope())
                .param("metric", w.metric().wire())
                .param("start", Timestamp.from(w.start()))
                .param("end", Timestamp.from(w.end()))
                .param("want", want)
                .param("limit", limit)
                .param("node", node)
                .param("expires", Timestamp.from(expires))
                .param("track", w.metric() == Metric.CONCURRENT)
                .query((rs, n) -> new Grant(rs.getLong(1), rs.getLong(2)))
                .single();
    }

    /** Returns {@code amount} a node claimed and did not use. */
    void giveBack(Window w, long amount, String node) {
        jdbc.sql("""
                        WITH w AS (
                          UPDATE rate_windows SET claimed = GREATEST(0, claimed - :amount)
                          WHERE org_id = :org AND scope = :scope AND metric = :metric AND window_start = :start
                          RETURNING 1
                        )
                        UPDATE rate_claims SET claimed = GREATEST(0, claimed - :amount)
                        WHERE :track AND org_id = :org AND scope = :scope AND metric = :metric AND window_start = :start
                          AND node_id = :node AND EXISTS (SELECT 1 FROM w)
                        """)
                .param("org", w.org())
                .param("scope", w.scope())
                .param("metric", w.metric().wire())
                .param("start", Timestamp.from(w.start()))
                .param("amount", amount)
                .param("node", node)
                .param("track", w.metric() == Metric.CONCURRENT)
                .update();
    }

    /** Keeps this node's concurrent-call slots from expiring. */
    int renew(String node, Instant expires) {
        return jdbc.sql("UPDATE rate_claims SET expires_at = :expires WHERE node_id = :node AND claimed > 0")
                .param("node", node)
                .param("expires", Timestamp.from(expires))
                .update();
    }

    /**
     * Returns the slots of nodes whose claims expired (they stopped) to their windows, and deletes
     * windows that ended {@code keep} ago. Returns the number of expired claims.
     */
    int sweep(Instant now, Instant endedBefore) {
        int expired = jdbc.sql("""
                        WITH gone AS (
                          DELETE FROM rate_claims WHERE expires_at < :now
                          RETURNING org_id, scope, metric, window_start, claimed
                        ), sums AS (
                          SELECT org_id, scope, metric, window_start, SUM(claimed) AS total FROM gone
                          GROUP BY org_id, scope, metric, window_start
                        )
                        UPDATE rate_windows r SET claimed = GREATEST(0, r.claimed - sums.total)
                        FROM sums
                        WHERE r.org_id = sums.org_id AND r.scope = sums.scope AND r.metric = sums.metric
                          AND r.window_start = sums.window_start
                        """).param("now", Timestamp.from(now)).update();
        jdbc.sql("DELETE FROM rate_windows WHERE window_end < :ended")
                .param("ended", Timestamp.from(endedBefore))
                .update();
        return expired;
    }
}
