package dev.atrium.ledger;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.PlanMoves;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * LEDGER-SIM: the real ledger, driven through its facades by seeded random operations (grants with
 * and without expiry, allocations, reclaims, transfers, holds, captures, voids, funding changes,
 * archiving and deleting workspaces, time passing, grant expiry, the sweeper, refills), is compared
 * after every operation with {@link ReferenceLedger}: the outcome (admitted, or refused with which
 * code) and every account balance and spend counter; grant lots, holds, the overview and the
 * conservation invariant at intervals.
 *
 * <p>Default: 3 seeds x 10,000 operations. {@code -Datrium.heavy=true}: 10 random seeds x 100,000.
 * {@code -Datrium.sim.seed=N} replays one seed (a failure prints it), {@code -Datrium.sim.seeds=K}
 * runs K random seeds, {@code -Datrium.sim.ops=N} sets the operations per seed.
 */
@LedgerIntegrationTest
class LedgerSimulationTest extends LedgerTestBase {
    private static final boolean HEAVY = Boolean.getBoolean("atrium.heavy");
    private static final int OPS = Integer.getInteger("atrium.sim.ops", HEAVY ? 100_000 : 10_000);
    /** Sim time of seed 0: a Monday, so week starts are easy to read in a trace. */
    private static final Instant EPOCH = Instant.parse("2031-01-06T00:00:00Z");

    @Autowired
    PlanMoves plans;

    @Autowired
    MutableClock clock;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    static List<Long> seeds() {
        String one = System.getProperty("atrium.sim.seed");
        if (one != null && !one.isBlank()) return List.of(Long.parseLong(one.trim()));
        Integer count = Integer.getInteger("atrium.sim.seeds");
        if (count == null && !HEAVY) return List.of(1L, 2L, 3L);
        Random fresh = new Random();
        return LongStream.generate(() -> fresh.nextInt(1_000_000_000))
                .limit(count == null ? 10 : count)
                .boxed()
                .toList();
    }

    @TestFactory
    Stream<DynamicTest> theLedgerAgreesWithTheReferenceModelAfterEveryOperation() {
        return seeds().stream().map(seed -> dynamicTest("seed " + seed, () -> new Run(seed, OPS).run()));
    }

    /** One seeded run against a fresh organization. */
    private final class Run {
        private final long seed;
        private final int ops;
        private final Random random;
        private final ArrayDeque<String> trace = new ArrayDeque<>();
        private final Map<String, Integer> stats = new TreeMap<>();
        private final List<String> holdIds = new ArrayList<>();
        private final List<String> openIds = new ArrayList<>();
        private final List<UserId> users = new ArrayList<>();
        private Fixtures.Tenant tenant;
        private OrgId org;
        private ReferenceLedger model;
        private ModelComparison compare;
        private int step;
        private String op = "setup";

        Run(long seed, int ops) {
            this.seed = seed;
            this.ops = ops;
            this.random = new Random(seed);
        }

        void run() {
            long started = System.nanoTime();
            // The sweeper is global: settle every open hold anywhere before moving time back.
            LedgerTestSupport.drainHolds(clock, ledger);
            Instant start = EPOCH.plus(Duration.ofDays(random.nextInt(400))).plusSeconds(random.nextInt(86_400));
            clock.set(start);
            model = new ReferenceLedger(start);
            tenant = fixtures.tenant("Sim " + seed);
            org = new OrgId(tenant.orgId());
            compare = new ModelComparison(jdbc, reports, org, model);
            model.addWorkspace(tenant.primaryWorkspaceId(), true);
            for (int i = 0; i < 9; i++) newWorkspace();
            users.add(new UserId(tenant.owner().userId()));
            users.add(UserId.next());
            users.add(UserId.next());
            for (String ws : List.copyOf(model.workspaces.keySet())) {
                if (random.nextInt(3) > 0) setFunding(ws, randomFunding(random.nextBoolean()));
            }
            grant(Credits.parse("2000").micros(), null);

            long checking = 0;
            for (step = 1; step <= ops; step++) {
                next();
                long t = System.nanoTime();
                compareBalances();
                if (step % 1000 == 0) compareEverything();
                checking += System.nanoTime() - t;
            }
            long checkingMillis = checking / 1_000_000;
            step = ops + 1;
            op = "final settlement";
            clock.advance(Duration.ofHours(25));
            model.now = clock.instant();
            sweep(100_000);
            expireDue();
            compareBalances();
            compareEverything();
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf(
                    "LEDGER-SIM seed %d: %d operations in %d ms (%d ms comparing); %s%n",
                    seed, ops, millis, checkingMillis, stats);
        }

