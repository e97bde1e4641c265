package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/** A budget workspace with overflow_to_pool: holds the budget cannot cover draw on the pool and settle there. */
@IntegrationTest
class OverflowToPoolTest extends LedgerTestBase {
    @Test
    void aHoldBeyondTheBudgetDrawsOnThePoolAndItsRestReturnsToThePool() {
        var t = fixtures.tenant("Overflow");
        OrgId org = org(t);
        WorkspaceId ws = ws(fixtures.workspace(t, "overflow"));
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        admin.setFunding(org, ws, new Funding(Funding.Mode.BUDGET, null, null, true, null), Actor.SYSTEM);
        admin.allocate(org, ws, credits("5"), Actor.SYSTEM);

        ledger.hold(new HoldRequest(org, ws, null, credits("3"), Category.CHAT, null, null, Actor.SYSTEM));
        assertThat(reports.overview(org).pool().held().micros()).isZero();

        Hold overflow =
                ledger.hold(new HoldRequest(org, ws, null, credits("10"), Category.CHAT, null, null, Actor.SYSTEM));
        var during = reports.overview(org);
        assertThat(during.pool().available()).isEqualTo(credits("85"));
        assertThat(during.pool().held()).isEqualTo(credits("10"));

        Hold captured = ledger.capture(org, overflow.id(), credits("4"), Actor.SYSTEM);
        assertThat(captured.status()).isEqualTo("captured");
        assertThat(captured.captured()).isEqualTo(credits("4"));
        var after = reports.overview(org);
        assertThat(after.pool().available()).isEqualTo(credits("91"));
        assertThat(after.pool().held().micros()).isZero();

        assertThatThrownBy(() -> ledger.hold(
                        new HoldRequest(org, ws, null, credits("1000"), Category.CHAT, null, null, Actor.SYSTEM)))
                .isInstanceOf(InsufficientCredits.class);
        var inv = reports.invariant(org);
        assertThat(inv.openHolds()).isEqualTo(credits("3"));
        assertInvariant(reports, org);
    }
}
