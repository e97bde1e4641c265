package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.balances;
import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.counters;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.drainHolds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * SWEEPER: expired holds settle exactly once however many sweepers run at once, and an expired
 * hold can no longer be captured or voided.
 */
@LedgerIntegrationTest
class SweeperTest extends LedgerTestBase {
    private static final int HOLDS = 600;
    private static final int SWEEPERS = 4;

    @Autowired
    MutableClock clock;

    @Autowired
    JdbcClient jdbc;

    /** Places holds with a one-second TTL across the workspaces; returns those admitted. */
    private List<Hold> shortHolds(MixedOrg o, int count, long seed) {
        Random random = new Random(seed);
        List<Hold> holds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int w = i % o.workspaces().size();
            UserId user = random.nextBoolean() ? o.owner() : null;
            Credits amount = Credits.ofMicros(1 + random.nextLong(20_000_000L));
            try {
                holds.add(ledger.hold(new HoldRequest(
                        o.org(),
                        o.workspaces().get(w),
                        user,
                        amount,
                        Category.values()[i % 3],
                        "m",
                        Duration.ofSeconds(1),
                        Actor.SYSTEM)));
            } catch (InsufficientCredits refused) {
                // a member limit of 300/day refuses some: fine, they were never held
            }
        }
        return holds;
    }

    private Map<String, Long> statuses(MixedOrg o) {
        return jdbc
                .sql("SELECT status, count(*) FROM holds WHERE org_id = :org GROUP BY status")
                .param("org", o.org().value())
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Per hold, how many transfers returned its credits (kind void or release). */
    private Map<String, Long> returnsPerHold(MixedOrg o) {
        return jdbc
                .sql("""
                        SELECT hold_id, count(*) FROM ledger_transfers
                        WHERE org_id = :org AND kind IN ('void', 'release') GROUP BY hold_id
                        """)
                .param("org", o.org().value())
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Runs {@code SWEEPERS} threads that sweep in small batches until nothing is left; returns the total settled. */
    private int sweepConcurrently(Queue<Throwable> failures) throws Exception {
        List<Callable<Integer>> sweepers = new ArrayList<>();
        for (int i = 0; i < SWEEPERS; i++) {
            sweepers.add(() -> {
                int settled = 0;
                try {
                    int n;
                    do {
                        n = ledger.sweepExpired(25);
                        settled += n;
                    } while (n > 0);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
                return settled;
            });
        }
        return concurrently(SWEEPERS, sweepers).stream()
                .mapToInt(Integer::intValue)
                .sum();
    }

    @Test
    void fourConcurrentSweepersSettleEveryExpiredHoldExactlyOnce() throws Exception {
        drainHolds(clock, ledger);
        MixedOrg o = MixedOrg.create(fixtures, admin, "Sweep Once", "1000000", "20000");
        var before = balances(jdbc, o.org());
        var countersBefore = counters(jdbc, o.org());
        List<Hold> holds = shortHolds(o, HOLDS, 1);
        assertThat(holds).hasSizeGreaterThan(HOLDS * 9 / 10);

        clock.advance(Duration.ofSeconds(2));
        var errors = new ConcurrentLinkedQueue<Throwable>();
        int settled = sweepConcurrently(errors);

        assertThat(errors).as("sweeper failures").isEmpty();
        assertThat(settled).isEqualTo(holds.size());
        assertThat(statuses(o)).isEqualTo(Map.of("expired", (long) holds.size()));
        Map<String, Long> returns = returnsPerHold(o);
        assertThat(returns).hasSize(holds.size());
        assertThat(returns.values()).allMatch(c -> c == 1);
        for (Hold h : holds) {
            Hold after = ledger.find(o.org(), h.id());
            assertThat(after.status()).isEqualTo("expired");
            assertThat(after.captured()).isEqualTo(Credits.ZERO);
        }
        // Credits returned exactly once: every balance and spend counter is back where it was.
        assertThat(balances(jdbc, o.org())).isEqualTo(before);
        assertThat(counters(jdbc, o.org())).isEqualTo(countersBefore);
        assertInvariant(reports, o.org());
        assertThat(ledger.sweepExpired(100)).isZero();
    }

    @Test
    void sweepersRacingCapturesVoidsAndNewHoldsNeitherDeadlockNorSettleTwice() throws Exception {
        drainHolds(clock, ledger);
        MixedOrg o = MixedOrg.create(fixtures, admin, "Sweep Race", "1000000", "20000");
        List<Hold> expired = shortHolds(o, 400, 2);
        clock.advance(Duration.ofSeconds(2));

        var errors = new ConcurrentLinkedQueue<String>();
        var refusedExpired = new AtomicInteger();
        var fresh = new ConcurrentLinkedQueue<Hold>();
        var captured = new ConcurrentLinkedQueue<Hold>();
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            tasks.add(() -> {
                int settled = 0;
                for (int round = 0; round < 40; round++) {
                    try {
                        settled += ledger.sweepExpired(10);
                    } catch (RuntimeException e) {
                        errors.add("sweep: " + e);
                    }
                }
                return settled;
            });
        }
        for (int t = 0; t < 8; t++) {
            int thread = t;
            tasks.add(() -> {
                Random random = new Random(100 + thread);
                for (int i = 0; i < 60; i++) {
                    // an attempt to resolve an expired hold: refused whether or not a sweeper got there first
                    Hold old = expired.get(random.nextInt(expired.size()));
                    try {
                        if (random.nextBoolean()) ledger.capture(o.org(), old.id(), credits("0.5"), Actor.SYSTEM);
                        else ledger.release(o.org(), old.id(), Actor.SYSTEM);
                        errors.add("resolved expired hold " + old.id());
                    } catch (ApiException e) {
                        if (e.code().equals("hold_expired") || e.code().equals("hold_resolved")) {
                            refusedExpired.incrementAndGet();
                        } else {
                            errors.add("resolve expired: " + e.code() + " " + e.getMessage());
                        }
                    } catch (RuntimeException e) {
                        errors.add("resolve expired: " + e);
                    }
                    // new work on the same workspaces, which locks the same accounts as the sweepers
                    WorkspaceId ws =
                            o.workspaces().get(random.nextInt(o.workspaces().size()));
                    try {
                        Hold h = ledger.hold(new HoldRequest(
                                o.org(), ws, null, credits("2"), Category.CHAT, "m", null, Actor.SYSTEM));
                        fresh.add(h);
                        if (random.nextBoolean()) {
                            ledger.capture(o.org(), h.id(), credits("1.25"), Actor.SYSTEM);
                            captured.add(h);
                        }
                    } catch (InsufficientCredits refused) {
                        // a spend limit: fine
                    } catch (RuntimeException e) {
                        errors.add("hold/capture on " + ws + ": " + e);
                    }
                }
                return 0;
            });
        }
        int settled = concurrently(tasks.size(), tasks).stream()
                .mapToInt(Integer::intValue)
                .sum();
        while (true) {
            int n = ledger.sweepExpired(100);
            if (n == 0) break;
            settled += n;
        }

        assertThat(errors).as("unexpected outcomes").isEmpty();
        assertThat(refusedExpired.get()).isEqualTo(8 * 60);
        assertThat(settled).isEqualTo(expired.size());
        for (Hold h : expired) {
            assertThat(ledger.find(o.org(), h.id()).status()).isEqualTo("expired");
        }
        Map<String, Long> returns = returnsPerHold(o);
        for (Hold h : expired) assertThat(returns.get(h.id().value())).isEqualTo(1L);
        var inv = reports.invariant(o.org());
        assertThat(inv.holds()).as(inv.toString()).isTrue();
        long open = fresh.stream().mapToLong(h -> h.amount().micros()).sum() - 2_000_000L * captured.size();
        assertThat(inv.openHolds().micros()).isEqualTo(open);
        assertThat(inv.spent().micros()).isEqualTo(1_250_000L * captured.size());
    }

    @Test
    void aCaptureAfterExpiryAnswers409HoldExpiredAndLeavesTheLedgerUnchanged() {
        drainHolds(clock, ledger);
        MixedOrg o = MixedOrg.create(fixtures, admin, "Sweep Late", "10000", "1000");
        WorkspaceId budget = o.workspaces().get(4);
        WorkspaceId limited = o.workspaces().get(3);
        Hold a = ledger.hold(new HoldRequest(
                o.org(), budget, null, credits("40"), Category.IMAGE, "m", Duration.ofSeconds(1), Actor.SYSTEM));
        Hold b = ledger.hold(new HoldRequest(
                o.org(), limited, o.owner(), credits("30"), Category.CHAT, "m", Duration.ofSeconds(1), Actor.SYSTEM));
        clock.advance(Duration.ofSeconds(1)); // expires_at <= now: expired at the very instant

        var entries =
                reports.entries(o.org(), null, new PageRequest(1000, null)).data();
        var before = balances(jdbc, o.org());
        var countersBefore = counters(jdbc, o.org());
        var overviewBefore = reports.overview(o.org());

        assertThatThrownBy(() -> ledger.capture(o.org(), a.id(), credits("10"), Actor.SYSTEM))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(409);
                    assertThat(e.code()).isEqualTo("hold_expired");
                });
        assertThatThrownBy(() -> ledger.release(o.org(), b.id(), Actor.SYSTEM))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.code()).isEqualTo("hold_expired"));
        var api = fixtures.api().as(o.tenant().owner().token());
        var http = api.post(o.tenant().ws(budget.value()) + "/holds/" + a.id() + "/capture", Map.of("amount", "10"));
        assertThat(http.status()).as(http.toString()).isEqualTo(409);
        assertThat(http.text("code")).isEqualTo("hold_expired");

        assertThat(reports.entries(o.org(), null, new PageRequest(1000, null)).data())
                .isEqualTo(entries);
        assertThat(balances(jdbc, o.org())).isEqualTo(before);
        assertThat(counters(jdbc, o.org())).isEqualTo(countersBefore);
        assertThat(reports.overview(o.org())).isEqualTo(overviewBefore);
        assertThat(ledger.find(o.org(), a.id()).status()).isEqualTo("held");

        assertThat(ledger.sweepExpired(100)).isEqualTo(2);
        assertThat(ledger.find(o.org(), a.id()).status()).isEqualTo("expired");
        assertThatThrownBy(() -> ledger.capture(o.org(), a.id(), credits("10"), Actor.SYSTEM))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.code()).isEqualTo("hold_resolved"));
        var after = balances(jdbc, o.org());
        assertThat(after.get("budget:" + budget)).isEqualTo(before.get("budget:" + budget) + 40_000_000L);
        assertThat(after.get("pool")).isEqualTo(before.get("pool") + 30_000_000L);
        assertThat(after).doesNotContainKeys("held:" + budget, "held:" + limited);
        assertInvariant(reports, o.org());
    }

    /**
     * A crash: the gateway recorded a stream's progress on its hold, then nobody settled it. At
     * expiry the sweeper captures what was recorded (never above the hold) with a {@code partial}
     * usage event, returns the rest, and voids a hold with nothing recorded.
     */
    @Test
    void anExpiredHoldWithRecordedProgressIsCapturedForItWithAPartialUsageEvent() {
        drainHolds(clock, ledger);
        MixedOrg o = MixedOrg.create(fixtures, admin, "Sweep Progress", "10000", "1000");
        WorkspaceId pool = o.workspaces().get(0);
        WorkspaceId budget = o.workspaces().get(4);
        Hold relayed = ledger.hold(new HoldRequest(
                o.org(),
                pool,
                o.owner(),
                credits("20"),
                Category.CHAT,
                "demo/chat",
                Duration.ofSeconds(5),
                Actor.SYSTEM));
        Hold beyond = ledger.hold(new HoldRequest(
                o.org(), budget, null, credits("3"), Category.CHAT, "demo/chat", Duration.ofSeconds(5), Actor.SYSTEM));
        Hold nothing = ledger.hold(new HoldRequest(
                o.org(), pool, null, credits("4"), Category.CHAT, "demo/chat", Duration.ofSeconds(5), Actor.SYSTEM));
        String detail = """
                {"key":null,"model":"demo/chat","provider":"demo","category":"chat","operation":"chat",                "input_units":12,"output_units":40,"latency_ms":900,"request_id":"req_crashed"}""";
        ledger.recordProgress(o.org(), relayed.id(), credits("2.5"), detail);
        ledger.recordProgress(o.org(), relayed.id(), credits("7.5"), detail); // the latest write counts
        ledger.recordProgress(o.org(), beyond.id(), credits("9"), detail); // never above the hold
        var before = balances(jdbc, o.org());

        clock.advance(Duration.ofSeconds(5));
        assertThat(ledger.sweepExpired(100)).isEqualTo(3);

        Hold a = ledger.find(o.org(), relayed.id());
        assertThat(a.status()).isEqualTo("expired");
        assertThat(a.captured()).isEqualTo(credits("7.5"));
        assertThat(ledger.find(o.org(), beyond.id()).captured()).isEqualTo(credits("3"));
        assertThat(ledger.find(o.org(), nothing.id()).captured()).isEqualTo(credits("0"));
        var after = balances(jdbc, o.org());
        assertThat(after.get("spent:" + pool + ":chat")).isEqualTo(7_500_000L);
        assertThat(after.get("spent:" + budget + ":chat")).isEqualTo(3_000_000L);
        assertThat(after.get("pool")).isEqualTo(before.get("pool") + 12_500_000L + 4_000_000L);
        assertThat(after.get("budget:" + budget)).isEqualTo(before.get("budget:" + budget));
        var events = jdbc.sql("SELECT hold_id, status, credits, input_units, output_units, model, request_id, user_id"
                        + " FROM usage_events WHERE org_id = :org ORDER BY credits")
                .param("org", o.org().value())
                .query((rs, n) -> List.of(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getLong(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getString(6),
                        rs.getString(7),
                        String.valueOf(rs.getString(8))))
                .list();
        assertThat(events)
                .containsExactly(
                        List.of(
                                beyond.id().value(),
                                "partial",
                                3_000_000L,
                                12L,
                                40L,
                                "demo/chat",
                                "req_crashed",
                                "null"),
                        List.of(
                                relayed.id().value(),
                                "partial",
                                7_500_000L,
                                12L,
                                40L,
                                "demo/chat",
                                "req_crashed",
                                o.owner().value()));
        assertThatThrownBy(() -> ledger.capture(o.org(), relayed.id(), credits("1"), Actor.SYSTEM))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.code()).isEqualTo("hold_resolved"));
        ledger.recordProgress(o.org(), relayed.id(), credits("19"), detail); // too late: changes nothing
        assertThat(ledger.sweepExpired(100)).isZero();
        assertThat(ledger.find(o.org(), relayed.id()).captured()).isEqualTo(credits("7.5"));
        assertInvariant(reports, o.org());
    }
}
