package dev.atrium.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that stands still until a test moves it: the application takes all time from the
 * injected {@link Clock}, so holds expire, periods roll and grants come due exactly when a test
 * says so. Safe to read and move from several threads.
 */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(instant(), zone);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    /** Sets the time; tests only move it back after settling every hold (see {@link LedgerTestSupport#drainHolds}). */
    public void set(Instant at) {
        now.set(at);
    }

    public Instant advance(Duration by) {
        if (by.isNegative()) throw new IllegalArgumentException("time only moves forward: " + by);
        return now.updateAndGet(t -> t.plus(by));
    }
}
