package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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

    static void assertInvariant(CreditReports reports, OrgId org) {
        var inv = reports.invariant(org);
        assertThat(inv.holds()).as(inv.toString()).isTrue();
    }
}
