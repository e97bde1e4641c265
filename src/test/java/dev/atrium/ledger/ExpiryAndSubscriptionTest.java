package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.credits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.PlanMoves;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

/** Grant expiry and subscription periods, with the application's clock under the test's control. */
@IntegrationTest
@Import(MutableClock.Config.class)
@TestPropertySource(properties = "atrium.jobs.enabled=false")
class ExpiryAndSubscriptionTest extends LedgerTestBase {
    @Autowired
    MutableClock clock;

    @Autowired
    PlanMoves plans;

    @BeforeEach
    void resetClock() {
        clock.set(Instant.parse("2026-01-15T12:00:00Z"));
    }

    private long grantRemaining(OrgId org, GrantId id) {
        return admin.grants(org, null, 100).stream()
                .filter(g -> g.id().equals(id))
                .findFirst()
                .orElseThrow()
                .remaining()
                .micros();
    }

    private void spend(OrgId org, WorkspaceId ws, String amount) {
        var hold =
                ledger.hold(new HoldRequest(org, ws, null, credits(amount), Category.CHAT, null, null, Actor.SYSTEM));
        ledger.capture(org, hold.id(), credits(amount), Actor.SYSTEM);
    }

    @Test
    void expiringCreditsAreConsumedFirstSoonestExpiryFirstAndOnlyTheRemainderExpires() {
        var t = fixtures.tenant("Expiry Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(t.primaryWorkspaceId());
        Instant now = clock.instant();
        Grant permanent = admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        Grant late = admin.grant(org, credits("50"), "promotional", now.plus(Duration.ofDays(20)), null, Actor.SYSTEM);
        Grant soon = admin.grant(org, credits("30"), "promotional", now.plus(Duration.ofDays(10)), null, Actor.SYSTEM);

        spend(org, ws, "40"); // takes the 30 expiring soonest, then 10 of the later one
        clock.advance(Duration.ofDays(11));
        assertThat(admin.expireDue(org)).isZero(); // nothing left of the soonest grant
        assertThat(grantRemaining(org, soon.id())).isZero();
        assertThat(grantRemaining(org, late.id())).isEqualTo(credits("40").micros());
        assertThat(grantRemaining(org, permanent.id())).isEqualTo(credits("100").micros());

        spend(org, ws, "15");
        clock.advance(Duration.ofDays(10));
        assertThat(admin.expireDue(org)).isEqualTo(credits("25").micros());
        var inv = reports.invariant(org);
        assertThat(inv.expired()).isEqualTo(credits("25"));
        assertThat(inv.pool()).isEqualTo(credits("100"));
        assertThat(inv.holds()).as(inv.toString()).isTrue();
        assertThat(admin.expireDue(org)).as("expires once").isZero();
    }

    @Test
    void expiryTakesFromBudgetsWhenThePoolIsShortButNeverFromOpenHolds() {
        var t = fixtures.tenant("Expiry Budget Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId budgetWs = new WorkspaceId(fixtures.workspace(t, "Client"));
        admin.setFunding(org, budgetWs, new Funding(Funding.Mode.BUDGET, null, null, false, null), Actor.SYSTEM);
        admin.grant(org, credits("100"), "promotional", clock.instant().plus(Duration.ofHours(1)), null, Actor.SYSTEM);
        admin.allocate(org, budgetWs, credits("70"), Actor.SYSTEM);
        var hold = ledger.hold(new HoldRequest(
                org, budgetWs, null, credits("20"), Category.CHAT, null, Duration.ofHours(20), Actor.SYSTEM));

        clock.advance(Duration.ofHours(2));
        // 30 from the pool, 50 from the budget; the 20 held stay until the hold settles
        assertThat(admin.expireDue(org)).isEqualTo(credits("80").micros());
        assertThat(reports.invariant(org).holds()).isTrue();
        ledger.release(org, hold.id(), Actor.SYSTEM);
        assertThat(admin.expireDue(org)).isEqualTo(credits("20").micros());
        var inv = reports.invariant(org);
        assertThat(inv.expired()).isEqualTo(credits("100"));
        assertThat(inv.pool().micros() + inv.budgets().micros()).isZero();
        assertThat(inv.holds()).isTrue();
    }

    @Test
    void withoutRolloverLastMonthsUnspentSubscriptionCreditsExpireAndEachMonthIsGrantedOnce() {
        var t = fixtures.tenant("Plan Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(t.primaryWorkspaceId());
        plans.subscribe(org, credits("1000"), false, Actor.SYSTEM);
        assertThat(plans.issueSubscriptionGrant(org, Actor.SYSTEM))
                .as("January issued once")
                .isFalse();
        spend(org, ws, "400");

        clock.set(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(plans.issueSubscriptionGrant(org, Actor.SYSTEM)).isTrue();
        assertThat(plans.issueSubscriptionGrant(org, Actor.SYSTEM)).isFalse();
        assertThat(admin.expireDue(org)).isEqualTo(credits("600").micros());
        var inv = reports.invariant(org);
        assertThat(inv.granted()).isEqualTo(credits("2000"));
        assertThat(inv.pool()).isEqualTo(credits("1000"));
        assertThat(inv.holds()).isTrue();
    }

    @Test
    void withRolloverUnspentSubscriptionCreditsCarryOver() {
        var t = fixtures.tenant("Rollover Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(t.primaryWorkspaceId());
        plans.subscribe(org, credits("1000"), true, Actor.SYSTEM);
        spend(org, ws, "400");
        clock.set(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(plans.issueSubscriptionGrant(org, Actor.SYSTEM)).isTrue();
        assertThat(admin.expireDue(org)).isZero();
        assertThat(reports.invariant(org).pool()).isEqualTo(credits("1600"));
    }

    @Test
    void refillsTopUpOrAddOncePerPeriodFromThePool() {
        var t = fixtures.tenant("Refill Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId to = new WorkspaceId(fixtures.workspace(t, "Top up"));
        WorkspaceId add = new WorkspaceId(fixtures.workspace(t, "Add"));
        admin.grant(org, credits("1000"), "purchase", null, null, Actor.SYSTEM);
        admin.setFunding(
                org,
                to,
                new Funding(
                        Funding.Mode.BUDGET, null, null, false, new Funding.Refill(Period.WEEK, credits("100"), null)),
                Actor.SYSTEM);
        admin.setFunding(
                org,
                add,
                new Funding(
                        Funding.Mode.BUDGET, null, null, false, new Funding.Refill(Period.MONTH, null, credits("30"))),
                Actor.SYSTEM);
        assertThat(plans.refill(org)).isEqualTo(2);
        assertThat(plans.refill(org)).as("once per period").isZero();
        spend(org, to, "60");
        clock.advance(Duration.ofDays(7));
        assertThat(plans.refill(org)).isEqualTo(1); // the weekly one; the monthly one already ran
        var overview = reports.overview(org);
        var topUp = overview.workspaces().stream()
                .filter(w -> w.workspaceId().equals(to))
                .findFirst()
                .orElseThrow();
        var added = overview.workspaces().stream()
                .filter(w -> w.workspaceId().equals(add))
                .findFirst()
                .orElseThrow();
        assertThat(topUp.available()).isEqualTo(credits("100"));
        assertThat(added.available()).isEqualTo(credits("30"));
        assertThat(reports.invariant(org).holds()).isTrue();
    }

    @Test
    void aCaptureAfterExpiryIsRefusedAndLeavesTheLedgerUnchanged() {
        var t = fixtures.tenant("Late Capture Co");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(t.primaryWorkspaceId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        var hold = ledger.hold(new HoldRequest(
                org, ws, null, credits("10"), Category.CHAT, null, Duration.ofMinutes(1), Actor.SYSTEM));
        clock.advance(Duration.ofMinutes(2));
        var before = reports.entries(org, null, dev.atrium.common.PageRequest.of(100, null))
                .data()
                .size();
        var error = assertThrows(
                dev.atrium.common.ApiException.class, () -> ledger.capture(org, hold.id(), credits("5"), Actor.SYSTEM));
        assertThat(error.code()).isEqualTo("hold_expired");
        assertThat(reports.entries(org, null, dev.atrium.common.PageRequest.of(100, null))
                        .data())
                .hasSize(before);
        assertThat(ledger.sweepExpired(100)).isGreaterThanOrEqualTo(1);
        assertThat(ledger.find(org, hold.id()).status()).isEqualTo("expired");
        assertThat(reports.invariant(org).pool()).isEqualTo(credits("100"));
    }
}
