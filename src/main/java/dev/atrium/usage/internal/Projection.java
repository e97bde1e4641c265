package dev.atrium.usage.internal;

import dev.atrium.ledger.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Projects balances forward hour by hour at constant burn rates, applying the events that refill
 * them on the way: subscription grants to the pool at each UTC month start (without rollover, what
 * is left of the last grant expires then; burn is assumed to draw that grant first), and budget
 * refills from the pool at each refill period start. A balance is exhausted when it can no longer
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
            @Nullable Long refillAdd) {}

    public record Subscription(long monthly, boolean rollover) {}

    public record Result(@Nullable Instant pool, List<@Nullable Instant> workspaces) {}

    public static Result run(Instant now, long pool, @Nullable Subscription plan, List<Account> accounts) {
        int n = accounts.size();
        long[] budget = new long[n];
        Instant[] exhausted = new Instant[n];
        Instant[] nextRefill = new Instant[n];
        for (int i = 0; i < n; i++) {
            Account a = accounts.get(i);
            budget[i] = a.budgetBalance();
            if (a.refillPeriod() != null) nextRefill[i] = a.refillPeriod().next(now);
        }
        Instant poolExhausted = null;
        Instant nextMonth = Period.MONTH.next(now);
        long subscriptionLeft = plan == null || plan.rollover() ? 0 : Math.min(pool, plan.monthly());
        Instant end = now.plus(HORIZON);
        for (Instant t = now; t.isBefore(end); t = t.plus(Duration.ofHours(1))) {
            Instant stepEnd = t.plus(Duration.ofHours(1));
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
            }
            long fromPool = 0;
            for (int i = 0; i < n; i++) {
                Account a = accounts.get(i);
                long hourly = a.burnPerDay() / 24;
                if (hourly <= 0) continue;
                if (!a.budget()) {
                    fromPool += hourly;
                } else {
                    long take = Math.min(hourly, budget[i]);
                    if (take < hourly && exhausted[i] == null) exhausted[i] = at(t, budget[i], hourly);
                    budget[i] -= take;
                    if (a.overflowToPool()) fromPool += hourly - take;
                }
            }
            if (fromPool > 0) {
                if (pool < fromPool && poolExhausted == null) poolExhausted = at(t, Math.max(0, pool), fromPool);
                long take = Math.min(Math.max(0, pool), fromPool);
                pool -= take;
                subscriptionLeft = Math.max(0, subscriptionLeft - take);
            }
        }
        List<Instant> ws = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Account a = accounts.get(i);
            ws.add(a.budget() ? exhausted[i] : a.burnPerDay() / 24 > 0 ? poolExhausted : null);
        }
        return new Result(poolExhausted, ws);
    }

    private static Instant at(Instant hourStart, long left, long hourly) {
        return hourStart.plusMillis(3_600_000L * left / hourly);
    }
}
