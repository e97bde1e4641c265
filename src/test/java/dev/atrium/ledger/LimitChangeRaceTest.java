package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * LIMIT-CHANGE-RACE: a spend limit set while holds and captures race on its workspace counts every
 * one of them. Holds decided under the former funding (no limit) and committing after the change
 * are decided again; what the limit's counter says is never less than what the workspace has spent
 * in the period, so the limit is never exceeded. Half of the operations run inside a transaction of
 * their own and half combined, as in the overspend race.
 */
@IntegrationTest
class LimitChangeRaceTest extends LedgerTestBase {
    private static final int REPETITIONS = 10;
    private static final int OPERATIONS = 120;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    JdbcClient jdbc;

    private void holdAndCapture(int i, OrgId org, WorkspaceId ws, UserId user) {
        HoldRequest request = new HoldRequest(org, ws, user, credits("10"), Category.CHAT, "m", null, Actor.SYSTEM);
        Credits captured = credits(i % 3 == 0 ? "10" : "4");
        if (i % 2 == 0) {
            var tx = new TransactionTemplate(transactions);
            Hold hold;
            while (true) {
                try {
                    hold = tx.execute(s -> ledger.holdInTransaction(request));
                    break;
                } catch (ApiException e) {
                    // Inside a caller's transaction, a hold that met a limit change is refused to be retried.
                    if (!e.code().equals("funding_changed")) throw e;
                }
            }
            Hold taken = hold;
            tx.executeWithoutResult(s -> ledger.captureInTransaction(org, taken.id(), captured, Actor.SYSTEM));
        } else {
            Hold hold = ledger.hold(request);
            ledger.capture(org, hold.id(), captured, Actor.SYSTEM);
        }
    }

    @Test
    void aLimitSetMidRaceCountsEveryHoldAndCaptureOfThePeriod() throws Exception {
        var t = fixtures.tenant("Race Limit Change");
        OrgId org = org(t);
        admin.grant(org, credits("1000000"), "purchase", null, null, Actor.SYSTEM);
        UserId user = new UserId(t.owner().userId());
        for (int rep = 0; rep < REPETITIONS; rep++) {
            WorkspaceId ws = ws(fixtures.workspace(t, "change " + rep));
            Funding limited = new Funding(
                    Funding.Mode.POOL,
                    new Funding.Limit(credits("100000"), Period.MONTH),
                    new Funding.Limit(credits("100000"), Period.MONTH),
                    false,
                    null);
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < OPERATIONS; i++) {
                int n = i;
                tasks.add(() -> {
                    if (n == OPERATIONS / 3) admin.setFunding(org, ws, limited, Actor.SYSTEM);
                    holdAndCapture(n, org, ws, user);
                    return null;
                });
            }
            concurrently(16, tasks);

            long spent = jdbc.sql("""
                            SELECT coalesce(sum(amount), 0) FROM ledger_transfers
                            WHERE org_id = :org AND workspace_id = :ws AND kind = 'capture'
                            """)
                    .param("org", org.value())
                    .param("ws", ws.value())
                    .query(Long.class)
                    .single();
            assertThat(spent).isEqualTo(OPERATIONS / 3 * 10_000_000L + (OPERATIONS - OPERATIONS / 3) * 4_000_000L);
            java.time.Instant start = Period.MONTH.start(java.time.Instant.now());
            for (String scope : List.of("workspace", "member")) {
                long used = jdbc.sql("""
                                SELECT used FROM spend_counters WHERE org_id = :org AND scope = :scope
                                  AND workspace_id = :ws AND period_start = :start
                                """)
                        .param("org", org.value())
                        .param("scope", scope)
                        .param("ws", ws.value())
                        .param("start", java.sql.Timestamp.from(start))
                        .query(Long.class)
                        .single();
                assertThat(used).as("repetition %d, %s counter", rep, scope).isGreaterThanOrEqualTo(spent);
            }
        }
        assertInvariant(reports, org);
    }
}
