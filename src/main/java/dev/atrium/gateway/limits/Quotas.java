package dev.atrium.gateway.limits;

import dev.atrium.common.ExclusiveJobs;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * This node's share of every limit it admits calls under, in memory. A node claims part of a
 * window's limit from PostgreSQL ({@link QuotaStore}) when what it holds runs out, admits calls from
 * it with no I/O, and gives back what it has not used once a window has been idle on it for a while.
 * Claims never take a window above its limit, so no limit is exceeded however many nodes share it;
 * the cost is that a call may be refused while other nodes still hold unused parts of the window:
 * at most one claim each ({@link #chunk}), or what they hold until they give it back when idle.
 */
@Component
class Quotas {
    private static final Logger log = LoggerFactory.getLogger(Quotas.class);
    /** A claim asks for at least this share of a limit, so a busy node claims once per 1/20 of it. */
    static final int SHARES = 20;

    private final QuotaStore store;
    private final Clock clock;
    private final ExclusiveJobs jobs;
    private final Duration window;
    private final Duration idleReturn;
    private final Duration slotTtl;
    private final String node =
            "node_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    private final Map<Window, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private long lastRenew;
    private long lastSweep;

    Quotas(
            QuotaStore store,
            Clock clock,
            ExclusiveJobs jobs,
            @Value("${atrium.gateway.rate-limit-window:PT1M}") Duration window,
            @Value("${atrium.gateway.rate-limit-idle-return:PT2S}") Duration idleReturn,
            @Value("${atrium.gateway.rate-limit-slot-ttl:PT30S}") Duration slotTtl) {
        this.store = store;
        this.clock = clock;
        this.jobs = jobs;
        this.window = window;
        this.idleReturn = idleReturn;
        this.slotTtl = slotTtl;
        Thread.ofPlatform().daemon().name("rate-limit-keeper").start(this::keep);
    }

    /** What this node holds of one window. */
    private static final class Bucket {
        long granted;
        long used;
        long seenClaimed;
        long lastTake;
    }

    /** The minute window (or the configured length) containing {@code at}. */
    Window minute(String org, String scope, Metric metric, Instant at) {
        long length = window.toMillis();
        long start = Math.floorDiv(at.toEpochMilli(), length) * length;
        return new Window(org, scope, metric, Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + length));
    }

    /** The window of concurrent calls: it never ends. */
    static Window slots(String org, String scope) {
        return new Window(org, scope, Metric.CONCURRENT, Instant.EPOCH, Instant.parse("9999-12-31T00:00:00Z"));
    }

    Instant now() {
        return clock.instant();
    }

    /** Takes {@code n} of a window whose limit is {@code limit}; false when the window has not that much left. */
    boolean take(Window w, long limit, long n) {
        Bucket b = buckets.computeIfAbsent(w, k -> new Bucket());
        synchronized (b) {
            b.lastTake = clock.millis();
            if (b.granted - b.used >= n) {
                b.used += n;
                return true;
            }
            long need = n - (b.granted - b.used);
            long want = Math.max(need, chunk(w.metric(), limit));
            QuotaStore.Grant g =
                    store.claim(w, want, limit, node, clock.instant().plus(slotTtl));
            b.granted += g.granted();
            b.seenClaimed = g.claimed();
            if (b.granted - b.used >= n) {
                b.used += n;
                return true;
            }
            return false;
        }
    }

    /**
     * Takes as much of {@code max} as the window has left, if that is at least {@code min}; returns
     * what was taken, or -1 when less than {@code min} is left.
     */
    long takeUpTo(Window w, long limit, long max, long min) {
        Bucket b = buckets.computeIfAbsent(w, k -> new Bucket());
        synchronized (b) {
            b.lastTake = clock.millis();
            long free = b.granted - b.used;
            if (free < max) {
                QuotaStore.Grant g = store.claim(
                        w,
                        Math.max(max - free, chunk(w.metric(), limit)),
                        limit,
                        node,
                        clock.instant().plus(slotTtl));
                b.granted += g.granted();
                b.seenClaimed = g.claimed();
                free = b.granted - b.used;
            }
            if (free < min) return -1;
            long taken = Math.min(free, max);
            b.used += taken;
            return taken;
        }
    }

    /** Takes {@code n} whatever is left (what a call consumed above its estimate). */
    void add(Window w, long n) {
        Bucket b = buckets.computeIfAbsent(w, k -> new Bucket());
        synchronized (b) {
            b.used += n;
        }
    }

    /** Gives back {@code n} taken and not consumed. */
    void give(Window w, long n) {
        Bucket b = buckets.get(w);
        if (b == null) return;
        synchronized (b) {
            b.used = Math.max(0, b.used - n);
        }
    }

    /** What is left of a window's limit as this node last saw it. */
    long remaining(Window w, long limit) {
        Bucket b = buckets.get(w);
        if (b == null) return limit;
        synchronized (b) {
            return Math.max(0, Math.min(limit, limit - b.seenClaimed + Math.max(0, b.granted - b.used)));
        }
    }

    /** How much one claim asks for beyond what a call needs. */
    static long chunk(Metric metric, long limit) {
        if (metric == Metric.CONCURRENT) return 1;
        return Math.max(1, limit / SHARES);
    }

    private void keep() {
        while (running) {
            try {
                keepOnce();
            } catch (RuntimeException e) {
                log.warn("rate limit keeper: {}", e.toString());
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
    }

    /** Gives back what idle windows hold unused, renews this node's slots, and (one node at a time) sweeps. */
    void keepOnce() {
        long now = clock.millis();
        Instant instant = Instant.ofEpochMilli(now);
        boolean slots = false;
        for (var e : List.copyOf(buckets.entrySet())) {
            Window w = e.getKey();
            Bucket b = e.getValue();
            synchronized (b) {
                boolean ended = !w.end().isAfter(instant);
                if (ended) {
                    buckets.remove(w, b);
                    continue;
                }
                if (w.metric() == Metric.CONCURRENT && b.granted > 0) slots = true;
                long unused = b.granted - b.used;
                if (unused > 0 && now - b.lastTake >= idleReturn.toMillis()) {
                    store.giveBack(w, unused, node);
                    b.granted -= unused;
                    if (b.granted == 0 && b.used == 0 && w.metric() != Metric.CONCURRENT) buckets.remove(w, b);
                }
            }
        }
        if (slots && now - lastRenew >= slotTtl.toMillis() / 4) {
            lastRenew = now;
            store.renew(node, instant.plus(slotTtl));
        }
        if (now - lastSweep >= 10_000) {
            lastSweep = now;
            jobs.run("gateway.rate-limit-sweep", () -> store.sweep(instant, instant.minus(Duration.ofMinutes(5))));
        }
    }

    /** At shutdown: what this node holds goes back, so other nodes can use it at once. */
    @PreDestroy
    void stop() {
        running = false;
        for (var e : List.copyOf(buckets.entrySet())) {
            Bucket b = e.getValue();
            synchronized (b) {
                long back = e.getKey().metric() == Metric.CONCURRENT ? b.granted : b.granted - b.used;
                if (back > 0) {
                    try {
                        store.giveBack(e.getKey(), back, node);
                    } catch (RuntimeException ex) {
                        log.debug("could not give back {} at shutdown", e.getKey(), ex);
                        return;
                    }
                }
            }
        }
    }
}
