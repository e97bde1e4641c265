package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.CounterKey;
import dev.atrium.ledger.internal.decide.Effects;
import dev.atrium.ledger.internal.decide.HoldRow;
import dev.atrium.ledger.internal.decide.LeaseRow;
import dev.atrium.ledger.internal.decide.MapState;
import dev.atrium.ledger.internal.decide.Operation;
import dev.atrium.ledger.internal.decide.Operation.Resolution;
import dev.atrium.ledger.internal.decide.Outcome;
import dev.atrium.ledger.internal.decide.Rules;
import dev.atrium.ledger.internal.decide.Transfer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * RULES-PROPERTY: {@link Rules} — the one function every ledger path decides holds and settlements
 * with — checked without a database against {@link ReferenceLedger}, the model the ledger
 * simulation compares the real ledger with. Each of 10,000 seeded sequences sets up workspaces
 * (pool or budget funded, with or without overflow, workspace and member spend limits), then runs
 * holds, captures, voids, expiries with and without recorded progress, second resolutions,
 * captures above the hold and negative ones, with time passing, limits changing, budgets moving
 * and workspaces archived and deleted between them; and credit leases: grown by holds decided for
 * them, captured from by calls (within what they hold, beyond it, after they closed, twice under
 * one reservation, for nothing, for a negative amount) and given back in parts or closed. After every step: the same outcome (admitted,
 * or refused with the same code), the same balances and spend counters, the journal entries the
 * rules promise, conservation (every account sums to zero with {@code grants}), no balance below
 * zero but grants', every limit a hold counted on within its cap, a hold and a reservation
 * resolved once, and no lease giving out more than it was granted.
 *
 * <p>{@code -Datrium.rules.sequences=N} runs N sequences; {@code -Datrium.rules.seed=S} starts
 * from seed S (a failure prints the seed of its sequence).
 */
class DecisionRulesPropertyTest {
    private static final int SEQUENCES = Integer.getInteger("atrium.rules.sequences", 10_000);
    private static final long FIRST_SEED = Long.getLong("atrium.rules.seed", 1L);
    private static final Instant EPOCH = Instant.parse("2031-01-06T00:00:00Z");
    private static final long CREDIT = 1_000_000L;
    private static final Actor ACTOR = new Actor("user", "usr_property");

    @Test
    void theRulesAgreeWithTheReferenceModelAfterEveryStep() {
        Map<String, Integer> stats = new TreeMap<>();
        for (int i = 0; i < SEQUENCES; i++) new Sequence(FIRST_SEED + i, stats).run();
        System.out.println("RULES-PROPERTY: " + SEQUENCES + " sequences; " + stats);
        // The sequences reach every rule, not only the easy ones.
        assertThat(stats)
                .containsKeys(
                        "hold ok",
                        "hold insufficient_credits",
                        "hold not_found",
                        "hold workspace_archived",
                        "capture ok",
                        "capture hold_resolved",
                        "capture hold_expired",
                        "capture capture_exceeds_hold",
                        "capture validation_failed",
                        "capture not_found",
                        "void ok",
                        "void hold_resolved",
                        "expire ok",
                        "expire hold_open",
                        "expire hold_resolved",
                        "deletion_return",
                        "lease grow ok",
                        "lease capture ok",
                        "lease capture after lease",
                        "lease capture hold_resolved",
                        "lease capture insufficient_credits",
                        "lease capture validation_failed",
                        "lease give-back ok",
                        "lease give-back lease_closed",
                        "lease deletion_return");
        assertThat(stats.get("hold ok")).isGreaterThan(SEQUENCES * 5);
    }

    /** One seeded sequence on a fresh organization. */
    private static final class Sequence {
        private final long seed;
        private final Random random;
        private final Map<String, Integer> stats;
        private final ArrayDeque<String> trace = new ArrayDeque<>();
        private final OrgId org;
        private final ReferenceLedger model;
        private final MapState state = new MapState(new TreeMap<>(), new TreeMap<>());
        private final List<String> workspaces = new ArrayList<>();
        private final List<UserId> users = new ArrayList<>();
        private final List<String> holdIds = new ArrayList<>();
        private final List<String> leaseIds = new ArrayList<>();
        private final List<String> reservations = new ArrayList<>();
        private int step;
        private String op = "setup";