        // ---- the operations ----------------------------------------------------------------------

        private void next() {
            int pick = random.nextInt(1000);
            if (pick < 340) hold();
            else if (pick < 510) resolve(true);
            else if (pick < 580) resolve(false);
            else if (pick < 605) grantOrSpend();
            else if (pick < 675) allocate();
            else if (pick < 725) reclaim();
            else if (pick < 775) transfer();
            else if (pick < 800) setFunding(anyWorkspace(), randomFunding(random.nextInt(5) > 0));
            else if (pick < 880) advanceTime();
            else if (pick < 920) expireDue();
            else if (pick < 960) sweep(random.nextInt(4) == 0 ? 10_000 : 1 + random.nextInt(8));
            else if (pick < 975) refill();
            else if (pick < 979) invalid();
            else if (pick < 997) captureAtTheEdge();
            else if (pick < 999) lifecycle(random.nextBoolean() ? "archive" : "unarchive");
            else lifecycle("delete");
        }

        private void hold() {
            String ws = random.nextInt(50) == 0 ? anyWorkspace() : activeWorkspace();
            UserId user = random.nextInt(3) == 0 ? null : users.get(random.nextInt(users.size()));
            long amount =
                    random.nextInt(10) == 0 ? 1 + random.nextInt(1000) : amount(1, random.nextInt(3) == 0 ? 200 : 20);
            Category category = Category.values()[random.nextInt(3)];
            Duration ttl = switch (random.nextInt(6)) {
                case 0 -> null;
                case 1 -> Duration.ofSeconds(1 + random.nextInt(5));
                case 2 -> Duration.ofMinutes(1 + random.nextInt(120));
                case 3 -> Duration.ofHours(1 + random.nextInt(24));
                default -> Duration.ofSeconds(1 + random.nextInt(900));
            };
            holdWith(new ReferenceLedger.HoldAsk(ws, user == null ? null : user.value(), amount, category, ttl));
        }

        private void holdWith(ReferenceLedger.HoldAsk ask) {
            op = "hold " + ask;
            HoldRequest request = new HoldRequest(
                    org,
                    new WorkspaceId(ask.ws()),
                    ask.user() == null ? null : new UserId(ask.user()),
                    Credits.ofMicros(ask.amount()),
                    ask.category(),
                    "sim",
                    ask.ttl(),
                    Actor.SYSTEM);
            var outcome = attempt(eitherPath(() -> ledger.hold(request), () -> ledger.holdInTransaction(request)));
            String id = outcome.value() == null ? null : outcome.value().id().value();
            String expected = model.hold(ask, id);
            agree(expected, outcome);
            if (id != null) {
                holdIds.add(id);
                openIds.add(id);
                Hold h = outcome.value();
                var m = model.holds.get(id);
                check(h.status().equals("held") && h.amount().micros() == m.amount, "hold returned " + h);
                check(h.expiresAt().equals(m.expiresAt), "expires_at " + h.expiresAt() + ", model " + m.expiresAt);
                check(h.createdAt().equals(model.now), "created_at " + h.createdAt());
            }
        }

