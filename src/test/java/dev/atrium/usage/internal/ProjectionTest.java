package dev.atrium.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.ledger.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The projection on synthetic burn patterns. */
class ProjectionTest {
    private static final long C = 1_000_000; // one credit in micros
    private static final Instant NOW = Instant.parse("2026-01-10T00:00:00Z");

    private static Projection.Account pool(long perDay) {
        return new Projection.Account(perDay * C, false, 0, false, null, null, null);
    }

    @Test
    void aSteadyPoolBurnExhaustsThePoolAfterBalanceOverRate() {
        var r = Projection.run(NOW, 240 * C, null, List.of(pool(24), pool(0)));
        assertThat(r.pool()).isEqualTo(NOW.plus(Duration.ofDays(10)));
        assertThat(r.workspaces()).containsExactly(NOW.plus(Duration.ofDays(10)), null);
    }

    @Test
    void noBurnNeverExhaustsAndAnEmptyPoolIsExhaustedNow() {
        assertThat(Projection.run(NOW, 5 * C, null, List.of(pool(0))).pool()).isNull();
        assertThat(Projection.run(NOW, 0, null, List.of(pool(24))).pool()).isEqualTo(NOW);
    }

    @Test
    void subscriptionGrantsPushExhaustionPastEachMonthStartAndExpireWithoutRollover() {
        // 600 credits at 24 a day: 25 days alone; a grant on Feb 1 (22 days in) arrives in time.
        var none = Projection.run(NOW, 600 * C, null, List.of(pool(24)));
        assertThat(none.pool()).isEqualTo(Instant.parse("2026-02-04T00:00:00Z"));
        var small = Projection.run(NOW, 600 * C, new Projection.Subscription(300 * C, true), List.of(pool(24)));
        assertThat(small.pool()).isEqualTo(Instant.parse("2026-02-16T12:00:00Z")); // 72 + 300 left on Feb 1
        var ample = Projection.run(NOW, 600 * C, new Projection.Subscription(1000 * C, true), List.of(pool(24)));
        assertThat(ample.pool()).isNull();
        // 700 a month against 672 (Feb), 744 (Mar), 720 (Apr), 744 (May): with rollover the leftovers carry
        // the pool to May 31; without, what is left of each grant expires and March already runs dry.
        var rollover = Projection.run(NOW, 600 * C, new Projection.Subscription(700 * C, true), List.of(pool(24)));
        var expiring = Projection.run(NOW, 600 * C, new Projection.Subscription(700 * C, false), List.of(pool(24)));
        assertThat(rollover.pool()).isEqualTo(Instant.parse("2026-05-31T16:00:00Z"));
        assertThat(expiring.pool()).isEqualTo(Instant.parse("2026-03-30T04:00:00Z"));
    }

    @Test
    void aBudgetRunsOutThenOverflowsToThePoolAndRefillsKeepItAlive() {
        var budget = new Projection.Account(24 * C, true, 48 * C, false, null, null, null);
        var overflow = new Projection.Account(24 * C, true, 48 * C, true, null, null, null);
        var r = Projection.run(NOW, 96 * C, null, List.of(budget, overflow));
        assertThat(r.workspaces().get(0)).isEqualTo(NOW.plus(Duration.ofDays(2)));
        assertThat(r.workspaces().get(1)).isEqualTo(NOW.plus(Duration.ofDays(2)));
        assertThat(r.pool()).isEqualTo(NOW.plus(Duration.ofDays(6))); // 96 credits at 24/day after day 2

        // Topped up to 30 each day while burning 24 a day: the budget lasts as long as the pool feeds it.
        var refilled = new Projection.Account(24 * C, true, 30 * C, false, Period.DAY, 30 * C, null);
        var fed = Projection.run(NOW, 240 * C, null, List.of(refilled));
        assertThat(fed.workspaces().getFirst()).isAfter(NOW.plus(Duration.ofDays(10)));
        assertThat(fed.workspaces().getFirst()).isBefore(NOW.plus(Duration.ofDays(12)));
    }

