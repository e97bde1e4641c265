package dev.atrium.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The credit ledger as plain arithmetic, written from docs/domain.md and docs/credits.md and the rules documented on
 * {@link Ledger}, {@code internal.CreditMoves}, {@code internal.PlanMoves} and {@code internal.Lots}, for
 * {@link LedgerSimulationTest} to compare the real ledger against after every operation.
 *
 * <p>Each operation returns the refusal it expects ({@code null}: admitted) and changes the model
 * only when admitted. Amounts are micro-credits. Rules the model encodes:
 *
 * <ul>
 *   <li>A hold checks, in order: workspace exists, is active, TTL within (0, 24h], the
 *       workspace's spend limit, the member's limit, then takes the whole amount from its budget,
 *       or (overflow on, budget short) from the pool, or in pool mode from the pool. Limits count
 *       held plus captured credits in the period the hold was admitted in.
 *   <li>Capture and void resolve an open hold once, before it expires; what is not captured goes
 *       back to where it came from (the pool, once the workspace is deleted) and to the limits.
 *   <li>Spending (captures) consumes grant lots soonest expiry first, never-expiring last, ties by
 *       grant id. Open holds reserve credits of those same lots, in the same order.
 *   <li>{@code expireDue} expires, lot by lot in expiry order, what remains of each due grant
 *       beyond what open holds reserve of it, from the pool first, then from budgets largest
 *       first. The reserved part stays due: it expires at a later run once the holds release it.
 * </ul>
 */
final class ReferenceLedger {
    static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    static final Duration MAX_TTL = Duration.ofHours(24);

    /** A workspace as the ledger sees it. */
    static final class Ws {
        final String id;
        final boolean primary;
        Funding funding = Funding.POOL;
        String status = "active";
        long budget;
        long held;
        final Map<Category, Long> spent = new EnumMap<>(Category.class);

        Ws(String id, boolean primary) {
            this.id = id;
            this.primary = primary;
        }

        boolean active() {
            return status.equals("active");
        }

        boolean budgetMode() {
            return funding.mode() == Funding.Mode.BUDGET;
        }
    }

    static final class MHold {
        final String id;
        final Ws ws;
        final @Nullable String user;
        final long amount;
        final String source;
        final Category category;
        final Instant createdAt;
        final Instant expiresAt;

        @Nullable
        Instant wsPeriod;

        @Nullable
        Instant memberPeriod;

        String status = "held";

        @Nullable
        Instant resolvedAt;

        @Nullable
        Long captured;

        MHold(
                String id,
                Ws ws,
                @Nullable String user,
                long amount,
                String source,
                Category category,
                Instant createdAt,
                Instant expiresAt,
                @Nullable Instant wsPeriod,
                @Nullable Instant memberPeriod) {
            this.id = id;
            this.ws = ws;
            this.user = user;
            this.amount = amount;
            this.source = source;
            this.category = category;
            this.createdAt = createdAt;
            this.expiresAt = expiresAt;
            this.wsPeriod = wsPeriod;
            this.memberPeriod = memberPeriod;
        }

        boolean open() {
            return status.equals("held");
        }
    }

    /** A credit lease: a hold that stays open, captured from by many calls, given back in parts. */
    static final class MLease {
        final String id;
        final Ws ws;
        final @Nullable String user;
        final String source;

        @Nullable
        Instant wsPeriod;

        @Nullable
        Instant memberPeriod;

        long amount;
        long captured;
        long returned;
        boolean open = true;

        MLease(String id, MHold grownFrom) {
            this.id = id;
            this.ws = grownFrom.ws;
            this.user = grownFrom.user;
            this.source = grownFrom.source;
            this.wsPeriod = grownFrom.wsPeriod;
            this.memberPeriod = grownFrom.memberPeriod;
        }

        long uncaptured() {
            return amount - captured - returned;
        }
    }

    /** A call's charge captured from a lease (or, late, from its source): what a recount counts. */
    record LeaseCharge(Ws ws, @Nullable String user, long amount, Instant at) {}