        /** Capture or void a hold: mostly an open one, sometimes one already resolved or expired. */
        private void resolve(boolean capture) {
            String id = pickHold();
            if (id == null) {
                hold();
                return;
            }
            var h = model.holds.get(id);
            Long amount = null;
            if (capture) {
                int shape = random.nextInt(20);
                amount = shape == 0
                        ? h.amount + 1 + random.nextInt(1000)
                        : shape < 5 ? h.amount : shape < 7 ? 0L : (long) (random.nextDouble() * (h.amount + 1));
                if (amount > h.amount && shape != 0) amount = h.amount;
            }
            resolveWith(id, amount);
        }

        private void resolveWith(String id, @Nullable Long amount) {
            op = (amount == null ? "void " : "capture " + amount + " of ") + id;
            HoldId hold = new HoldId(id);
            var outcome = attempt(eitherPath(
                    () -> amount == null
                            ? ledger.release(org, hold, Actor.SYSTEM)
                            : ledger.capture(org, hold, Credits.ofMicros(amount), Actor.SYSTEM),
                    () -> amount == null
                            ? ledger.releaseInTransaction(org, hold, Actor.SYSTEM)
                            : ledger.captureInTransaction(org, hold, Credits.ofMicros(amount), Actor.SYSTEM)));
            agree(model.resolve(id, amount), outcome);
            if (outcome.value() != null) {
                Hold h = outcome.value();
                var m = model.holds.get(id);
                check(
                        h.status().equals(m.status)
                                && Objects.equals(
                                        h.captured() == null
                                                ? null
                                                : h.captured().micros(),
                                        m.captured),
                        "resolved hold " + h + ", model " + m.status + " " + m.captured);
            }
        }

        /** A capture at exactly the expiry instant (refused) or just before it (admitted). */
        private void captureAtTheEdge() {
            String id = pickHold();
            if (id == null) return;
            var h = model.holds.get(id);
            if (!h.open() || !h.expiresAt.isAfter(model.now)) {
                resolveWith(id, random.nextBoolean() ? null : 0L);
                return;
            }
            Duration gap = Duration.between(model.now, h.expiresAt);
            clock.advance(random.nextBoolean() ? gap : gap.minusNanos(1_000));
            model.now = clock.instant();
            resolveWith(id, random.nextBoolean() ? null : h.amount / 2);
        }

        private void grant(long amount, @Nullable Instant expiresAt) {
            grantWith(amount, "purchase", expiresAt);
        }

        private void grantWith(long amount, String kind, @Nullable Instant expiresAt) {
            op = "grant " + amount + " " + kind + " expiring " + expiresAt;
            var outcome =
                    attempt(() -> admin.grant(org, Credits.ofMicros(amount), kind, expiresAt, null, Actor.SYSTEM));
            String id = outcome.value() == null ? null : outcome.value().id().value();
            agree(model.grant(amount, kind, expiresAt, id), outcome);
            if (id != null) compareLots();
        }

        /** A grant, unless the pool is already rich: then a hold, so long runs stay short of credits. */
        private void grantOrSpend() {
            if (model.pool > 3_000_000_000L && random.nextInt(4) > 0) hold();
            else grant(amount(1, 400), expiry());
        }

        private @Nullable Instant expiry() {
            return switch (random.nextInt(4)) {
                case 0, 1 -> null;
                case 2 -> model.now.plusSeconds(1 + random.nextInt(3600));
                default -> model.now.plusSeconds(3600 + random.nextInt(20 * 86_400));
            };
        }

        private void allocate() {
            String ws = budgetWorkspaceMostly();
            long amount = amount(1, 300);
            op = "allocate " + amount + " to " + ws;
            var outcome = attempt(() -> {
                admin.allocate(org, new WorkspaceId(ws), Credits.ofMicros(amount), Actor.SYSTEM);
                return Boolean.TRUE;
            });
            agree(model.allocate(ws, amount), outcome);
        }

        private void reclaim() {
            String ws = budgetWorkspaceMostly();
            var w = model.workspaces.get(ws);
            long amount = random.nextInt(4) == 0 && w.budget > 0 ? w.budget : amount(1, 300);
            op = "reclaim " + amount + " from " + ws;
            var outcome = attempt(() -> {
                admin.reclaim(org, new WorkspaceId(ws), Credits.ofMicros(amount), Actor.SYSTEM);
                return Boolean.TRUE;
            });
            agree(model.reclaim(ws, amount), outcome);
        }

