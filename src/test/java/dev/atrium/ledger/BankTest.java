package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.counters;
import static dev.atrium.ledger.LedgerTestSupport.countersFromHolds;
import static dev.atrium.ledger.LedgerTestSupport.drainHolds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.PlanMoves;
import dev.atrium.support.MutableClock;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * BANK: 32 threads move credits at random (hold, capture, void, allocate, reclaim, transfer,
 * grant) across ten workspaces funded every way, while time passes, the sweeper settles expired
 * holds and due grants expire. Refusals are expected; any other failure (a deadlock, a constraint
 * violation) is not. Afterwards, and at random moments during the run, the books balance to the
 * micro-credit.
 */
@LedgerIntegrationTest
class BankTest extends LedgerTestBase {
    private static final long SEED = Long.getLong("atrium.bank.seed", 20261128L);
    private static final int THREADS = 32;
    private static final int OPS_PER_THREAD = Integer.getInteger("atrium.bank.ops", 300);

    @Autowired
    org.springframework.transaction.PlatformTransactionManager transactions;

    /**
     * A third of the ledger calls join a transaction of the caller's ({@code joining}), the rest
     * are combined in batches ({@code combined}).
     */
    private <T> T either(
            Random random, java.util.function.Supplier<T> combined, java.util.function.Supplier<T> joining) {
        if (random.nextInt(3) == 0) {
            return new org.springframework.transaction.support.TransactionTemplate(transactions)
                    .execute(tx -> joining.get());
        }
        return combined.get();
    }

    @Autowired
    PlanMoves plans;

    @Autowired
    MutableClock clock;

    @Autowired
    JdbcClient jdbc;

    /** What the tellers did, for the final reconciliation. */
    private static final class Books {
        final ConcurrentHashMap<HoldId, Hold> open = new ConcurrentHashMap<>();
        final AtomicReferenceArray<Hold> recent = new AtomicReferenceArray<>(256);
        final AtomicInteger placed = new AtomicInteger();
        final AtomicLong granted = new AtomicLong();
        final AtomicLong captured = new AtomicLong();
        final LongAdder swept = new LongAdder();
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        void count(String op, String outcome) {
            outcomes.computeIfAbsent(op + " " + outcome, k -> new LongAdder()).increment();
        }

        Hold anyRecent(Random random) {
            int n = Math.min(placed.get(), recent.length());
            return n == 0 ? null : recent.get(random.nextInt(n));
        }
    }

    @Test
    void thirtyTwoTellersMovingCreditsAtRandomKeepTheBooksBalanced() throws Exception {
        drainHolds(clock, ledger);
        MixedOrg o = MixedOrg.create(fixtures, admin, "Bank", "10000", "800");
        Books books = new Books();
        books.granted.set(Credits.parse("10000").micros());

        List<Callable<Void>> tellers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(SEED * 31 + t);
            int teller = t;
            tellers.add(() -> {
                for (int i = 0; i < OPS_PER_THREAD; i++) step(o, books, random, "teller " + teller + " op " + i);
                return null;
            });
        }
        long started = System.nanoTime();
        concurrently(THREADS, tellers);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf(
                "BANK seed %d: %d ops on %d threads in %d ms; outcomes %s%n",
                SEED, THREADS * OPS_PER_THREAD, THREADS, millis, new TreeMap<>(books.outcomes));

        assertThat(books.unexpected)
                .as("failures other than refusals (seed " + SEED + ")")
                .isEmpty();
        var inv = reports.invariant(o.org());
        assertThat(inv.holds()).as(inv.toString()).isTrue();
        assertThat(inv.granted().micros()).isEqualTo(books.granted.get());
        assertThat(inv.spent().micros()).isEqualTo(books.captured.get());
        assertThat(inv.openHolds().micros())
                .as("open holds: placed, neither captured, voided nor swept")
                .isLessThanOrEqualTo(books.open.values().stream()
                        .mapToLong(h -> h.amount().micros())
                        .sum());
        assertNoNegativeBalance(o.org());
        assertLimitsAndBudgetsRespected(o);
        assertThat(counters(jdbc, o.org())).isEqualTo(countersFromHolds(jdbc, o.org()));