    /** A grant lot: what is left of a grant, and what of it expired. */
    static final class Lot {
        final String id;
        final long amount;
        final @Nullable Instant expiresAt;
        long remaining;
        long expired;
        String status = "active";

        Lot(String id, long amount, @Nullable Instant expiresAt) {
            this.id = id;
            this.amount = amount;
            this.expiresAt = expiresAt;
            this.remaining = amount;
        }
    }

    /** Consumption order: soonest expiry first, never-expiring last, then grant id. */
    static final Comparator<Lot> CONSUMPTION = Comparator.comparing(
                    (Lot l) -> l.expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(l -> l.id);

    /** The hold a request asks for. */
    record HoldAsk(
            String ws,
            @Nullable String user,
            long amount,
            Category category,
            @Nullable Duration ttl) {}

    Instant now;
    long pool;
    long expired;
    long granted;
    final Map<String, Ws> workspaces = new LinkedHashMap<>();
    final Map<String, MHold> holds = new LinkedHashMap<>();
    final Map<String, Long> counters = new HashMap<>();
    final Map<String, Lot> lots = new LinkedHashMap<>();
    final Set<String> refillRuns = new HashSet<>();
    final Map<String, MLease> leases = new LinkedHashMap<>();
    final Set<String> chargedReservations = new HashSet<>();
    final List<LeaseCharge> leaseCharges = new ArrayList<>();

    ReferenceLedger(Instant now) {
        this.now = now;
    }

    Ws addWorkspace(String id, boolean primary) {
        Ws ws = new Ws(id, primary);
        workspaces.put(id, ws);
        return ws;
    }

    private @Nullable Ws live(String id) {
        Ws w = workspaces.get(id);
        return w == null || w.status.equals("deleted") ? null : w;
    }

    private static String counterKey(String scope, String ws, String user, Instant period) {
        return scope + "/" + ws + "/" + user + "/" + period;
    }

    private long used(String key) {
        return counters.getOrDefault(key, 0L);
    }

    // ---- holds ----------------------------------------------------------------------------

    /** The expected outcome of a hold; when admitted, books it under {@code id}. */
    @Nullable
    String hold(HoldAsk r, @Nullable String id) {
        Ws w = live(r.ws());
        if (w == null) return "not_found";
        if (!w.active()) return "workspace_archived";
        Duration ttl = r.ttl() == null ? DEFAULT_TTL : r.ttl();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) return "validation_failed";
        Funding f = w.funding;
        String wsKey = null;
        Instant wsPeriod = null;
        if (f.spendLimit() != null) {
            wsPeriod = f.spendLimit().period().start(now);
            wsKey = counterKey("workspace", w.id, "", wsPeriod);
            if (used(wsKey) + r.amount() > f.spendLimit().amount().micros()) return "insufficient_credits";
        }
        String memberKey = null;
        Instant memberPeriod = null;
        if (f.memberSpendLimit() != null && r.user() != null) {
            memberPeriod = f.memberSpendLimit().period().start(now);
            memberKey = counterKey("member", w.id, r.user(), memberPeriod);
            if (used(memberKey) + r.amount() > f.memberSpendLimit().amount().micros()) return "insufficient_credits";
        }
        String source;
        if (f.mode() == Funding.Mode.BUDGET && w.budget >= r.amount()) {
            source = "budget:" + w.id;
        } else if ((f.mode() == Funding.Mode.POOL || f.overflowToPool()) && pool >= r.amount()) {
            source = "pool";
        } else {
            return "insufficient_credits";
        }
        if (id == null) return null; // admitted here, refused there: the caller reports it
        if (wsKey != null) counters.merge(wsKey, r.amount(), Long::sum);
        if (memberKey != null) counters.merge(memberKey, r.amount(), Long::sum);
        if (source.equals("pool")) pool -= r.amount();
        else w.budget -= r.amount();
        w.held += r.amount();
        holds.put(
                id,
                new MHold(
                        id, w, r.user(), r.amount(), source, r.category(), now, now.plus(ttl), wsPeriod, memberPeriod));
        return null;
    }

