package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.balances;
import static dev.atrium.ledger.LedgerTestSupport.counters;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * PATHS: which way a ledger call goes is the method called, not whether a transaction happens to
 * be open. {@code hold/capture/release} commit on their own and refuse to run inside a
 * transaction; {@code …InTransaction} join the caller's and commit or roll back with it.
 */
@LedgerIntegrationTest
class LedgerPathsTest extends LedgerTestBase {
    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    JdbcClient jdbc;

    private HoldRequest request(OrgId org, WorkspaceId ws, String amount) {
        return new HoldRequest(org, ws, null, credits(amount), Category.CHAT, "m", null, Actor.SYSTEM);
    }

    @Test
    void theOwnTransactionPathFailsFastInsideATransactionAndChangesNothing() {
        var t = fixtures.tenant("Paths Own");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        Hold open = ledger.hold(request(org, ws, "10"));
        var before = balances(jdbc, org);

        var tx = new TransactionTemplate(transactions);
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> ledger.hold(request(org, ws, "10"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holdInTransaction");
        assertThatThrownBy(
                        () -> tx.executeWithoutResult(s -> ledger.capture(org, open.id(), credits("1"), Actor.SYSTEM)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("captureInTransaction");
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> ledger.release(org, open.id(), Actor.SYSTEM)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("releaseInTransaction");

        assertThat(balances(jdbc, org)).isEqualTo(before);
        assertThat(ledger.find(org, open.id()).status()).isEqualTo("held");
    }

    @Test
    void theJoiningPathNeedsACallersTransaction() {
        var t = fixtures.tenant("Paths Join Alone");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        Hold open = ledger.hold(request(org, ws, "10"));
        var before = balances(jdbc, org);

        assertThatThrownBy(() -> ledger.holdInTransaction(request(org, ws, "10")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ledger.captureInTransaction(org, open.id(), credits("1"), Actor.SYSTEM))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ledger.releaseInTransaction(org, open.id(), Actor.SYSTEM))
                .isInstanceOf(IllegalStateException.class);
        assertThat(balances(jdbc, org)).isEqualTo(before);
    }

    @Test
    void aJoinedHoldAndCaptureCommitOrRollBackWithTheCallersTransaction() {
        var t = fixtures.tenant("Paths Join");
        OrgId org = org(t);
        WorkspaceId ws = ws(fixtures.workspace(t, "limited"));
        UserId user = new UserId(t.owner().userId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        // Limits on a workspace no hold ever touched: the joined path creates its counters and accounts.
        admin.setFunding(
                org,
                ws,
                new Funding(
                        Funding.Mode.POOL,
                        new Funding.Limit(credits("50"), Period.DAY),
                        new Funding.Limit(credits("40"), Period.DAY),
                        false,
                        null),
                Actor.SYSTEM);
        var before = balances(jdbc, org);
        var countersBefore = counters(jdbc, org);
        var tx = new TransactionTemplate(transactions);
        HoldRequest thirty = new HoldRequest(org, ws, user, credits("30"), Category.IMAGE, "m", null, Actor.SYSTEM);

        Hold undone = tx.execute(s -> {
            Hold h = ledger.holdInTransaction(thirty);
            ledger.captureInTransaction(org, h.id(), credits("20"), Actor.SYSTEM);
            s.setRollbackOnly();
            return h;
        });
        assertThatThrownBy(() -> ledger.find(org, undone.id())).isInstanceOf(dev.atrium.common.ApiException.class);
        assertThat(balances(jdbc, org)).isEqualTo(before);
        assertThat(counters(jdbc, org)).isEqualTo(countersBefore);

        Hold kept = tx.execute(s -> {
            Hold h = ledger.holdInTransaction(thirty);
            return ledger.captureInTransaction(org, h.id(), credits("20"), Actor.SYSTEM);
        });
        assertThat(kept.status()).isEqualTo("captured");
        assertThat(ledger.find(org, kept.id()).captured()).isEqualTo(credits("20"));
        var after = balances(jdbc, org);
        assertThat(after.get("pool")).isEqualTo(before.get("pool") - 20_000_000L);
        assertThat(after.get("spent:" + ws + ":image")).isEqualTo(20_000_000L);
        assertThat(counters(jdbc, org)).containsValue(20_000_000L);
        assertInvariant(reports, org);
    }

    @Test
    void aRefusalOnTheJoiningPathLeavesTheCallersTransactionFreeToCommit() {
        var t = fixtures.tenant("Paths Refusal");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);

        Hold second = new TransactionTemplate(transactions).execute(s -> {
            assertThatThrownBy(() -> ledger.holdInTransaction(request(org, ws, "150")))
                    .isInstanceOf(InsufficientCredits.class);
            return ledger.holdInTransaction(request(org, ws, "60"));
        });

        assertThat(ledger.find(org, second.id()).status()).isEqualTo("held");
        assertThat(reports.overview(org).pool().available()).isEqualTo(credits("40"));
        assertInvariant(reports, org);
    }
}
