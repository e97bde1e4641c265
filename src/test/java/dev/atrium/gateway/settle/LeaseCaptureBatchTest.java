package dev.atrium.gateway.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Admission;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.Ledger;
import dev.atrium.ledger.lease.LeaseBook;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.usage.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A writer batch's lease captures, as the ledger's rules decide them against the database: a
 * reservation captured once even when one batch holds it twice, and a charge whose lease was
 * returned meanwhile taken from the lease's source.
 */
@IntegrationTest
class LeaseCaptureBatchTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    CreditLeases leases;

    @Autowired
    Ledger ledger;

    @Autowired
    SettlementWriter writer;

    @Autowired
    CreditReports reports;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    LeaseBook leaseBook;

    private final Actor actor = new Actor("test", "lease-capture-batch");

    @Test
    void aBatchHoldingOneReservationTwiceChargesItOnceAndALateChargeIsTakenFromTheSource() {
        var t = fixtures.tenant("Lease Capture Batch");
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(t.primaryWorkspaceId());
        Admission.Leased first = leased(org, ws);

        // The same reservation twice in one batch (a settlement submitted again before the first committed).
        var charge = leases.charge(first, Credits.ofMicros(6_000), actor);
        writer.apply(List.of(
                new Settlement(charge, event(org, ws, first.reservation(), 6_000), null),
                new Settlement(charge, event(org, ws, first.reservation(), 6_000), null)));
        assertThat(captures(org, first.reservation()))
                .containsExactly("held:" + ws.value() + " 6000 lease " + first.lease());

        // A call admitted from the lease, settled only after the lease was returned: charged from the pool.
        Admission.Leased late = leased(org, ws);
        assertThat(late.lease()).isEqualTo(first.lease());
        var lateCharge = leases.charge(late, Credits.ofMicros(7_000), actor);
        // Returned meanwhile (as an admin change, a recall or the sweeper returns it): all it held goes back.
        assertThat(leaseBook.giveBack(org, late.lease(), 0, true, "returned")).isPositive();
        assertThat(jdbc.sql("SELECT status FROM credit_leases WHERE org_id = :org AND id = :id")
                        .param("org", org.value())
                        .param("id", late.lease())
                        .query(String.class)
                        .single())
                .isEqualTo("returned");
        writer.apply(List.of(new Settlement(lateCharge, event(org, ws, late.reservation(), 7_000), null)));
        assertThat(captures(org, late.reservation())).containsExactly("pool 7000 after lease " + late.lease());

        var invariant = reports.invariant(org);
        assertThat(invariant.holds()).as(invariant.toString()).isTrue();
    }

    /** Admits calls until one comes from the path's lease (exact holds before it opens are captured). */
    private Admission.Leased leased(OrgId org, WorkspaceId ws) {
        AtomicReference<Admission.Leased> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            switch (leases.admit(new HoldRequest(
                    org, ws, null, Credits.ofMicros(10_000), Category.CHAT, "demo/chat", null, actor))) {
                case Admission.Leased a -> found.set(a);
                case Admission.Held h -> ledger.capture(org, h.hold().id(), Credits.ofMicros(5_000), actor);
            }
            return found.get() != null;
        });
        return found.get();
    }

    private List<String> captures(OrgId org, String reservation) {
        return jdbc.sql("SELECT debit_account || ' ' || amount || ' ' || note FROM ledger_transfers"
                        + " WHERE org_id = :org AND hold_id = :rsv AND kind = 'capture'")
                .param("org", org.value())
                .param("rsv", reservation)
                .query(String.class)
                .list();
    }

    private static UsageEvent event(OrgId org, WorkspaceId ws, String reservation, long micros) {
        return new UsageEvent(
                UsageEvent.newId(),
                org,
                ws,
                null,
                null,
                "demo/chat",
                "demo",
                "chat",
                "chat",
                10,
                20,
                Credits.ofMicros(micros),
                5,
                "ok",
                reservation,
                "req-" + reservation,
                "gateway",
                Instant.now());
    }
}