        Sequence(long seed, Map<String, Integer> stats) {
            this.seed = seed;
            this.random = new Random(seed);
            this.stats = stats;
            this.org = new OrgId(id("org_"));
            // Sometimes just before a period ends, so that limits roll over within the sequence.
            Instant start = EPOCH.plus(Duration.ofDays(random.nextInt(90)));
            this.model = new ReferenceLedger(
                    random.nextBoolean()
                            ? start.plusSeconds(random.nextInt(86_400))
                            : start.minusSeconds(1 + random.nextInt(600)));
        }

        void run() {
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                model.grant(amount(100, 3000), "purchase", null, id("grant_"));
            }
            for (int i = 2 + random.nextInt(4); i > 0; i--) {
                String ws = id("ws_");
                workspaces.add(ws);
                model.addWorkspace(ws, false);
                model.setFunding(ws, funding());
                if (model.workspaces.get(ws).budgetMode() && random.nextInt(4) > 0) {
                    model.allocate(ws, Math.min(model.pool, amount(1, 800)));
                }
            }
            if (random.nextInt(4) == 0) model.lifecycle(workspaces.getFirst(), "archive");
            for (int i = 0; i < 3; i++) users.add(new UserId(id("usr_")));
            sync();
            int steps = 20 + random.nextInt(60);
            for (step = 1; step <= steps; step++) {
                next();
                compare();
                if (random.nextInt(3) == 0) {
                    leaseStep();
                    compare();
                }
            }
        }

        // ---- the steps ------------------------------------------------------------------------

        private void next() {
            int pick = random.nextInt(100);
            if (pick < 36) hold();
            else if (pick < 56) resolve(Resolution.CAPTURE);
            else if (pick < 66) resolve(Resolution.VOID);
            else if (pick < 74) expire();
            else if (pick < 85) advance();
            else if (pick < 90) admin("set funding", () -> model.setFunding(anyWorkspace(), funding()));
            else if (pick < 93) admin("allocate", () -> model.allocate(anyWorkspace(), amount(1, 300)));
            else if (pick < 95) admin("reclaim", () -> model.reclaim(anyWorkspace(), amount(1, 300)));
            else if (pick < 96) admin("grant", () -> model.grant(amount(1, 500), "purchase", null, id("grant_")));
            else if (pick < 99) {
                String action = random.nextBoolean() ? "archive" : "unarchive";
                admin(action, () -> model.lifecycle(anyWorkspace(), action) == 200 ? null : "refused");
            } else {
                admin("delete", () -> model.lifecycle(anyWorkspace(), "delete") == 200 ? null : "refused");
            }
        }

        private void hold() {
            String ws = random.nextInt(40) == 0 ? id("ws_") : anyWorkspace();
            UserId user = random.nextInt(3) == 0 ? null : users.get(random.nextInt(users.size()));
            long amount = holdAmount(ws, user);
            Category category = Category.values()[random.nextInt(3)];
            Duration ttl = Duration.ofSeconds(1 + random.nextInt(random.nextBoolean() ? 120 : 7200));
            op = "hold " + amount + " in " + ws + " by " + user + " for " + ttl;
            var w = model.workspaces.get(ws);
            Operation.Standing standing = w == null || w.status.equals("deleted")
                    ? Operation.Standing.MISSING
                    : w.active() ? Operation.Standing.ACTIVE : Operation.Standing.ARCHIVED;
            var reserve = Operation.Reserve.of(
                    new HoldRequest(
                            org, new WorkspaceId(ws), user, Credits.ofMicros(amount), category, "sim", ttl, ACTOR),
                    new HoldId(id("hold_")),
                    standing,
                    w == null ? null : w.funding,
                    model.now,
                    model.now.plus(ttl));
            reserve.counters().forEach(k -> state.counters().putIfAbsent(k, 0L));
            reserve.accounts().forEach(k -> state.balances().putIfAbsent(k, 0L));
            Outcome outcome = Rules.decide(reserve, state);
            String id = outcome instanceof Outcome.Decided ? reserve.id().value() : null;
            agree(
                    "hold",
                    model.hold(
                            new ReferenceLedger.HoldAsk(ws, user == null ? null : user.value(), amount, category, ttl),
                            id),
                    outcome);
            if (!(outcome instanceof Outcome.Decided d)) return;
            holdIds.add(id);
            var m = model.holds.get(id);
            Effects e = d.effects();
            check(e.created() && d.hold().status().equals("held"), "a new hold is created held");
            check(d.hold().amount().micros() == amount, "held " + d.hold().amount());
            check(
                    d.hold().expiresAt().equals(m.expiresAt)
                            && d.hold().createdAt().equals(model.now),
                    "hold times");
            sameRow(id);
            expectTransfers(e, List.of(entry(m.source, "held:" + ws, amount, "hold", null)));
            for (Operation.Cap cap : java.util.stream.Stream.of(reserve.workspaceLimit(), reserve.memberLimit())
                    .filter(Objects::nonNull)
                    .toList()) {
                check(e.counterDeltas().get(cap.counter()) == amount, "the hold counts on " + cap.counter());
                check(state.used(cap.counter()) <= cap.cap(), "a hold admitted beyond the limit " + cap);
            }
        }