    /** Capture ({@code amount} not null) or void; the expected outcome. */
    @Nullable
    String resolve(String holdId, @Nullable Long amount) {
        if (amount != null && amount < 0) return "validation_failed";
        MHold h = holds.get(holdId);
        if (h == null) return "not_found";
        long captured = amount == null ? 0 : amount;
        if (!h.open()) return "hold_resolved";
        if (!h.expiresAt.isAfter(now)) return "hold_expired";
        if (captured > h.amount) return "capture_exceeds_hold";
        settle(h, captured, amount == null ? "voided" : "captured");
        return null;
    }

    /** Open holds whose TTL has run out, in the order a sweeper takes them. */
    List<MHold> expiredOpen() {
        return holds.values().stream()
                .filter(h -> h.open() && !h.expiresAt.isAfter(now))
                .sorted(Comparator.comparing(h -> h.expiresAt))
                .toList();
    }

    void sweep(MHold h) {
        sweep(h, 0);
    }

    /**
     * The sweeper settles an expired open hold: it captures the progress its caller recorded on it
     * ({@code recorded}, never more than the hold) and returns the rest.
     */
    void sweep(MHold h, long recorded) {
        if (!h.open() || h.expiresAt.isAfter(now)) throw new IllegalStateException("not sweepable: " + h.id);
        settle(h, Math.min(recorded, h.amount), "expired");
    }

    private void settle(MHold h, long captured, String status) {
        long rest = h.amount - captured;
        if (rest > 0) {
            if (h.wsPeriod != null) {
                counters.merge(counterKey("workspace", h.ws.id, "", h.wsPeriod), -rest, Long::sum);
            }
            if (h.memberPeriod != null && h.user != null) {
                counters.merge(counterKey("member", h.ws.id, h.user, h.memberPeriod), -rest, Long::sum);
            }
            if (h.source.equals("pool") || h.ws.status.equals("deleted")) pool += rest;
            else h.ws.budget += rest;
        }
        h.ws.held -= h.amount;
        if (captured > 0) {
            h.ws.spent.merge(h.category, captured, Long::sum);
            consume(captured);
        }
        h.status = status;
        h.captured = captured;
        h.resolvedAt = now;
    }

    // ---- credit leases ------------------------------------------------------------------------

    /**
     * A lease takes or grows by a hold admitted for it (what growing a lease decides): the hold's
     * credits stay in {@code held} and its counters keep counting them, now as the lease's.
     */
    MLease growLease(String holdId, String leaseId) {
        MHold h = holds.remove(holdId);
        if (h == null || !h.open()) throw new IllegalStateException("no open hold " + holdId);
        MLease l = leases.computeIfAbsent(leaseId, id -> new MLease(id, h));
        if (l.ws != h.ws || !l.source.equals(h.source) || !java.util.Objects.equals(l.user, h.user))
            throw new IllegalStateException("a lease grows on its own path");
        l.amount += h.amount;
        return l;
    }

    /**
     * A call's charge on a lease under its reservation id; the expected outcome. From what the lease
     * holds while open and enough; else from the lease's source (the pool for an unknown lease) when
     * that has the credits. A reservation is charged once.
     */
    @Nullable
    String captureFromLease(
            String leaseId, String reservation, String ws, @Nullable String user, Category c, long amount) {
        if (amount < 0) return "validation_failed";
        if (chargedReservations.contains(reservation)) return "hold_resolved";
        MLease l = leases.get(leaseId);
        Ws w = workspaces.get(ws);
        if (amount > 0) {
            if (l != null && l.open && l.uncaptured() >= amount) {
                l.captured += amount;
                w.held -= amount;
            } else {
                String source = l == null ? "pool" : l.source;
                Ws budgetOf = source.equals("pool") ? null : workspaces.get(source.substring("budget:".length()));
                long balance = budgetOf == null ? pool : budgetOf.budget;
                if (balance < amount) return "insufficient_credits";
                if (budgetOf == null) pool -= amount;
                else budgetOf.budget -= amount;
            }
            w.spent.merge(c, amount, Long::sum);
            consume(amount);
            leaseCharges.add(new LeaseCharge(w, user, amount, now));
        }
        chargedReservations.add(reservation);
        return null;
    }

