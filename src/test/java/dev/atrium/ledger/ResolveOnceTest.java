package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * RESOLVE-ONCE: of 5 captures and 5 voids fired at once at a hold, exactly one wins — whether
 * they run combined into batches or each inside a transaction of its own (both, racing).
 */
@IntegrationTest
class ResolveOnceTest extends LedgerTestBase {
    private static final int HOLDS = 1000;

    @Autowired
    PlatformTransactionManager transactions;

    /** {@code joining} inside a transaction of the caller's when {@code inTransaction}, else {@code combined}. */
    private Runnable path(boolean inTransaction, Runnable combined, Runnable joining) {
        return inTransaction
                ? () -> new TransactionTemplate(transactions).executeWithoutResult(tx -> joining.run())
                : combined;
    }

    @Test
    void exactlyOneOfTenConcurrentResolutionsWinsForEachOf1000Holds() throws Exception {
        var t = fixtures.tenant("Resolve Once");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("100000"), "purchase", null, null, Actor.SYSTEM);
        List<HoldId> holds = new ArrayList<>();
        for (int i = 0; i < HOLDS; i++) {
            holds.add(
                    ledger.hold(new HoldRequest(org, ws, null, credits("10"), Category.CHAT, null, null, Actor.SYSTEM))
                            .id());
        }
        List<Callable<String>> tasks = new ArrayList<>();
        for (HoldId id : holds) {
            for (int k = 0; k < 5; k++) {
                boolean direct = k % 2 == 0;
                tasks.add(() -> attempt(
                        path(
                                direct,
                                () -> ledger.capture(org, id, credits("3"), Actor.SYSTEM),
                                () -> ledger.captureInTransaction(org, id, credits("3"), Actor.SYSTEM)),
                        "capture"));
                tasks.add(() -> attempt(
                        path(
                                !direct,
                                () -> ledger.release(org, id, Actor.SYSTEM),
                                () -> ledger.releaseInTransaction(org, id, Actor.SYSTEM)),
                        "void"));
            }
        }
        List<String> outcomes = concurrently(32, tasks);
        for (int h = 0; h < HOLDS; h++) {
            List<String> forHold = outcomes.subList(h * 10, h * 10 + 10);
            assertThat(forHold.stream().filter(o -> !o.equals("lost")).count())
                    .as("winners of hold %d", h)
                    .isEqualTo(1);
        }
        long captures = outcomes.stream().filter("capture"::equals).count();
        var inv = reports.invariant(org);
        assertThat(inv.spent().micros()).isEqualTo(3_000_000L * captures);
        assertThat(inv.openHolds().micros()).isZero();
        assertInvariant(reports, org);
    }

    private static String attempt(Runnable action, String name) {
        try {
            action.run();
            return name;
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo("hold_resolved");
            return "lost";
        }
    }
}