        private void transfer() {
            String from = budgetWorkspaceMostly();
            String to = random.nextInt(30) == 0 ? from : budgetWorkspaceMostly();
            var w = model.workspaces.get(from);
            long amount = random.nextInt(4) == 0 && w.budget > 0 ? w.budget : amount(1, 200);
            op = "transfer " + amount + " from " + from + " to " + to;
            var outcome = attempt(() -> {
                admin.transfer(org, new WorkspaceId(from), new WorkspaceId(to), Credits.ofMicros(amount), Actor.SYSTEM);
                return Boolean.TRUE;
            });
            agree(model.transfer(from, to, amount), outcome);
        }

        private void setFunding(String ws, Funding next) {
            op = "set funding of " + ws + " to " + next;
            var outcome = attempt(() -> admin.setFunding(org, new WorkspaceId(ws), next, Actor.SYSTEM));
            agree(model.setFunding(ws, next), outcome);
            if (outcome.value() != null) {
                check(admin.funding(org, new WorkspaceId(ws)).equals(next), "funding read back differs");
            }
        }

        private Funding randomFunding(boolean valid) {
            boolean budget = random.nextBoolean();
            Funding.Limit limit = random.nextInt(3) == 0 ? limit(50, 2000) : null;
            Funding.Limit member = random.nextInt(4) == 0 ? limit(10, 400) : null;
            boolean overflow = budget && random.nextBoolean();
            Funding.Refill refill = null;
            if (budget && random.nextInt(3) == 0) {
                Period p = Period.values()[random.nextInt(3)];
                refill = random.nextBoolean()
                        ? new Funding.Refill(p, Credits.ofMicros(amount(50, 800)), null)
                        : new Funding.Refill(p, null, Credits.ofMicros(amount(20, 300)));
            }
            if (!valid && !budget) overflow = true; // pool mode with overflow: refused
            return new Funding(budget ? Funding.Mode.BUDGET : Funding.Mode.POOL, limit, member, overflow, refill);
        }

        private Funding.Limit limit(int min, int max) {
            return new Funding.Limit(Credits.ofMicros(amount(min, max)), Period.values()[random.nextInt(3)]);
        }

        private void advanceTime() {
            int shape = random.nextInt(100);
            Duration by = shape < 80
                    ? Duration.ofSeconds(1 + random.nextInt(300))
                    : shape < 97
                            ? Duration.ofMinutes(1 + random.nextInt(12 * 60))
                            : Duration.ofHours(24 + random.nextInt(8 * 24));
            op = "advance time by " + by;
            clock.advance(by);
            model.now = clock.instant();
            count("advance ok");
        }

        private void expireDue() {
            op = "expire due grants";
            String before = model.expiryState();
            var outcome = attempt(() -> admin.expireDue(org));
            long expected = model.expireDue();
            agree(null, outcome);
            check(
                    outcome.value() == expected,
                    "expired " + outcome.value() + ", model " + expected + "; before: " + before);
            compareLots();
        }

        private void sweep(int limit) {
            op = "sweep " + limit;
            List<ReferenceLedger.MHold> candidates = model.expiredOpen();
            var outcome = attempt(() -> ledger.sweepExpired(limit));
            agree(null, outcome);
            int expected = Math.min(limit, candidates.size());
            check(outcome.value() == expected, "swept " + outcome.value() + ", model " + expected);
            Set<String> stillOpen = compare.openHoldIds();
            // Holds with the same expiry may be swept in any order: take the set the sweeper chose,
            // after checking it is a prefix of the expiry order.
            Instant lastSwept = null;
            Instant firstLeft = null;
            List<ReferenceLedger.MHold> swept = new ArrayList<>();
            for (var h : candidates) {
                if (stillOpen.contains(h.id)) {
                    if (firstLeft == null) firstLeft = h.expiresAt;
                } else {
                    swept.add(h);
                    lastSwept = h.expiresAt;
                }
            }
            check(swept.size() == expected, "swept holds " + swept.size() + ", model " + expected);
            check(
                    lastSwept == null || firstLeft == null || !lastSwept.isAfter(firstLeft),
                    "swept a hold expiring " + lastSwept + " before one expiring " + firstLeft);
            swept.forEach(model::sweep);
        }

