package dev.atrium.usage.internal;

import dev.atrium.ledger.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Projects balances forward hour by hour at constant burn rates, applying the events that refill
 * them on the way: subscription grants to the pool at each UTC month start (without rollover, what
 * is left of the last grant expires then; burn is assumed to draw that grant first), budget refills
 * from the pool at each refill period start, and workspace spend limits, which cap what a workspace
 * can spend (from its budget and the pool alike) per period and reset at each period start. A
 * workspace's burn is what it wants (its rate) cut to what its cap, its budget and the pool allow;
 * only what it can actually spend leaves the pool. A balance is exhausted when it can no longer
 * cover an hour's burn; the instant is interpolated within that hour. Pure arithmetic, no I/O.
 */
public final class Projection {
    public static final Duration HORIZON = Duration.ofDays(366);

    private Projection() {}

    /** A workspace: its burn per day (micro-credits), how it is funded and its refill rule. */
    public record Account(
            long burnPerDay,
            boolean budget,
            long budgetBalance,
            boolean overflowToPool,
            @Nullable Period refillPeriod,
            @Nullable Long refillTo,
            @Nullable Long refillAdd,
            @Nullable Cap cap) {

        public Account(
                long burnPerDay,
                boolean budget,
                long budgetBalance,
                boolean overflowToPool,
                @Nullable Period refillPeriod,
                @Nullable Long refillTo,
                @Nullable Long refillAdd) {
            this(burnPerDay, budget, budgetBalance, overflowToPool, refillPeriod, refillTo, refillAdd, null);
        }
    }

    /**
     * A workspace spend limit: at most {@code amount} per {@code period}, of which {@code left} is
     * left in the current period (the limit minus what was captured or is held since its start).
     */
    public record Cap(long amount, Period period, long left) {}

    public record Subscription(long monthly, boolean rollover) {}

    /** Why a workspace is projected to stop: its spend limit, its budget, or the pool. */
    public enum Cause {
        SPEND_LIMIT,
        BUDGET,
        POOL
    }

    /**
     * When the pool and each workspace are first unable to cover an hour's burn (null: not within
     * the horizon), and for each workspace what stops it then.
     */
    public record Result(@Nullable Instant pool, List<@Nullable Instant> workspaces, List<@Nullable Cause> causes) {}

    public static Result run(Instant now, long pool, @Nullable Subscription plan, List<Account> accounts) {
        int n = accounts.size();
        long[] budget = new long[n];
        long[] capLeft = new long[n];
        Instant[] exhausted = new Instant[n];
        Cause[] cause = new Cause[n];
        Instant[] nextRefill = new Instant[n];
        Instant[] nextCap = new Instant[n];
        for (int i = 0; i < n; i++) {
            Account a = accounts.get(i);
            budget[i] = a.budgetBalance();
            if (a.refillPeriod() != null) nextRefill[i] = a.refillPeriod().next(now);
            if (a.cap() != null) {
                capLeft[i] = Math.max(0, a.cap().left());
                nextCap[i] = a.cap().period().next(now);
            }
        }
        Instant poolExhausted = null;
        Instant nextMonth = Period.MONTH.next(now);
        long subscriptionLeft = plan == null || plan.rollover() ? 0 : Math.min(pool, plan.monthly());
        Instant end = now.plus(HORIZON);
        // Pool-funded (and overflowing) workspaces that wanted credits from the pool this hour.
        boolean[] wantsPool = new boolean[n];
        for (Instant t = now; t.isBefore(end); t = t.plus(Duration.ofHours(1))) {
            if (plan != null && !nextMonth.isAfter(t)) {
                pool -= subscriptionLeft;
                pool += plan.monthly();
                subscriptionLeft = plan.rollover() ? 0 : plan.monthly();
                nextMonth = Period.MONTH.next(nextMonth);
            }
            for (int i = 0; i < n; i++) {
                Account a = accounts.get(i);
                if (nextRefill[i] != null && !nextRefill[i].isAfter(t)) {
                    long wanted = a.refillTo() != null
                            ? Math.max(0, a.refillTo() - budget[i])
                            : a.refillAdd() == null ? 0 : a.refillAdd();
                    long amount = Math.max(0, Math.min(wanted, pool));
                    budget[i] += amount;
                    pool -= amount;
                    subscriptionLeft = Math.max(0, subscriptionLeft - amount);
                    nextRefill[i] = a.refillPeriod().next(nextRefill[i]);
                }
                if (nextCap[i] != null && !nextCap[i].isAfter(t)) {
                    capLeft[i] = a.cap().amount();
                    nextCap[i] = a.cap().period().next(nextCap[i]);
                }
            }
            long fromPool = 0;
            long[] poolWant = new long[n];
            for (int i = 0; i < n; i++) {
                Account a = accounts.get(i);
                long hourly = a.burnPerDay() / 24;
                wantsPool[i] = false;
                if (hourly <= 0) continue;
                long want = hourly;
                if (a.cap() != null && capLeft[i] < want) {
                    mark(exhausted, cause, i, at(t, capLeft[i], hourly), Cause.SPEND_LIMIT);
                    want = capLeft[i];
                }
                long spent = 0;
                if (!a.budget()) {
                    poolWant[i] = want;
                } else {
                    long take = Math.min(want, budget[i]);
                    // A budget's exhaustion is its own, also when it overflows to the pool.
                    if (take < want) mark(exhausted, cause, i, at(t, budget[i], hourly), Cause.BUDGET);
                    budget[i] -= take;
                    spent = take;
                    if (a.overflowToPool()) poolWant[i] = want - take;
                }
                if (poolWant[i] > 0) {
                    wantsPool[i] = true;
                    fromPool += poolWant[i];
                }
                if (a.cap() != null) capLeft[i] -= spent;
            }
            if (fromPool > 0) {
                long available = Math.max(0, pool);
                if (available < fromPool) {
                    Instant dry = at(t, available, fromPool);
                    if (poolExhausted == null) poolExhausted = dry;
                    for (int i = 0; i < n; i++) if (wantsPool[i]) mark(exhausted, cause, i, dry, Cause.POOL);
                }
                long take = Math.min(available, fromPool);
                // The pool serves the workspaces pro rata when it cannot serve them all; what each
                // gets counts against its cap.
                for (int i = 0; i < n; i++) {
                    if (poolWant[i] > 0 && accounts.get(i).cap() != null) {
                        capLeft[i] -= take == fromPool ? poolWant[i] : (long) ((double) poolWant[i] * take / fromPool);
                    }
                }
                pool -= take;
                subscriptionLeft = Math.max(0, subscriptionLeft - take);
            }
        }
        return new Result(poolExhausted, Arrays.asList(exhausted), Arrays.asList(cause));
    }

    private static void mark(Instant[] exhausted, Cause[] cause, int i, Instant at, Cause why) {
        if (exhausted[i] == null || at.isBefore(exhausted[i])) {
            exhausted[i] = at;
            cause[i] = why;
        }
    }

    private static Instant at(Instant hourStart, long left, long hourly) {
        return hourStart.plusMillis(3_600_000L * left / hourly);
    }
}