    @Test
    void aSpendLimitCapsAPoolWorkspaceEachPeriodAndSoSlowsThePool() {
        // 24 a day wanted, at most 100 a month, 50 of it left in January: the workspace stops after 50
        // hours, then spends 100 a month; the pool's 600 last until July instead of 25 days.
        var capped = new Projection.Account(
                24 * C, false, 0, false, null, null, null, new Projection.Cap(100 * C, Period.MONTH, 50 * C));
        var r = Projection.run(NOW, 600 * C, null, List.of(capped));
        assertThat(r.workspaces().getFirst()).isEqualTo(NOW.plus(Duration.ofHours(50)));
        assertThat(r.causes().getFirst()).isEqualTo(Projection.Cause.SPEND_LIMIT);
        // 600 - 50 (January) - 5 × 100 (February to June) = 50 on July 1: 50 hours at 1 an hour.
        assertThat(r.pool()).isEqualTo(Instant.parse("2026-07-03T02:00:00Z"));

        var uncapped = Projection.run(NOW, 600 * C, null, List.of(pool(24)));
        assertThat(uncapped.pool()).isEqualTo(NOW.plus(Duration.ofDays(25)));
        assertThat(uncapped.causes().getFirst()).isEqualTo(Projection.Cause.POOL);
    }

    @Test
    void aSpendLimitAlsoCapsWhatABudgetOverflowsToThePool() {
        // An empty budget overflowing to the pool, 24 a day wanted, at most 10 a day: 100 in the pool
        // last 10 days, not 4 days and 4 hours.
        var capped = new Projection.Account(
                24 * C, true, 0, true, null, null, null, new Projection.Cap(10 * C, Period.DAY, 10 * C));
        var r = Projection.run(NOW, 100 * C, null, List.of(capped));
        assertThat(r.pool()).isEqualTo(NOW.plus(Duration.ofDays(10)));
        assertThat(r.workspaces().getFirst()).isEqualTo(NOW); // its budget is empty already
        assertThat(r.causes().getFirst()).isEqualTo(Projection.Cause.BUDGET);
        var uncapped = Projection.run(
                NOW, 100 * C, null, List.of(new Projection.Account(24 * C, true, 0, true, null, null, null)));
        assertThat(uncapped.pool()).isEqualTo(NOW.plus(Duration.ofHours(100)));
    }

    @Test
    void aBudgetWithoutOverflowBurnsOnlyItsBudgetAndRefillsNeverThePoolDirectly() {
        // 24 a day from a budget of 48, plus 24 added each month from the pool: the budget runs out in
        // two days (each refill then lasts a day); the pool pays the refills and nothing else.
        var budget = new Projection.Account(24 * C, true, 48 * C, false, Period.MONTH, null, 24 * C);
        var r = Projection.run(NOW, 100 * C, null, List.of(budget, pool(0)));
        assertThat(r.workspaces().getFirst()).isEqualTo(NOW.plus(Duration.ofDays(2)));
        assertThat(r.causes().getFirst()).isEqualTo(Projection.Cause.BUDGET);
        assertThat(r.pool()).isNull(); // nothing draws on the pool but the refills
    }

    @Test
    void aCapLargerThanTheBurnChangesNothingAndACapAlreadySpentStopsAtOnce() {
        var loose = new Projection.Account(
                24 * C, false, 0, false, null, null, null, new Projection.Cap(1000 * C, Period.DAY, 1000 * C));
        var r = Projection.run(NOW, 240 * C, null, List.of(loose));
        assertThat(r.pool()).isEqualTo(NOW.plus(Duration.ofDays(10)));
        assertThat(r.causes().getFirst()).isEqualTo(Projection.Cause.POOL);
        var spent = new Projection.Account(
                24 * C, false, 0, false, null, null, null, new Projection.Cap(12 * C, Period.DAY, -3 * C));
        var s = Projection.run(NOW.plus(Duration.ofHours(6)), 240 * C, null, List.of(spent));
        assertThat(s.workspaces().getFirst()).isEqualTo(NOW.plus(Duration.ofHours(6)));
        assertThat(s.causes().getFirst()).isEqualTo(Projection.Cause.SPEND_LIMIT);
        // 12 a day from the next midnight: 240 last 20 days.
        assertThat(s.pool()).isEqualTo(NOW.plus(Duration.ofDays(21)));
    }
}
