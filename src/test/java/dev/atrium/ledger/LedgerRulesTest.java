package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The rules LEDGER-SIM found the ledger breaking, each as one small story: what a hold reserves
 * of a grant that expires under it, and where a deleted workspace's holds settle.
 */
@LedgerIntegrationTest
class LedgerRulesTest extends LedgerTestBase {
    @Autowired
    MutableClock clock;

    /** 100 credits expiring at {@code expiry}, consumed first, and 100 that never expire. */
    private OrgId expiringAndLastingGrants(Fixtures.Tenant t, Instant expiry) {
        OrgId org = new OrgId(t.orgId());
        admin.grant(org, credits("100"), "promotional", expiry, "expires", Actor.SYSTEM);
        admin.grant(org, credits("100"), "purchase", null, "lasts", Actor.SYSTEM);
        return org;
    }

    private Hold hold(OrgId org, WorkspaceId ws, String amount) {
        return ledger.hold(
                new HoldRequest(org, ws, null, credits(amount), Category.CHAT, "m", Duration.ofHours(2), Actor.SYSTEM));
    }

    @Test
    void aHoldPlacedBeforeItsGrantExpiresKeepsThatGrantForTheCapture() {
        Instant expiry = clock.instant().plus(Duration.ofHours(1));
        var t = fixtures.tenant("Rules Reserve");
        OrgId org = expiringAndLastingGrants(t, expiry);
        Hold h = hold(org, new WorkspaceId(t.primaryWorkspaceId()), "100");

        clock.advance(Duration.ofMinutes(61));
        // the expiring grant's 100 are what the hold reserved (it is consumed first): none expire yet
        assertThat(admin.expireDue(org)).isZero();
        ledger.capture(org, h.id(), credits("100"), Actor.SYSTEM);
        assertThat(admin.expireDue(org)).isZero();

        var inv = reports.invariant(org);
        assertThat(inv.spent()).isEqualTo(credits("100"));
        assertThat(inv.expired()).isEqualTo(credits("0"));
        assertThat(inv.pool()).as("the purchased grant is untouched").isEqualTo(credits("100"));
        assertInvariant(reports, org);
    }

    @Test
    void whatAHoldReservedOfAnExpiredGrantExpiresOnceTheHoldIsVoided() {
        Instant expiry = clock.instant().plus(Duration.ofHours(1));
        var t = fixtures.tenant("Rules Release");
        OrgId org = expiringAndLastingGrants(t, expiry);
        Hold h = hold(org, new WorkspaceId(t.primaryWorkspaceId()), "60");

        clock.advance(Duration.ofMinutes(61));
        // 40 of the expiring grant are free and expire; the 60 the hold reserved stay due
        assertThat(admin.expireDue(org)).isEqualTo(credits("40").micros());
        ledger.release(org, h.id(), Actor.SYSTEM);
        assertThat(admin.expireDue(org)).isEqualTo(credits("60").micros());

        var inv = reports.invariant(org);
        assertThat(inv.expired()).isEqualTo(credits("100"));
        assertThat(inv.pool()).isEqualTo(credits("100"));
        assertThat(admin.grants(org, null, 10))
                .extracting(Grant::status)
                .containsExactlyInAnyOrder("expired", "active");
        assertInvariant(reports, org);
    }

    @Test
    void aDeletedWorkspacesHoldsReleaseToThePoolNotToItsBudget() {
        var t = fixtures.tenant("Rules Delete");
        OrgId org = new OrgId(t.orgId());
        admin.grant(org, credits("1000"), "purchase", null, null, Actor.SYSTEM);
        WorkspaceId ws = new WorkspaceId(fixtures.workspace(t, "doomed"));
        admin.setFunding(org, ws, MixedOrg.budget(false), Actor.SYSTEM);
        admin.allocate(org, ws, credits("300"), Actor.SYSTEM);
        Hold captured = hold(org, ws, "100");
        Hold voided = hold(org, ws, "50");
        Hold expiring = ledger.hold(new HoldRequest(
                org, ws, null, credits("25"), Category.IMAGE, "m", Duration.ofSeconds(5), Actor.SYSTEM));

        var deleted = fixtures.api().as(t.owner().token()).delete(t.ws(ws.value()));
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(reports.overview(org).pool().available()).isEqualTo(credits("825"));

        ledger.capture(org, captured.id(), credits("30"), Actor.SYSTEM);
        ledger.release(org, voided.id(), Actor.SYSTEM);
        clock.advance(Duration.ofSeconds(5));
        assertThat(ledger.sweepExpired(1000)).isGreaterThanOrEqualTo(1);
        assertThat(ledger.find(org, expiring.id()).status()).isEqualTo("expired");

        var inv = reports.invariant(org);
        assertThat(inv.budgets())
                .as("nothing stranded in the deleted workspace's budget")
                .isEqualTo(credits("0"));
        assertThat(inv.pool()).isEqualTo(credits("970"));
        assertThat(inv.spent()).isEqualTo(credits("30"));
        assertInvariant(reports, org);
    }
}
