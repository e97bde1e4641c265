package dev.atrium.ledger.lease;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.ExclusiveJobs;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * This node's credit leases, and how a call is admitted from them: in memory, with no I/O.
 *
 * <p>A lease covers one funding path: a workspace (its pool or budget funding and its workspace
 * spend limit) and, when the workspace has a member spend limit, one member. Admitting a call takes
 * its maximum cost from the lease's {@code available} credits with one compare-and-set; settling
 * gives back what the call did not consume and hands the charge to the settlement writer, which
 * captures it from the lease in the database later ({@link LeaseBook#capture}).
 *
 * <p>A keeper thread does all the I/O, every {@code tick}: it opens leases for paths that asked
 * for one, grows those running low (to a few seconds of their recent spend, never more than
 * {@code fraction} of what their source and each limit have left), renews their expiry, returns
 * idle ones, and returns those whose funding changed (told by the {@link ChangeFeed}, or seen on
 * its own re-read of the funding every half second). Where a lease cannot grow by at least one
 * call's worth, it stays small and calls take exact holds instead.
 */
@Component
public class NodeLeases implements SmartLifecycle {
    /** Topic of an admin's change to a workspace's funding or credits: key {@code org/workspace}. */
    public static final String FUNDING_CHANGED = dev.atrium.ledger.internal.CreditMoves.FUNDING_CHANGED;
    /** Topic of a request to return every lease drawing on an account: key {@code org/account}. */
    public static final String RECALL = "ledger.recall";

    private static final Logger log = LoggerFactory.getLogger(NodeLeases.class);

    private final LeaseBook book;
    private final Book ledger;
    private final FundingRows fundingRows;
    private final ChangeFeed changes;
    private final Clock clock;
    private final TransactionTemplate tx;
    /** A transaction of its own, even inside a caller's. */
    private final TransactionTemplate fresh;

    private final boolean enabled;
    private final Duration ttl;
    private final Duration idle;
    private final Duration tick;
    private final double targetSeconds;
    private final double fraction;
    private final Duration recallCooldown;
    private final String node =
            "node_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);

    private final Map<PathKey, LocalLease> byPath = new ConcurrentHashMap<>();
    private final Map<String, LocalLease> byId = new ConcurrentHashMap<>();
    private final Map<WsKey, CachedFunding> funding = new ConcurrentHashMap<>();
    /** Paths without a lease: their recent calls, and whether they now ask for one. */
    private final Map<PathKey, Demand> demand = new ConcurrentHashMap<>();
    /** How many calls within {@link #DEMAND_WINDOW_MS} make a path worth a lease. */
    private final int openAfter;

    private static final long DEMAND_WINDOW_MS = 2_000;

    /** Calls on a path without a lease, counted from {@code since}. */
    private record Demand(long since, int calls, long largest) {}
    /** Source accounts recalled lately: no new lease draws on them until the cooldown ends. */
    private final Map<String, Long> recalledUntil = new ConcurrentHashMap<>();

    private volatile boolean running;
    private volatile @Nullable Thread keeper;
    private long lastSweep;

    private final ExclusiveJobs jobs;

    NodeLeases(
            LeaseBook book,
            Book ledger,
            FundingRows fundingRows,
            ChangeFeed changes,
            Clock clock,
            PlatformTransactionManager transactions,
            ExclusiveJobs jobs,
            @Value("${atrium.leases.enabled:true}") boolean enabled,
            @Value("${atrium.leases.ttl:PT2M}") Duration ttl,
            @Value("${atrium.leases.idle:PT15S}") Duration idle,
            @Value("${atrium.leases.tick:PT0.05S}") Duration tick,
            @Value("${atrium.leases.target-seconds:2}") double targetSeconds,
            @Value("${atrium.leases.max-fraction:0.25}") double fraction,
            @Value("${atrium.leases.recall-cooldown:PT10S}") Duration recallCooldown,
            @Value("${atrium.leases.open-after-calls:3}") int openAfter) {
        this.openAfter = Math.max(1, openAfter);
        this.jobs = jobs;
        this.book = book;
        this.ledger = ledger;
        this.fundingRows = fundingRows;
        this.changes = changes;
        this.clock = clock;
        this.tx = new TransactionTemplate(transactions);
        this.fresh = new TransactionTemplate(transactions);
        this.fresh.setPropagationBehavior(TransactionTemplate.PROPAGATION_REQUIRES_NEW);
        this.enabled = enabled;
        this.ttl = ttl;
        this.idle = idle;
        this.tick = tick;
        this.targetSeconds = targetSeconds;
        this.fraction = fraction;
        this.recallCooldown = recallCooldown;
        changes.subscribe(FUNDING_CHANGED, this::fundingChanged);
        changes.subscribe(RECALL, this::recalled);
        changes.onResync(this::resync);
    }

    record WsKey(OrgId org, WorkspaceId workspace) {}

    /** A funding path: the workspace, and the member when the workspace limits each member. */
    record PathKey(
            OrgId org, WorkspaceId workspace, @Nullable String user) {}

    private record CachedFunding(FundingRows.Funded funded, long readAt) {}

    /** One lease of this node, in memory. */
    public static final class LocalLease {
        final PathKey path;
        final LeaseBook.Row row;
        final Funding decidedUnder;
        /** Credits calls may still take now. */
        final AtomicLong available = new AtomicLong();
        /** Calls admitted and not yet settled. */
        final AtomicLong inflight = new AtomicLong();
        /** Charges settled here and not yet committed by the settlement writer. */
        final AtomicLong uncommitted = new AtomicLong();
        /** Credits taken by admissions since the keeper last looked (for the spend rate). */
        final AtomicLong taken = new AtomicLong();

        volatile boolean closing;
        /** Closing with calls still running, and marked so in the database. Keeper thread only. */
        boolean draining;

        volatile long largestCall;
        volatile long lastUse;
        volatile double rate; // micro-credits per second, smoothed
        long renewedAt;
        long rateAt;

        LocalLease(PathKey path, LeaseBook.Row row, Funding decidedUnder, long now) {
            this.path = path;
            this.row = row;
            this.decidedUnder = decidedUnder;
            this.lastUse = now;
            this.renewedAt = now;
            this.rateAt = now;
        }

        public String id() {
            return row.id();
        }

        public String source() {
            return row.source();
        }

        boolean reserve(long amount) {
            for (; ; ) {
                long have = available.get();
                if (have < amount) return false;
                if (available.compareAndSet(have, have - amount)) return true;
            }
        }
    }

    /** The funding of a workspace as the node last read it (at most half a second ago, or told changed). */
    public Optional<FundingRows.Funded> funding(OrgId org, WorkspaceId ws) {
        WsKey key = new WsKey(org, ws);
        CachedFunding c = funding.get(key);
        long now = clock.millis();
        if (c != null && now - c.readAt() < 500) return Optional.of(c.funded());
        Optional<FundingRows.Funded> read = fundingRows.find(org, ws);
        read.ifPresentOrElse(f -> funding.put(key, new CachedFunding(f, now)), () -> funding.remove(key));
        return read;
    }

    /**
     * Admits a call of at most {@code request.amount()} from this node's lease on its path, in
     * memory; null when no lease covers it (none yet, too small, returning, or leasing is off for
     * it): the caller then takes an exact hold. A path without a lease gets one once it is busy:
     * {@code atrium.leases.open-after-calls} calls (3 by default) within two seconds; one-off calls
     * keep taking exact holds and tie up no credits.
     */
    public @Nullable LocalLease tryAdmit(HoldRequest r, FundingRows.Funded ws) {
        if (!enabled || !running || r.ttl() != null) return null;
        Funding f = ws.funding();
        PathKey path = new PathKey(
                r.org(),
                ws.workspace(),
                f.memberSpendLimit() != null && r.user() != null ? r.user().value() : null);
        long amount = r.amount().micros();
        LocalLease lease = byPath.get(path);
        long now = clock.millis();
        if (lease == null || lease.closing) {
            if (lease == null) noteDemand(path, amount, now);
            return null;
        }
        if (amount > lease.largestCall) lease.largestCall = amount;
        lease.lastUse = now;
        // In flight before reserving, and closing checked after: the keeper sets closing before it
        // reads inflight, so either it sees this call or this call sees it closing.
        lease.inflight.incrementAndGet();
        if (lease.closing || !lease.reserve(amount)) {
            lease.inflight.decrementAndGet();
            return null;
        }
        lease.taken.addAndGet(amount);
        return lease;
    }

    /** Counts a call on a path without a lease; a path busy enough asks the keeper for one. */
    private void noteDemand(PathKey path, long amount, long now) {
        Demand d = demand.compute(
                path,
                (k, before) -> before == null || now - before.since() > DEMAND_WINDOW_MS
                        ? new Demand(now, 1, amount)
                        : new Demand(before.since(), before.calls() + 1, Math.max(before.largest(), amount)));
        if (d.calls() >= openAfter) wake();
    }

    /**
     * Settles a call admitted from {@code lease}: what it did not consume goes back to the lease (or,
     * if the lease is being returned, back with it); a charge above zero waits for the settlement
     * writer ({@link #committed}).
     */
    public void settled(LocalLease lease, long reserved, long charged) {
        if (charged > 0) lease.uncommitted.incrementAndGet();
        lease.available.addAndGet(reserved - Math.min(charged, reserved));
        lease.inflight.decrementAndGet();
    }

    /** The settlement writer committed {@code count} charges of this lease. */
    public void committed(String leaseId, int count) {
        LocalLease lease = byId.get(leaseId);
        if (lease != null) lease.uncommitted.updateAndGet(v -> Math.max(0, v - count));
    }

    /**
     * Asks every node (this one included) to return its leases drawing on {@code account}, and
     * waits up to {@code wait} for them to be returned; for a refused hold (is anything still
     * leased that could pay for it?) and for an admin move that must see all of a budget. A lease
     * with calls still running (a long stream) gives back its unreserved credits at once, is marked
     * draining, and closes when they settle: the wait ends once it is draining, since what it still
     * holds is those calls' own; one being taken or grown at this very moment is returned at its node's next round
     * (every {@code tick}), which the wait covers. For {@code recallCooldown} after a recall no node
     * takes a new lease on that account, so a recall within it only checks what is still open.
     * Returns true when a lease was open on the account meanwhile.
     */
    public boolean recall(OrgId org, WorkspaceId ws, String account, Duration wait) {
        String key = org.value() + "/" + account;
        Long until = recalledUntil.get(key);
        long deadline = System.nanoTime() + wait.toNanos();
        boolean seen = leased(org, account);
        if (until == null || until <= clock.millis()) {
            // Sent at once, whatever transaction the caller is in: the other nodes must hear it now.
            fresh.executeWithoutResult(s -> changes.publish(RECALL, key));
            recalled(key);
            // Long enough for every node to hear it and finish a lease it was taking or growing.
            LockSupport.parkNanos(Math.min(wait.toNanos(), 4 * tick.toNanos() + 50_000_000L));
        }
        while (System.nanoTime() < deadline) {
            if (!leased(org, account)) return seen;
            seen = true;
            LockSupport.parkNanos(20_000_000);
        }
        return true;
    }

    /**
     * Whether a lease drawing on the account still holds credits no running call has taken (open,
     * not draining), read outside the caller's transaction.
     */
    private boolean leased(OrgId org, String account) {
        return Boolean.TRUE.equals(fresh.execute(s -> ledger.leasesUndrainedOn(org, account)));
    }

    private void fundingChanged(String key) {
        WsKey ws = wsKey(key);
        if (ws == null) return;
        funding.remove(ws);
        for (LocalLease l : byId.values()) {
            if (l.path.org().equals(ws.org()) && l.path.workspace().equals(ws.workspace())) l.closing = true;
        }
        wake();
    }

    private void recalled(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) return;
        OrgId org = new OrgId(key.substring(0, slash));
        String account = key.substring(slash + 1);
        recalledUntil.put(key, clock.millis() + recallCooldown.toMillis());
        for (LocalLease l : byId.values()) {
            if (l.path.org().equals(org) && l.source().equals(account)) l.closing = true;
        }
        wake();
    }

    private void resync() {
        funding.clear();
        for (LocalLease l : byId.values()) l.closing = true;
        wake();
    }

    private static @Nullable WsKey wsKey(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) return null;
        return new WsKey(new OrgId(key.substring(0, slash)), new WorkspaceId(key.substring(slash + 1)));
    }

    private void wake() {
        Thread t = keeper;
        if (t != null) LockSupport.unpark(t);
    }

    // ---- the keeper ----

    private void keep() {
        while (running) {
            try {
                keepOnce();
            } catch (RuntimeException e) {
                log.warn("credit lease keeper: {}", e.toString());
                LockSupport.parkNanos(500_000_000L);
            }
            LockSupport.parkNanos(tick.toNanos());
        }
    }

    /** One round of the keeper's work (also called by tests). */
    public void keepOnce() {
        long now = clock.millis();
        openWanted(now);
        for (LocalLease l : List.copyOf(byId.values())) keep(l, now);
        if (now - lastSweep > 5_000) {
            lastSweep = now;
            // Expired leases of any node (one that died): one node at a time sweeps them.
            jobs.run("ledger.sweep-leases", () -> book.sweepExpired(100, tx));
        }
    }

    private void openWanted(long now) {
        for (var e : List.copyOf(demand.entrySet())) {
            PathKey path = e.getKey();
            if (now - e.getValue().since() > DEMAND_WINDOW_MS) {
                demand.remove(path, e.getValue());
                continue;
            }
            if (e.getValue().calls() < openAfter) continue;
            demand.remove(path);
            if (byPath.containsKey(path)) continue;
            FundingRows.Funded ws = funding(path.org(), path.workspace()).orElse(null);
            if (ws == null || !"active".equals(ws.status())) continue;
            Funding f = ws.funding();
            String source = f.mode() == Funding.Mode.BUDGET
                    ? Account.budget(path.workspace()).id()
                    : Account.POOL.id();
            Long until = recalledUntil.get(path.org().value() + "/" + source);
            if (until != null && until > now) continue;
            long call = e.getValue().largest();
            LeaseBook.Row row = book.open(new LeaseBook.Opening(
                    path.org(),
                    path.workspace(),
                    path.user(),
                    node,
                    f,
                    clock.instant().plus(ttl)));
            LocalLease lease = new LocalLease(path, row, f, now);
            lease.largestCall = call;
            byId.put(row.id(), lease);
            byPath.put(path, lease);
            grow(lease, now);
        }
    }

    private void keep(LocalLease l, long now) {
        if (!l.closing) {
            if (now - l.lastUse > idle.toMillis()) l.closing = true;
            FundingRows.Funded ws = funding(l.path.org(), l.path.workspace()).orElse(null);
            if (ws == null || !"active".equals(ws.status()) || !ws.funding().equals(l.decidedUnder)) l.closing = true;
        }
        if (l.closing) {
            byPath.remove(l.path, l);
            long spare = l.available.getAndSet(0);
            if (l.inflight.get() == 0 && l.uncommitted.get() == 0) {
                book.giveBack(l.path.org(), l.id(), 0, true, "returned");
                byId.remove(l.id());
                return;
            }
            if (spare > 0) book.giveBack(l.path.org(), l.id(), spare, false, "open");
            if (!l.draining) {
                // All it holds now belongs to running calls: a recall need not wait for them.
                book.draining(l.path.org(), l.id());
                l.draining = true;
            }
            // Calls still running on it (a long stream) keep it alive: renewed until they settle.
            if (now - l.renewedAt > ttl.toMillis() / 4) {
                book.renew(node, List.of(l.id()), clock.instant().plus(ttl));
                l.renewedAt = now;
            }
            return;
        }
        // The spend rate, smoothed over about two seconds.
        long elapsed = now - l.rateAt;
        if (elapsed >= 250) {
            double recent = l.taken.getAndSet(0) * 1000.0 / elapsed;
            l.rate = l.rate == 0 ? recent : 0.8 * l.rate + 0.2 * recent;
            l.rateAt = now;
        }
        if (l.available.get() < target(l) / 2) grow(l, now);
        if (now - l.renewedAt > ttl.toMillis() / 4) {
            book.renew(node, List.of(l.id()), clock.instant().plus(ttl));
            l.renewedAt = now;
        }
    }

    /** What a lease aims to hold: a few seconds of its path's spend, and never less than a few calls. */
    private long target(LocalLease l) {
        return Math.max(8 * l.largestCall, (long) (l.rate * targetSeconds));
    }

    private void grow(LocalLease l, long now) {
        long want = target(l) - l.available.get();
        if (want <= 0) return;
        LeaseBook.Growth g = book.grow(
                l.row,
                l.decidedUnder,
                want,
                l.largestCall,
                fraction,
                clock.instant().plus(ttl));
        if (g.fundingChanged()) {
            l.closing = true;
            return;
        }
        if (g.granted() > 0) l.available.addAndGet(g.granted());
        l.renewedAt = now;
    }

    // ---- lifecycle ----

    @Override
    public synchronized void start() {
        if (running) return;
        running = true;
        // A previous process of this node cannot have left leases: node ids are new at each start.
        keeper = Thread.ofPlatform().daemon().name("credit-leases").start(this::keep);
    }

    @Override
    public synchronized void stop() {
        if (!running) return;
        running = false;
        Thread t = keeper;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Return everything: calls in flight have been answered (the web server stopped first) and the
        // settlement writer has committed their charges (it stops before this).
        returnAll(Duration.ofSeconds(10));
    }

    /**
     * Returns every lease of this node, waiting (up to {@code wait} in all) for the calls admitted
     * from each to settle and their charges to be committed; new calls meanwhile take exact holds
     * or new leases. Returns how many leases were returned.
     */
    public int returnAll(Duration wait) {
        long deadline = clock.millis() + wait.toMillis();
        int returned = 0;
        for (LocalLease l : List.copyOf(byId.values())) l.closing = true;
        for (LocalLease l : List.copyOf(byId.values())) {
            l.closing = true;
            while ((l.inflight.get() > 0 || l.uncommitted.get() > 0) && clock.millis() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
            byPath.remove(l.path, l);
            try {
                if (l.uncommitted.get() == 0 && l.inflight.get() == 0) {
                    l.available.set(0);
                    book.giveBack(l.path.org(), l.id(), 0, true, "returned");
                    byId.remove(l.id());
                    returned++;
                }
            } catch (RuntimeException e) {
                log.warn("could not return lease {} ({}); it expires on its own", l.id(), e.toString());
            }
        }
        return returned;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // After the web server and the settlement writer stop, before the ledger's batch workers.
        return Integer.MAX_VALUE - 3584;
    }
}