        private void refill() {
            op = "refill";
            var outcome = attempt(() -> plans.refill(org));
            int expected = model.refill();
            agree(null, outcome);
            check(outcome.value() == expected, "refilled " + outcome.value() + ", model " + expected);
        }

        /** Requests the ledger must refuse without a trace. */
        private void invalid() {
            switch (random.nextInt(7)) {
                case 0 -> grantWith(0, "purchase", null);
                case 1 -> grantWith(amount(1, 10), "gift", null);
                case 2 -> grantWith(amount(1, 10), "promotional", model.now);
                case 3 ->
                    holdWith(new ReferenceLedger.HoldAsk(
                            activeWorkspace(),
                            null,
                            1_000_000,
                            Category.CHAT,
                            random.nextBoolean() ? Duration.ZERO : Duration.ofHours(25)));
                case 4 -> {
                    String id = pickHold();
                    if (id != null) resolveWith(id, -1L);
                }
                case 5 ->
                    setFunding(tenant.primaryWorkspaceId(), new Funding(Funding.Mode.BUDGET, null, null, false, null));
                default -> {
                    op = "allocate 0";
                    String ws = budgetWorkspaceMostly();
                    var outcome = attempt(() -> {
                        admin.allocate(org, new WorkspaceId(ws), Credits.ZERO, Actor.SYSTEM);
                        return Boolean.TRUE;
                    });
                    agree(model.allocate(ws, 0), outcome);
                }
            }
        }

        /** Archive, unarchive or delete a workspace through the API; a deleted one is replaced. */
        private void lifecycle(String action) {
            String ws = random.nextInt(10) == 0 ? tenant.primaryWorkspaceId() : anyWorkspace();
            op = action + " " + ws;
            Api api = fixtures.api().as(tenant.owner().token());
            var response =
                    action.equals("delete") ? api.delete(tenant.ws(ws)) : api.post(tenant.ws(ws) + "/" + action, null);
            int expected = model.lifecycle(ws, action);
            check(response.status() == expected, "HTTP " + response + ", model " + expected);
            count(action + " " + response.status());
            if (action.equals("delete") && expected == 200) {
                newWorkspace();
                // holds on the deleted workspace are refused; its open ones still resolve
                holdWith(new ReferenceLedger.HoldAsk(ws, null, 1, Category.CHAT, null));
            }
        }

        private void newWorkspace() {
            String id = fixtures.workspace(tenant, "sim ws " + model.workspaces.size());
            model.addWorkspace(id, false);
        }

        // ---- picking -------------------------------------------------------------------------------

        private long amount(int minCredits, int maxCredits) {
            long min = minCredits * 1_000_000L;
            long max = maxCredits * 1_000_000L;
            long micros = min + (long) (random.nextDouble() * (max - min));
            // mostly round amounts, sometimes down to the micro-credit
            return random.nextInt(3) == 0 ? micros : Math.max(1_000_000L, micros / 1_000_000L * 1_000_000L);
        }

        private String anyWorkspace() {
            List<String> live = model.workspaces.values().stream()
                    .filter(w -> !w.status.equals("deleted"))
                    .map(w -> w.id)
                    .toList();
            return live.get(random.nextInt(live.size()));
        }

        private String activeWorkspace() {
            List<String> active = model.workspaces.values().stream()
                    .filter(ReferenceLedger.Ws::active)
                    .map(w -> w.id)
                    .toList();
            return active.get(random.nextInt(active.size()));
        }