        /** A capture or void: mostly of an open hold, sometimes of one resolved or expired, or unknown. */
        private void resolve(Resolution resolution) {
            String id = pickHold();
            Long amount = null;
            if (resolution == Resolution.CAPTURE) {
                long held = model.holds.containsKey(id) ? model.holds.get(id).amount : CREDIT;
                int shape = random.nextInt(40);
                amount = shape == 0
                        ? -1L - random.nextInt(5)
                        : shape < 3
                                ? held + 1 + random.nextInt(1000)
                                : shape < 10 ? held : shape < 13 ? 0L : (long) (random.nextDouble() * (held + 1));
            }
            String kind = resolution == Resolution.CAPTURE ? "capture" : "void";
            op = kind + " " + (amount == null ? "" : amount + " of ") + id;
            boolean wasOpen = model.holds.containsKey(id) && model.holds.get(id).open();
            Outcome outcome = decideResolution(id, resolution, amount == null ? 0 : amount);
            agree(kind, model.resolve(id, amount), outcome);
            if (outcome instanceof Outcome.Decided d) {
                check(wasOpen, "a hold resolved twice");
                settled(d, model.holds.get(id), kind.equals("capture") ? "release" : "void", null);
            }
        }

        /** The sweeper's expiry: of an expired open hold with its recorded progress, or refused. */
        private void expire() {
            List<ReferenceLedger.MHold> due = model.expiredOpen();
            ReferenceLedger.MHold h;
            if (due.isEmpty() || random.nextInt(6) == 0) {
                String id = pickHold();
                h = model.holds.get(id);
                if (h == null) return;
            } else {
                h = due.get(random.nextInt(due.size()));
            }
            long recorded = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> h.amount + random.nextInt(1000);
                default -> (long) (random.nextDouble() * h.amount);
            };
            op = "expire " + h.id + " with " + recorded + " recorded";
            String expected = !h.open() ? "hold_resolved" : h.expiresAt.isAfter(model.now) ? "hold_open" : null;
            Outcome outcome = decideResolution(h.id, Resolution.EXPIRE, recorded);
            if (expected == null) model.sweep(h, recorded);
            agree("expire", expected, outcome);
            if (outcome instanceof Outcome.Decided d) settled(d, h, "void", "hold expired");
        }

        private Outcome decideResolution(String id, Resolution resolution, long amount) {
            HoldRow row = state.hold(org, new HoldId(id));
            if (row != null) {
                // What the batch path locks for it: its counters and accounts, and the pool.
                row.counters().forEach(k -> state.counters().putIfAbsent(k, 0L));
                row.accounts().forEach(k -> state.balances().putIfAbsent(k, 0L));
                state.balances().putIfAbsent(AccountKey.of(org, Account.POOL), 0L);
            }
            return Rules.decide(
                    new Operation.Resolve(org, new HoldId(id), resolution, amount, ACTOR, model.now), state);
        }

        /** Checks a decided settlement of {@code m} (the model's hold, as settled) and its journal entries. */
        private void settled(Outcome.Decided d, ReferenceLedger.MHold m, String restKind, @Nullable String note) {
            Hold h = d.hold();
            check(!d.effects().created(), "a settlement creates no hold");
            check(
                    h.status().equals(m.status)
                            && h.captured() != null
                            && h.captured().micros() == Objects.requireNonNull(m.captured)
                            && model.now.equals(h.resolvedAt()),
                    "settled " + h + ", model " + m.status + " " + m.captured);
            sameRow(m.id);
            long captured = m.captured;
            long rest = m.amount - captured;
            String ws = m.ws.id;
            List<String> expected = new ArrayList<>();
            if (rest > 0) {
                expected.add(entry("held:" + ws, m.source, rest, restKind, note));
                if (m.source.startsWith("budget:") && m.ws.status.equals("deleted")) {
                    expected.add(entry(m.source, "pool", rest, "deletion_return", null));
                    count("deletion_return");
                }
            }
            if (captured > 0)
                expected.add(entry("held:" + ws, "spent:" + ws + ":" + m.category.wire(), captured, "capture", note));
            expectTransfers(d.effects(), expected);
        }

        private void advance() {
            List<ReferenceLedger.MHold> open = model.holds.values().stream()
                    .filter(h -> h.open() && h.expiresAt.isAfter(model.now))
                    .toList();
            if (!open.isEmpty() && random.nextInt(3) == 0) {
                // To a hold's very expiry (it is then expired), or a micro-second before it (it is not).
                Instant expiry = open.get(random.nextInt(open.size())).expiresAt;
                model.now = random.nextBoolean() ? expiry : expiry.minusNanos(1_000);
                op = "advance to " + model.now;
                trace("ok");
                return;
            }
            int shape = random.nextInt(10);
            Duration by = shape < 6
                    ? Duration.ofSeconds(1 + random.nextInt(300))
                    : shape < 9 ? Duration.ofMinutes(1 + random.nextInt(600)) : Duration.ofDays(1 + random.nextInt(10));
            op = "advance " + by;
            model.now = model.now.plus(by);
            trace("ok");
        }

        /** A change made outside the rules (funding, budgets, lifecycle): applied to the model, then mirrored. */
        private void admin(String what, java.util.function.Supplier<@Nullable String> change) {
            op = what;
            String refused = change.get();
            trace(refused == null ? "ok" : refused);
            sync();
        }

        // ---- credit leases ------------------------------------------------------------------------

        private void leaseStep() {
            int pick = random.nextInt(10);
            if (pick < 3 || leaseIds.isEmpty()) growLease();
            else if (pick < 8) captureFromLease();
            else giveBack();
        }

        /** A hold decided for a lease on a workspace's path (no overflow: a lease draws on one account). */
        private void growLease() {
            String ws = anyWorkspace();
            var w = model.workspaces.get(ws);
            if (w.funding.overflowToPool()) return;
            UserId user = random.nextInt(3) == 0 ? null : users.get(random.nextInt(users.size()));
            long amount = holdAmount(ws, user);
            Duration ttl = Duration.ofMinutes(2);
            op = "grow a lease by " + amount + " in " + ws + " for " + user;
            Operation.Standing standing = w.status.equals("deleted")
                    ? Operation.Standing.MISSING
                    : w.active() ? Operation.Standing.ACTIVE : Operation.Standing.ARCHIVED;
            var reserve = Operation.Reserve.of(
                    new HoldRequest(
                            org, new WorkspaceId(ws), user, Credits.ofMicros(amount), Category.CHAT, null, ttl, ACTOR),
                    new HoldId(id("hold_")),
                    standing,
                    w.funding,
                    model.now,
                    model.now.plus(ttl));
            reserve.counters().forEach(k -> state.counters().putIfAbsent(k, 0L));
            reserve.accounts().forEach(k -> state.balances().putIfAbsent(k, 0L));
            Outcome outcome = Rules.decide(reserve, state);
            String hold = outcome instanceof Outcome.Decided ? reserve.id().value() : null;
            agree(
                    "lease grow",
                    model.hold(
                            new ReferenceLedger.HoldAsk(
                                    ws, user == null ? null : user.value(), amount, Category.CHAT, ttl),
                            hold),
                    outcome);
            if (hold == null) return;
            var h = model.holds.get(hold);
            // Grows an open lease on the same path, else opens one.
            String lease = leaseIds.stream()
                    .filter(id -> {
                        var l = model.leases.get(id);
                        return l.open
                                && l.ws == h.ws
                                && Objects.equals(l.user, h.user)
                                && l.source.equals(h.source)
                                && Objects.equals(l.wsPeriod, h.wsPeriod)
                                && Objects.equals(l.memberPeriod, h.memberPeriod);
                    })
                    .findFirst()
                    .orElseGet(() -> {
                        String id = id("lse_");
                        leaseIds.add(id);
                        return id;
                    });
            state.putLease(leaseRow(model.growLease(hold, lease)));
        }

        /** A call's charge on a lease: mostly within it, sometimes beyond, late, twice, nothing or negative. */
        private void captureFromLease() {
            String lease = random.nextInt(20) == 0 ? id("lse_") : leaseIds.get(random.nextInt(leaseIds.size()));
            var l = model.leases.get(lease);
            String ws = l == null ? anyWorkspace() : l.ws.id;
            UserId user = l == null || l.user == null ? null : new UserId(l.user);
            String reservation = !reservations.isEmpty() && random.nextInt(12) == 0
                    ? reservations.get(random.nextInt(reservations.size()))
                    : id("rsv_");
            long left = l == null ? CREDIT : Math.max(0, l.uncaptured());
            int shape = random.nextInt(40);
            long amount = shape == 0
                    ? -1L - random.nextInt(5)
                    : shape < 3
                            ? 0L
                            : shape < 8
                                    ? left + 1 + random.nextInt(1000)
                                    : shape < 12 ? left : 1 + (long) (random.nextDouble() * Math.max(left, 1));
            Category category = Category.values()[random.nextInt(3)];
            op = "capture " + amount + " from lease " + lease + " under " + reservation;
            boolean fromLease = l != null && l.open && l.uncaptured() >= amount;
            String source = l == null ? "pool" : l.source;
            state.balances().putIfAbsent(new AccountKey(org.value(), "held:" + ws), 0L);
            state.balances().putIfAbsent(new AccountKey(org.value(), "spent:" + ws + ":" + category.wire()), 0L);
            state.balances().putIfAbsent(new AccountKey(org.value(), source), 0L);
            Outcome outcome = Rules.decide(
                    new Operation.CaptureFromLease(
                            org, lease, reservation, new WorkspaceId(ws), user, category, amount, ACTOR, model.now),
                    state);
            agree(
                    "lease capture",
                    model.captureFromLease(
                            lease, reservation, ws, user == null ? null : user.value(), category, amount),
                    outcome);
            if (!(outcome instanceof Outcome.Decided d)) return;
            reservations.add(reservation);
            check(d.effects().hold() == null && !d.effects().created(), "a lease capture touches no hold");
            List<String> expected = new ArrayList<>();
            if (amount > 0) {
                String spent = "spent:" + ws + ":" + category.wire();
                if (fromLease) {
                    expected.add(entry("held:" + ws, spent, amount, "capture", "lease " + lease));
                } else {
                    expected.add(entry(source, spent, amount, "capture", "after lease " + lease));
                    count("lease capture after lease");
                }
            }
            expectTransfers(d.effects(), expected);
            check(d.effects().counterDeltas().isEmpty(), "a lease capture counts nothing anew");
            if (l != null) sameLease(lease);
            check(state.reservationResolved(org, reservation), "the reservation is resolved once decided");
        }

        /** A lease gives back a part of what it holds, or closes. */
        private void giveBack() {
            String lease = random.nextInt(20) == 0 ? id("lse_") : leaseIds.get(random.nextInt(leaseIds.size()));
            var l = model.leases.get(lease);
            boolean close = random.nextBoolean();
            long amount = l == null ? CREDIT : (long) (random.nextDouble() * 1.5 * Math.max(l.uncaptured(), 1));
            op = (close ? "close lease " : "give back " + amount + " of lease ") + lease;
            var row = state.lease(org, lease);
            if (row != null) {
                row.counters().forEach(k -> state.counters().putIfAbsent(k, 0L));
                state.balances()
                        .putIfAbsent(
                                new AccountKey(
                                        org.value(), "held:" + row.workspace().value()),
                                0L);
                state.balances().putIfAbsent(new AccountKey(org.value(), row.sourceAccount()), 0L);
                state.balances().putIfAbsent(AccountKey.of(org, Account.POOL), 0L);
            }
            long before = l == null ? 0 : l.uncaptured();
            Outcome outcome = Rules.decide(new Operation.GiveBack(org, lease, amount, close, model.now), state);
            agree("lease give-back", model.giveBack(lease, amount, close), outcome);
            if (!(outcome instanceof Outcome.Decided d)) return;
            long rest = close ? before : Math.min(amount, before);
            String ws = l.ws.id;
            List<String> expected = new ArrayList<>();
            if (rest > 0) {
                expected.add(entry("held:" + ws, l.source, rest, "release", "lease returned"));
                if (l.source.startsWith("budget:") && l.ws.status.equals("deleted")) {
                    expected.add(entry(l.source, "pool", rest, "deletion_return", "lease returned"));
                    count("lease deletion_return");
                }
            }
            expectTransfers(d.effects(), expected);
            sameLease(lease);
        }

        private LeaseRow leaseRow(ReferenceLedger.MLease l) {
            return new LeaseRow(
                    org,
                    l.id,
                    new WorkspaceId(l.ws.id),
                    l.user == null ? null : new UserId(l.user),
                    l.source,
                    l.amount,
                    l.captured,
                    l.returned,
                    l.open,
                    l.wsPeriod,
                    l.memberPeriod);
        }

        private void sameLease(String id) {
            LeaseRow row = Objects.requireNonNull(state.lease(org, id));
            LeaseRow expected = leaseRow(model.leases.get(id));
            check(row.equals(expected), "lease row " + row + ", model " + expected);
        }

        // ---- the state the rules decide against, mirrored from the model -------------------------

        /**
         * Mirrors the model into the state after a change the rules do not decide: balances,
         * counters (a new limit is recounted), the holds (their counted periods) and deletions.
         */
        private void sync() {
            state.balances().clear();
            model.balances().forEach((id, balance) -> state.putAccount(new AccountKey(org.value(), id), balance));
            state.counters().clear();
            model.counters.forEach((key, used) -> state.putCounter(counterKey(key), used));
            for (var h : model.holds.values()) state.putHold(row(h));
            for (var l : model.leases.values()) state.putLease(leaseRow(l));
            for (String r : model.chargedReservations) state.markResolved(org, r);
            for (var w : model.workspaces.values()) {
                if (w.status.equals("deleted")) state.markDeleted(org, new WorkspaceId(w.id));
            }
        }

        private CounterKey counterKey(String key) {
            String[] p = key.split("/", -1);
            return new CounterKey(org.value(), p[0], p[1], p[2], Instant.parse(p[3]));
        }

        private HoldRow row(ReferenceLedger.MHold h) {
            return new HoldRow(
                    org,
                    new Hold(
                            new HoldId(h.id),
                            new WorkspaceId(h.ws.id),
                            h.user == null ? null : new UserId(h.user),
                            h.status,
                            Credits.ofMicros(h.amount),
                            h.captured == null ? null : Credits.ofMicros(h.captured),
                            h.category,
                            "sim",
                            h.createdAt,
                            h.expiresAt,
                            h.resolvedAt),
                    h.source,
                    h.wsPeriod,
                    h.memberPeriod);
        }

        // ---- comparing ------------------------------------------------------------------------

        private void compare() {
            Map<String, Long> balances = new TreeMap<>();
            state.balances().forEach((k, v) -> {
                if (v != 0) balances.put(k.id(), v);
            });
            check(balances.equals(model.balances()), "balances " + balances + ", model " + model.balances());
            Map<String, Long> counters = new TreeMap<>();
            state.counters().forEach((k, v) -> {
                if (v != 0) counters.put(k.scope() + "/" + k.ws() + "/" + k.user() + "/" + k.period(), v);
            });
            check(
                    counters.equals(model.countersInUse()),
                    "spend counters " + counters + ", model " + model.countersInUse());
            long sum = 0;
            for (var e : balances.entrySet()) {
                check(e.getValue() >= 0 || e.getKey().equals("grants"), "below zero: " + e);
                sum += e.getValue();
            }
            check(sum == 0, "credits created or lost: the accounts sum to " + sum);
            for (var l : model.leases.values()) {
                LeaseRow row = state.lease(org, l.id);
                check(row != null && row.uncaptured() >= 0, "a lease gave out more than it was granted: " + row);
            }
        }

        private void sameRow(String id) {
            HoldRow row = Objects.requireNonNull(state.hold(org, new HoldId(id)));
            check(row.equals(row(model.holds.get(id))), "hold row " + row + ", model " + row(model.holds.get(id)));
        }

        private static String entry(String debit, String credit, long amount, String kind, @Nullable String note) {
            return debit + " -> " + credit + " " + amount + " " + kind + (note == null ? "" : " (" + note + ")");
        }

        private void expectTransfers(Effects effects, List<String> expected) {
            List<String> actual = new ArrayList<>();
            for (Transfer t : effects.transfers()) {
                actual.add(entry(t.debit().id(), t.credit().id(), t.amount(), t.kind(), t.note()));
                check(t.at().equals(model.now) && t.org().equals(org.value()), "transfer " + t);
            }
            check(actual.equals(expected), "transfers " + actual + ", expected " + expected);
        }

        private void agree(String kind, @Nullable String expected, Outcome outcome) {
            String actual = switch (outcome) {
                case Outcome.Decided d -> null;
                case Outcome.Refused r -> r.refusal().code();
            };
            String shown = actual == null ? "ok" : actual;
            count(kind + " " + shown);
            trace(shown);
            check(
                    Objects.equals(expected, actual),
                    "the rules answered " + shown + ", the model " + (expected == null ? "ok" : expected));
        }

        private void check(boolean condition, String message) {
            if (condition) return;
            throw new AssertionError("RULES-PROPERTY seed " + seed + " failed at step " + step + " (" + op + ") at "
                    + model.now + ": " + message + "\nReplay: -Datrium.rules.seed=" + seed
                    + " -Datrium.rules.sequences=1\nLast steps:\n  " + String.join("\n  ", trace));
        }

        private void trace(String result) {
            trace.addLast("#" + step + " " + op + " -> " + result);
            if (trace.size() > 30) trace.removeFirst();
        }

        private void count(String what) {
            stats.merge(what, 1, Integer::sum);
        }

        // ---- picking --------------------------------------------------------------------------

        private String anyWorkspace() {
            return workspaces.get(random.nextInt(workspaces.size()));
        }

        /** Mostly an open hold, sometimes any hold, now and then one that does not exist. */
        private String pickHold() {
            if (holdIds.isEmpty() || random.nextInt(30) == 0) return id("hold_");
            if (random.nextInt(4) > 0) {
                List<String> open =
                        holdIds.stream().filter(h -> model.holds.get(h).open()).toList();
                if (!open.isEmpty()) return open.get(random.nextInt(open.size()));
            }
            return holdIds.get(random.nextInt(holdIds.size()));
        }

        /**
         * Around what the workspace could draw, so that holds are admitted and refused alike: often
         * exactly at an edge (what its budget, the pool or a limit's headroom allows, or one micro-credit
         * more).
         */
        private long holdAmount(String ws, @Nullable UserId user) {
            var w = model.workspaces.get(ws);
            List<Long> edges = new ArrayList<>(List.of(model.pool));
            if (w != null) {
                edges.add(w.budget);
                Funding f = w.funding;
                if (f.spendLimit() != null) {
                    String key =
                            "workspace/" + ws + "//" + f.spendLimit().period().start(model.now);
                    edges.add(f.spendLimit().amount().micros() - model.counters.getOrDefault(key, 0L));
                }
                if (f.memberSpendLimit() != null && user != null) {
                    String key = "member/" + ws + "/" + user.value() + "/"
                            + f.memberSpendLimit().period().start(model.now);
                    edges.add(f.memberSpendLimit().amount().micros() - model.counters.getOrDefault(key, 0L));
                }
            }
            long edge = edges.get(random.nextInt(edges.size()));
            return switch (random.nextInt(6)) {
                case 0 -> 1 + random.nextInt(1000);
                case 1 -> Math.max(1, edge);
                case 2 -> Math.max(1, edge + 1);
                default -> Math.max(1, (long) (random.nextDouble() * 1.3 * Math.max(edge, CREDIT) / 3));
            };
        }

        private long amount(int minCredits, int maxCredits) {
            return minCredits * CREDIT + (long) (random.nextDouble() * (maxCredits - minCredits) * CREDIT);
        }

        private Funding funding() {
            boolean budget = random.nextBoolean();
            Funding.Limit limit = random.nextInt(3) == 0 ? limit(20, 800) : null;
            Funding.Limit member = random.nextInt(3) == 0 ? limit(5, 300) : null;
            return new Funding(
                    budget ? Funding.Mode.BUDGET : Funding.Mode.POOL,
                    limit,
                    member,
                    budget && random.nextBoolean(),
                    null);
        }

        private Funding.Limit limit(int min, int max) {
            return new Funding.Limit(Credits.ofMicros(amount(min, max)), Period.values()[random.nextInt(3)]);
        }

        /** A well-formed id drawn from the sequence's own random, so that a seed replays exactly. */
        private String id(String prefix) {
            String alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
            StringBuilder s = new StringBuilder(prefix);
            for (int i = 0; i < 26; i++) s.append(alphabet.charAt(random.nextInt(32)));
            return s.toString();
        }
    }
}
