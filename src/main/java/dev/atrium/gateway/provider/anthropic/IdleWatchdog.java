package dev.atrium.gateway.provider.anthropic;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes an upstream body when no progress was reported within the allowed time, which unblocks
 * the thread reading it. Blocking reads have no timeout of their own; this is theirs.
 */
final class IdleWatchdog implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "anthropic-idle-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final Closeable target;
    private volatile long deadline;
    private volatile long checkAt;
    private volatile boolean fired;
    private boolean closed;
    private @Nullable ScheduledFuture<?> check;

    IdleWatchdog(Closeable target, Duration allowed) {
        this.target = target;
        this.deadline = System.nanoTime() + allowed.toNanos();
        schedule(allowed.toNanos());
    }

    /** Progress: the next must come within {@code allowed}. */
    void progress(Duration allowed) {
        long next = System.nanoTime() + allowed.toNanos();
        deadline = next;
        if (next - checkAt < 0) {
            // a shorter allowance than the pending check (first event → idle gaps): check earlier
            synchronized (this) {
                if (check != null) {
                    check.cancel(false);
                }
                schedule(allowed.toNanos());
            }
        }
    }

    /** Whether the watchdog closed the body. */
    boolean fired() {
        return fired;
    }

    private synchronized void schedule(long delayNanos) {
        if (!closed) {
            long delay = Math.max(delayNanos, 0);
            checkAt = System.nanoTime() + delay;
            check = TIMER.schedule(this::check, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            fired = true;
        }
        try {
            target.close();
        } catch (IOException | RuntimeException ignored) {
            // the reader sees the closed stream either way
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (check != null) {
            check.cancel(false);
        }
    }
}