    /** A lease gives back up to {@code amount} (all with {@code close}); the expected outcome. */
    @Nullable
    String giveBack(String leaseId, long amount, boolean close) {
        MLease l = leases.get(leaseId);
        if (l == null || !l.open) return "lease_closed";
        long rest = close ? l.uncaptured() : Math.min(amount, l.uncaptured());
        if (rest > 0) {
            List<String> keys = new ArrayList<>(2);
            if (l.wsPeriod != null) keys.add(counterKey("workspace", l.ws.id, "", l.wsPeriod));
            if (l.memberPeriod != null && l.user != null)
                keys.add(counterKey("member", l.ws.id, l.user, l.memberPeriod));
            for (String key : keys) {
                long back = Math.min(rest, Math.max(0, used(key)));
                if (back > 0) counters.merge(key, -back, Long::sum);
            }
            l.ws.held -= rest;
            if (l.source.equals("pool") || l.ws.status.equals("deleted")) pool += rest;
            else l.ws.budget += rest;
        }
        l.returned += rest;
        if (close) l.open = false;
        return null;
    }

    private List<Lot> consumptionOrder() {
        List<Lot> order = new ArrayList<>(lots.values());
        order.sort(CONSUMPTION);
        return order;
    }

    private void consume(long amount) {
        long left = amount;
        for (Lot lot : consumptionOrder()) {
            if (left == 0) break;
            long take = Math.min(left, lot.remaining);
            lot.remaining -= take;
            left -= take;
        }
        if (left != 0) throw new IllegalStateException("spent more than was ever granted");
    }

    // ---- moving credits by hand -------------------------------------------------------------

    @Nullable
    String grant(long amount, String kind, @Nullable Instant expiresAt, @Nullable String id) {
        if (amount <= 0) return "validation_failed";
        if (!Grant.KINDS.contains(kind)) return "validation_failed";
        if (expiresAt != null && !expiresAt.isAfter(now)) return "validation_failed";
        if (id == null) return null;
        lots.put(id, new Lot(id, amount, expiresAt));
        pool += amount;
        granted += amount;
        return null;
    }

    @Nullable
    String allocate(String ws, long amount) {
        if (amount <= 0) return "validation_failed";
        Ws w = live(ws);
        if (w == null) return "validation_failed";
        if (!w.budgetMode()) return "not_budget_funded";
        if (!w.active()) return "workspace_archived";
        if (pool < amount) return "insufficient_credits";
        pool -= amount;
        w.budget += amount;
        return null;
    }

    @Nullable
    String reclaim(String ws, long amount) {
        if (amount <= 0) return "validation_failed";
        Ws w = live(ws);
        if (w == null) return "validation_failed";
        if (!w.budgetMode()) return "not_budget_funded";
        if (w.budget < amount) return "insufficient_credits";
        w.budget -= amount;
        pool += amount;
        return null;
    }

    @Nullable
    String transfer(String from, String to, long amount) {
        if (amount <= 0) return "validation_failed";
        if (from.equals(to)) return "validation_failed";
        Ws a = live(from);
        if (a == null) return "validation_failed";
        if (!a.budgetMode()) return "not_budget_funded";
        Ws b = live(to);
        if (b == null) return "validation_failed";
        if (!b.budgetMode()) return "not_budget_funded";
        if (!b.active()) return "workspace_archived";
        if (a.budget < amount) return "insufficient_credits";
        a.budget -= amount;
        b.budget += amount;
        return null;
    }