        private String budgetWorkspaceMostly() {
            if (random.nextInt(15) == 0) return anyWorkspace();
            List<String> budget = model.workspaces.values().stream()
                    .filter(w -> w.budgetMode() && !w.status.equals("deleted"))
                    .map(w -> w.id)
                    .toList();
            return budget.isEmpty() ? anyWorkspace() : budget.get(random.nextInt(budget.size()));
        }

        /** Mostly a recent hold (open more often than not), sometimes any hold ever placed. */
        /** Mostly an open hold, sometimes a recent one (open or not), sometimes any hold ever placed. */
        private @Nullable String pickHold() {
            if (holdIds.isEmpty()) return null;
            if (random.nextInt(4) > 0) {
                while (!openIds.isEmpty()) {
                    int i = random.nextInt(openIds.size());
                    String id = openIds.get(i);
                    var h = model.holds.get(id);
                    // an expired one (not yet swept) only now and then: most resolutions should land
                    if (h.open() && (h.expiresAt.isAfter(model.now) || random.nextInt(3) == 0)) return id;
                    if (h.open()) continue;
                    openIds.set(i, openIds.getLast());
                    openIds.removeLast();
                }
            }
            int n = holdIds.size();
            int window = Math.min(n, 30);
            return random.nextInt(4) == 0
                    ? holdIds.get(random.nextInt(n))
                    : holdIds.get(n - 1 - random.nextInt(window));
        }

        // ---- comparing -----------------------------------------------------------------------------

        private record Outcome<T>(
                @Nullable T value, @Nullable String code) {}

        /**
         * A third of the holds, captures and voids join a transaction of the caller's ({@code
         * joining}), the rest go the combining path ({@code combined}): both must match the model.
         */
        private <T> Supplier<T> eitherPath(Supplier<T> combined, Supplier<T> joining) {
            if (random.nextInt(3) != 0) return combined;
            op += " [in a transaction]";
            return () -> new TransactionTemplate(transactions).execute(tx -> joining.get());
        }

        private <T> Outcome<T> attempt(Supplier<T> action) {
            try {
                return new Outcome<>(action.get(), null);
            } catch (ApiException e) {
                return new Outcome<>(null, e.code());
            } catch (RuntimeException e) {
                throw failure("threw " + e, e);
            }
        }

        private void agree(@Nullable String expected, Outcome<?> actual) {
            String kind = op.split(" ")[0];
            count(kind + " " + (actual.code() == null ? "ok" : actual.code()));
            if (!Objects.equals(expected, actual.code())) {
                throw failure(
                        "the ledger answered " + (actual.code() == null ? "ok" : actual.code()) + ", the model "
                                + (expected == null ? "ok" : expected),
                        null);
            }
            trace.addLast("#" + step + " " + op + " -> " + (expected == null ? "ok" : expected));
            if (trace.size() > 40) trace.removeFirst();
        }

        private void check(boolean condition, String message) {
            if (!condition) throw failure(message, null);
        }

        private void mismatch(@Nullable String difference) {
            if (difference != null) throw failure(difference, null);
        }

        private void compareBalances() {
            mismatch(compare.balances());
        }

        private void compareLots() {
            mismatch(compare.lots());
        }

        private void compareEverything() {
            mismatch(compare.holds());
            mismatch(compare.reports());
        }

        private void count(String what) {
            stats.merge(what, 1, Integer::sum);
        }

        private AssertionError failure(String message, @Nullable Throwable cause) {
            StringBuilder s = new StringBuilder();
            s.append("LEDGER-SIM seed ")
                    .append(seed)
                    .append(" failed at operation #")
                    .append(step)
                    .append(" (")
                    .append(op)
                    .append(") at ")
                    .append(model == null ? "?" : model.now)
                    .append(": ")
                    .append(message)
                    .append("\nReplay: ./mvnw test -Dtest=LedgerSimulationTest -Datrium.sim.seed=")
                    .append(seed)
                    .append(" -Datrium.sim.ops=")
                    .append(ops)
                    .append("\nLast operations:\n  ")
                    .append(String.join("\n  ", trace));
            System.out.println(s);
            return new AssertionError(s.toString(), cause);
        }
    }
}