        // Settle what is still open: what is held returns, and the books still balance.
        for (Hold h : books.open.values()) {
            try {
                ledger.release(o.org(), h.id(), Actor.SYSTEM);
            } catch (ApiException e) {
                assertThat(e.code()).isIn("hold_resolved", "hold_expired"); // swept, or expired
            }
        }
        clock.advance(Duration.ofHours(2));
        while (ledger.sweepExpired(200) > 0) {
            // the rest expired
        }
        var settled = reports.invariant(o.org());
        assertThat(settled.holds()).as(settled.toString()).isTrue();
        assertThat(settled.held().micros()).isZero();
        assertThat(settled.spent().micros()).isEqualTo(books.captured.get());
        assertThat(settled.pool().micros()
                        + settled.budgets().micros()
                        + settled.expired().micros())
                .isEqualTo(books.granted.get() - books.captured.get());
        assertThat(counters(jdbc, o.org()))
                .as("spend counters = what the holds captured, once all are settled")
                .isEqualTo(countersFromHolds(jdbc, o.org()));
    }

    @Test
    void leavingBudgetModeWhileCreditsArriveLeavesNothingBehindInTheBudget() throws Exception {
        var t = fixtures.tenant("Bank Switch");
        OrgId org = new OrgId(t.orgId());
        admin.grant(org, Credits.parse("100000"), "purchase", null, null, Actor.SYSTEM);
        var failures = new ConcurrentLinkedQueue<String>();
        for (int round = 0; round < 20; round++) {
            WorkspaceId ws = new WorkspaceId(fixtures.workspace(t, "switch " + round));
            WorkspaceId other = new WorkspaceId(fixtures.workspace(t, "source " + round));
            admin.setFunding(org, ws, MixedOrg.budget(false), Actor.SYSTEM);
            admin.setFunding(org, other, MixedOrg.budget(false), Actor.SYSTEM);
            admin.allocate(org, ws, Credits.parse("100"), Actor.SYSTEM);
            admin.allocate(org, other, Credits.parse("1000"), Actor.SYSTEM);
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int n = i;
                tasks.add(() -> {
                    try {
                        if (n == 5) admin.setFunding(org, ws, Funding.POOL, Actor.SYSTEM);
                        else if (n % 2 == 0) admin.allocate(org, ws, Credits.parse("10"), Actor.SYSTEM);
                        else admin.transfer(org, other, ws, Credits.parse("10"), Actor.SYSTEM);
                    } catch (ApiException e) {
                        if (!e.code().equals("not_budget_funded"))
                            failures.add(n + ": " + e.code() + " " + e.getMessage());
                    } catch (RuntimeException e) {
                        failures.add(n + ": " + describe(e));
                    }
                    return null;
                });
            }
            concurrently(tasks.size(), tasks);
            if (admin.funding(org, ws).mode() == Funding.Mode.POOL) {
                long left = jdbc.sql(
                                "SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE org_id = :org AND id = :id")
                        .param("org", org.value())
                        .param("id", "budget:" + ws.value())
                        .query(Long.class)
                        .single();
                if (left != 0)
                    failures.add("round " + round + ": pool-funded " + ws + " kept " + left + " µcr in its budget");
            }
        }
        assertThat(failures).isEmpty();
        LedgerTestSupport.assertInvariant(reports, org);
    }

    @Test
    void refillsRacingAllocationsAndFundingChangesOnTheSameBudgetsNeitherDeadlockNorStrandCredits() throws Exception {
        var t = fixtures.tenant("Bank Refill");
        OrgId org = new OrgId(t.orgId());
        admin.grant(org, Credits.parse("1000000"), "purchase", null, null, Actor.SYSTEM);
        List<WorkspaceId> budgets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WorkspaceId ws = new WorkspaceId(fixtures.workspace(t, "refill " + i));
            admin.setFunding(
                    org,
                    ws,
                    new Funding(
                            Funding.Mode.BUDGET,
                            null,
                            null,
                            false,
                            new Funding.Refill(Period.DAY, null, Credits.parse("5"))),
                    Actor.SYSTEM);
            budgets.add(ws);
        }
        var failures = new ConcurrentLinkedQueue<String>();
        List<Callable<Void>> tasks = new ArrayList<>();
        tasks.add(() -> {
            for (int day = 0; day < 40; day++) {
                clock.advance(Duration.ofDays(1));
                try {
                    plans.refill(org);
                } catch (RuntimeException e) {
                    failures.add("refill: " + describe(e));
                }
            }
            return null;
        });
        for (int n = 0; n < 6; n++) {
            Random random = new Random(n);
            tasks.add(() -> {
                for (int i = 0; i < 60; i++) {
                    WorkspaceId ws = budgets.get(random.nextInt(budgets.size()));
                    try {
                        if (random.nextInt(10) == 0) {
                            admin.setFunding(org, ws, Funding.POOL, Actor.SYSTEM);
                            admin.setFunding(
                                    org,
                                    ws,
                                    new Funding(
                                            Funding.Mode.BUDGET,
                                            null,
                                            null,
                                            false,
                                            new Funding.Refill(Period.DAY, null, Credits.parse("5"))),
                                    Actor.SYSTEM);
                        } else {
                            admin.allocate(org, ws, Credits.parse("1"), Actor.SYSTEM);
                        }
                    } catch (ApiException e) {
                        if (!e.code().equals("not_budget_funded")) failures.add("allocate: " + e.code());
                    } catch (RuntimeException e) {
                        failures.add("allocate/switch " + ws + ": " + describe(e));
                    }
                }
                return null;
            });
        }
        concurrently(tasks.size(), tasks);
        assertThat(failures).isEmpty();
        LedgerTestSupport.assertInvariant(reports, org);
    }

    private void step(MixedOrg o, Books books, Random random, String where) {
        int pick = random.nextInt(100);
        int w = random.nextInt(o.workspaces().size());
        WorkspaceId ws = o.workspaces().get(w);
        String op = "?";
        try {
            if (pick < 37) {
                op = "hold";
                Credits amount = Credits.ofMicros(1 + random.nextLong(60_000_000L));
                int ttl = random.nextInt(10);
                WorkspaceId target = ws;
                HoldRequest request = new HoldRequest(
                        o.org(),
                        target,
                        random.nextBoolean() ? o.owner() : null,
                        amount,
                        Category.values()[random.nextInt(3)],
                        "m",
                        ttl < 2 ? Duration.ofSeconds(1 + random.nextInt(3)) : ttl < 4 ? Duration.ofHours(1) : null,
                        Actor.SYSTEM);
                Hold h = either(random, () -> ledger.hold(request), () -> ledger.holdInTransaction(request));
                books.open.put(h.id(), h);
                books.recent.set(books.placed.getAndIncrement() % books.recent.length(), h);
            } else if (pick < 57) {
                op = "capture";
                Hold h = books.anyRecent(random);
                if (h == null) return;
                long amount = random.nextInt(5) == 0
                        ? h.amount().micros()
                        : random.nextLong(h.amount().micros() + 1);
                either(
                        random,
                        () -> ledger.capture(o.org(), h.id(), Credits.ofMicros(amount), Actor.SYSTEM),
                        () -> ledger.captureInTransaction(o.org(), h.id(), Credits.ofMicros(amount), Actor.SYSTEM));
                books.captured.addAndGet(amount);
                books.open.remove(h.id());
            } else if (pick < 69) {
                op = "void";
                Hold h = books.anyRecent(random);
                if (h == null) return;
                either(
                        random,
                        () -> ledger.release(o.org(), h.id(), Actor.SYSTEM),
                        () -> ledger.releaseInTransaction(o.org(), h.id(), Actor.SYSTEM));
                books.open.remove(h.id());
            } else if (pick < 78) {
                op = "allocate";
                ws = budgetWorkspace(o, random);
                admin.allocate(o.org(), ws, Credits.ofMicros(1 + random.nextLong(300_000_000L)), Actor.SYSTEM);
            } else if (pick < 86) {
                op = "reclaim";
                ws = budgetWorkspace(o, random);
                admin.reclaim(o.org(), ws, Credits.ofMicros(1 + random.nextLong(300_000_000L)), Actor.SYSTEM);
            } else if (pick < 94) {
                op = "transfer";
                ws = budgetWorkspace(o, random);
                WorkspaceId to = budgetWorkspace(o, random);
                if (to.equals(ws)) return;
                admin.transfer(o.org(), ws, to, Credits.ofMicros(1 + random.nextLong(200_000_000L)), Actor.SYSTEM);
            } else if (pick < 97) {
                op = "grant";
                Credits amount = Credits.ofMicros(1 + random.nextLong(250_000_000L));
                int expiry = random.nextInt(3);
                admin.grant(
                        o.org(),
                        amount,
                        "purchase",
                        expiry == 0 ? null : clock.instant().plusSeconds(expiry == 1 ? 2 + random.nextInt(20) : 86_400),
                        null,
                        Actor.SYSTEM);
                books.granted.addAndGet(amount.micros());
            } else {
                // Beyond the seven operations: time passes, the sweeper and grant expiry run meanwhile.
                switch (random.nextInt(4)) {
                    case 0 -> {
                        op = "tick";
                        clock.advance(Duration.ofSeconds(1));
                    }
                    case 1 -> {
                        op = "sweep";
                        books.swept.add(ledger.sweepExpired(1 + random.nextInt(20)));
                    }
                    case 2 -> {
                        op = "expire";
                        admin.expireDue(o.org());
                    }
                    default -> {
                        op = "invariant";
                        var inv = reports.invariant(o.org());
                        if (!inv.holds()) books.unexpected.add(where + ": invariant broken mid-run: " + inv);
                    }
                }
            }
            books.count(op, "ok");
        } catch (InsufficientCredits refused) {
            books.count(op, "insufficient_credits");
        } catch (ApiException e) {
            if (e.code().equals("hold_resolved") || e.code().equals("hold_expired")) {
                books.count(op, e.code());
            } else {
                books.unexpected.add(where + ": " + op + " on " + ws + " ("
                        + o.fundings().get(w) + ") answered " + e.code() + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            books.unexpected.add(where + ": " + op + " on " + ws + " failed with " + describe(e));
        }
    }

    private static WorkspaceId budgetWorkspace(MixedOrg o, Random random) {
        while (true) {
            int w = random.nextInt(o.workspaces().size());
            if (o.budget(w)) return o.workspaces().get(w);
        }
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof SQLException sql)
                s.append(" [SQLState ").append(sql.getSQLState()).append(']');
        }
        return s.toString();
    }

    private void assertNoNegativeBalance(OrgId org) {
        long negative = jdbc.sql(
                        "SELECT count(*) FROM ledger_accounts WHERE org_id = :org AND kind <> 'grants' AND balance < 0")
                .param("org", org.value())
                .query(Long.class)
                .single();
        assertThat(negative).isZero();
    }

    /** No spend counter above its cap; a budget without overflow never drew on the pool. */
    private void assertLimitsAndBudgetsRespected(MixedOrg o) {
        var used = counters(jdbc, o.org());
        for (int w = 0; w < o.workspaces().size(); w++) {
            Funding f = o.fundings().get(w);
            String ws = o.workspaces().get(w).value();
            for (var e : used.entrySet()) {
                if (f.spendLimit() != null && e.getKey().startsWith("workspace/" + ws + "/")) {
                    assertThat(e.getValue())
                            .as(e.getKey())
                            .isLessThanOrEqualTo(f.spendLimit().amount().micros());
                }
                if (f.memberSpendLimit() != null && e.getKey().startsWith("member/" + ws + "/")) {
                    assertThat(e.getValue())
                            .as(e.getKey())
                            .isLessThanOrEqualTo(f.memberSpendLimit().amount().micros());
                }
            }
            if (f.mode() == Funding.Mode.BUDGET && !f.overflowToPool()) {
                long fromPool = jdbc.sql(
                                "SELECT count(*) FROM holds WHERE org_id = :org AND workspace_id = :ws AND source_account = 'pool'")
                        .param("org", o.org().value())
                        .param("ws", ws)
                        .query(Long.class)
                        .single();
                assertThat(fromPool)
                        .as("pool-sourced holds of budget workspace " + ws)
                        .isZero();
            }
        }
    }
}
