package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Shared steps of the ledger's concurrency tests. */
final class LedgerTestSupport {
    private LedgerTestSupport() {}

    static Credits credits(String decimal) {
        return Credits.parse(decimal);
    }

    static OrgId org(Fixtures.Tenant t) {
        return new OrgId(t.orgId());
    }

    static WorkspaceId ws(String id) {
        return new WorkspaceId(id);
    }

    /** Runs the tasks at once (released together by a latch) on {@code threads} threads; returns their results. */
    static <T> List<T> concurrently(int threads, List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(120, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Settles every open hold of every organization: moves the clock past the longest hold TTL and
     * sweeps until nothing is left, so a test starts from no open hold anywhere (the sweeper is global).
     */
    static void drainHolds(MutableClock clock, Ledger ledger) {
        clock.advance(Duration.ofHours(25));
        while (ledger.sweepExpired(500) > 0) {
            // keep sweeping
        }
    }

    /** Every ledger account of the organization with a balance other than zero. */
    static Map<String, Long> balances(JdbcClient jdbc, OrgId org) {
        var out = new TreeMap<String, Long>();
        jdbc.sql("SELECT id, balance FROM ledger_accounts WHERE org_id = :org AND balance <> 0")
                .param("org", org.value())
                .query((rs, n) -> out.put(rs.getString(1), rs.getLong(2)))
                .list();
        return out;
    }

    /** Every spend counter of the organization in use ({@code scope/workspace/user/period -> used}). */
    static Map<String, Long> counters(JdbcClient jdbc, OrgId org) {
        var out = new TreeMap<String, Long>();
        jdbc.sql(
                        "SELECT scope, workspace_id, user_id, period_start, used FROM spend_counters WHERE org_id = :org AND used <> 0")
                .param("org", org.value())
                .query((rs, n) -> out.put(
                        rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/"
                                + rs.getTimestamp(4).toInstant(),
                        rs.getLong(5)))
                .list();
        return out;
    }

    /**
     * The spend counters the holds table implies: an open hold counts in full, a resolved one with
     * what it captured, in the period it was admitted in.
     */
    static Map<String, Long> countersFromHolds(JdbcClient jdbc, OrgId org) {
        var out = new TreeMap<String, Long>();
        jdbc.sql("""
                        SELECT scope, workspace_id, user_id, period_start, sum(used) FROM (
                          SELECT 'workspace' AS scope, workspace_id, '' AS user_id, ws_period_start AS period_start,
                                 CASE WHEN status = 'held' THEN amount ELSE coalesce(captured, 0) END AS used
                          FROM holds WHERE org_id = :org AND ws_period_start IS NOT NULL
                          UNION ALL
                          SELECT 'member', workspace_id, user_id, member_period_start,
                                 CASE WHEN status = 'held' THEN amount ELSE coalesce(captured, 0) END
                          FROM holds WHERE org_id = :org AND member_period_start IS NOT NULL AND user_id IS NOT NULL) u
                        GROUP BY scope, workspace_id, user_id, period_start HAVING sum(used) <> 0
                        """)
                .param("org", org.value())
                .query((rs, n) -> out.put(
                        rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3) + "/"
                                + rs.getTimestamp(4).toInstant(),
                        rs.getLong(5)))
                .list();
        return out;
    }

    static void assertInvariant(CreditReports reports, OrgId org) {
        var inv = reports.invariant(org);
        assertThat(inv.holds()).as(inv.toString()).isTrue();
    }
}