    @Nullable
    String setFunding(String ws, Funding next) {
        Ws w = live(ws);
        if (w == null) return "not_found";
        if (w.primary && next.mode() != Funding.Mode.POOL) return "primary_workspace";
        if (next.mode() == Funding.Mode.POOL && (next.overflowToPool() || next.refill() != null)) {
            return "validation_failed";
        }
        if (w.budgetMode() && next.mode() == Funding.Mode.POOL) {
            String budget = "budget:" + w.id;
            boolean open = holds.values().stream().anyMatch(h -> h.open() && h.source.equals(budget))
                    || leases.values().stream().anyMatch(l -> l.open && l.source.equals(budget));
            if (open) return "open_holds";
            pool += w.budget;
            w.budget = 0;
        }
        Instant wsPeriod = recountFrom(w.funding.spendLimit(), next.spendLimit());
        Instant memberPeriod = recountFrom(w.funding.memberSpendLimit(), next.memberSpendLimit());
        if (wsPeriod != null) {
            counters.put(counterKey("workspace", w.id, "", wsPeriod), spentSince(w, null, wsPeriod));
        }
        if (memberPeriod != null) {
            String prefix = "member/" + w.id + "/";
            String suffix = "/" + memberPeriod;
            counters.replaceAll((k, v) -> k.startsWith(prefix) && k.endsWith(suffix) ? 0L : v);
            java.util.stream.Stream.concat(
                            holds.values().stream()
                                    .filter(h -> h.ws == w && h.user != null)
                                    .map(h -> h.user),
                            java.util.stream.Stream.concat(
                                    leases.values().stream()
                                            .filter(l -> l.ws == w && l.user != null)
                                            .map(l -> l.user),
                                    leaseCharges.stream()
                                            .filter(c -> c.ws() == w && c.user() != null)
                                            .map(LeaseCharge::user)))
                    .distinct()
                    .forEach(user -> counters.put(
                            counterKey("member", w.id, user, memberPeriod), spentSince(w, user, memberPeriod)));
        }
        for (MHold h : holds.values()) {
            if (h.ws != w || !h.open()) continue;
            if (wsPeriod != null) h.wsPeriod = wsPeriod;
            if (memberPeriod != null && h.user != null) h.memberPeriod = memberPeriod;
        }
        for (MLease l : leases.values()) {
            if (l.ws != w || !l.open) continue;
            if (wsPeriod != null) l.wsPeriod = wsPeriod;
            if (memberPeriod != null && l.user != null) l.memberPeriod = memberPeriod;
        }
        w.funding = next;
        return null;
    }

    /** A limit that is new or moves to another period is recounted from its period's start. */
    private @Nullable Instant recountFrom(Funding.@Nullable Limit before, Funding.@Nullable Limit after) {
        if (after == null) return null;
        if (before != null && before.period() == after.period()) return null;
        return after.period().start(now);
    }

    /**
     * What the workspace (or one member of it) captured since {@code start}, plus what its open holds
     * and open leases reserve.
     */
    private long spentSince(Ws w, @Nullable String user, Instant start) {
        long sum = 0;
        for (MHold h : holds.values()) {
            if (h.ws != w || (user != null && !user.equals(h.user))) continue;
            if (h.open()) {
                sum += h.amount;
            } else if (h.captured != null && h.resolvedAt != null && !h.resolvedAt.isBefore(start)) {
                sum += h.captured;
            }
        }
        for (MLease l : leases.values()) {
            if (l.ws == w && (user == null || user.equals(l.user)) && l.open) sum += l.uncaptured();
        }
        for (LeaseCharge c : leaseCharges) {
            if (c.ws() == w && (user == null || user.equals(c.user())) && !c.at().isBefore(start)) sum += c.amount();
        }
        return sum;
    }

    /** Archives, unarchives or deletes a workspace; the expected HTTP status. */
    int lifecycle(String ws, String action) {
        Ws w = live(ws);
        if (w == null) return 404;
        if (w.primary && !action.equals("unarchive")) return 409;
        switch (action) {
            case "archive" -> {
                if (w.active()) w.status = "archived";
            }
            case "unarchive" -> w.status = "active";
            case "delete" -> {
                w.status = "deleted";
                pool += w.budget;
                w.budget = 0;
            }
            default -> throw new IllegalArgumentException(action);
        }
        return 200;
    }

    // ---- periodic jobs ------------------------------------------------------------------------

    /** Grant expiry; returns the credits expired. */
    long expireDue() {
        List<Lot> due = lots.values().stream()
                .filter(l -> l.status.equals("active") && l.expiresAt != null && !l.expiresAt.isAfter(now))
                .sorted(Comparator.comparing((Lot l) -> l.expiresAt).thenComparing(l -> l.id))
                .toList();
        long reserved = workspaces.values().stream().mapToLong(w -> w.held).sum();
        long total = 0;
        // Due lots come first in consumption order, so the open holds reserve their credits first.
        for (Lot lot : due) {
            long kept = Math.min(lot.remaining, reserved);
            reserved -= kept;
            long left = lot.remaining - kept;
            if (lot.remaining == 0) {
                lot.status = "expired";
                continue;
            }
            while (left > 0) {
                Ws source = null;
                long available = pool;
                if (pool == 0) {
                    source = workspaces.values().stream()
                            .filter(w -> w.budget > 0)
                            .min(Comparator.comparingLong((Ws w) -> -w.budget).thenComparing(w -> w.id))
                            .orElse(null);
                    if (source == null) break;
                    available = source.budget;
                }
                long take = Math.min(left, available);
                if (source == null) pool -= take;
                else source.budget -= take;
                expired += take;
                lot.remaining -= take;
                lot.expired += take;
                left -= take;
                total += take;
            }
            if (lot.remaining == 0) lot.status = "expired";
        }
        return total;
    }

    /** The lots due now, what open holds reserve, and where unreserved credits sit: for failure messages. */
    String expiryState() {
        StringBuilder s = new StringBuilder("due lots [");
        lots.values().stream()
                .filter(l -> l.status.equals("active") && l.expiresAt != null && !l.expiresAt.isAfter(now))
                .sorted(CONSUMPTION)
                .forEach(l -> s.append(l.id)
                        .append(" remaining ")
                        .append(l.remaining)
                        .append(" due ")
                        .append(l.expiresAt)
                        .append("; "));
        return s.append("], open holds ")
                .append(openHolds())
                .append(", pool ")
                .append(pool)
                .append(", budgets ")
                .append(budgets())
                .toString();
    }

    /** Budget refills of the current periods; returns how many budgets got credits. */
    int refill() {
        int refilled = 0;
        List<Ws> ordered = new ArrayList<>(workspaces.values());
        ordered.sort(Comparator.comparing(w -> w.id));
        for (Ws w : ordered) {
            Funding f = w.funding;
            if (!w.budgetMode() || f.refill() == null || !w.active()) continue;
            Instant start = f.refill().period().start(now);
            long wanted = f.refill().to() != null
                    ? Math.max(0, f.refill().to().micros() - w.budget)
                    : f.refill().add().micros();
            long amount = Math.min(wanted, pool);
            if (!refillRuns.add(w.id + "/" + start)) continue;
            if (amount > 0) {
                pool -= amount;
                w.budget += amount;
                refilled++;
            }
        }
        return refilled;
    }

    // ---- what the database should hold ---------------------------------------------------------

    /** Every account with a balance other than zero. */
    Map<String, Long> balances() {
        Map<String, Long> out = new TreeMap<>();
        put(out, "grants", -granted);
        put(out, "pool", pool);
        put(out, "expired", expired);
        for (Ws w : workspaces.values()) {
            put(out, "budget:" + w.id, w.budget);
            put(out, "held:" + w.id, w.held);
            w.spent.forEach((c, v) -> put(out, "spent:" + w.id + ":" + c.wire(), v));
        }
        return out;
    }

    Map<String, Long> countersInUse() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> put(out, k, v));
        return out;
    }

    private static void put(Map<String, Long> out, String key, long value) {
        if (value != 0) out.put(key, value);
    }

    long openHolds() {
        return workspaces.values().stream().mapToLong(w -> w.held).sum();
    }

    long spent() {
        return workspaces.values().stream()
                .flatMap(w -> w.spent.values().stream())
                .mapToLong(Long::longValue)
                .sum();
    }

    long budgets() {
        return workspaces.values().stream().mapToLong(w -> w.budget).sum();
    }
}
