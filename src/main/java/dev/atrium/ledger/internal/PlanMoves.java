package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.GrantId;
import dev.atrium.ledger.Period;
import dev.atrium.ledger.Subscription;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Periodic credit movements: the subscription grant at each month start and budget refills at
 * each refill period. Each period is claimed by a primary-key insert, so any number of nodes can
 * run the scheduler and every period happens exactly once. Plan changes from outside the ledger
 * module go through {@link dev.atrium.ledger.Plans}, which checks the caller's role and audits.
 */
@Service
public class PlanMoves {
    private final JdbcClient jdbc;
    private final CreditMoves credits;
    private final Book book;
    private final FundingRows funding;
    private final Clock clock;

    PlanMoves(JdbcClient jdbc, CreditMoves credits, Book book, FundingRows funding, Clock clock) {
        this.jdbc = jdbc;
        this.credits = credits;
        this.book = book;
        this.funding = funding;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public Optional<Subscription> subscription(OrgId org) {
        return jdbc.sql(
                        "SELECT monthly_credits, rollover, status, created_at, updated_at FROM subscriptions WHERE org_id = :org")
                .param("org", org.value())
                .query((rs, n) -> new Subscription(
                        Credits.ofMicros(rs.getLong(1)),
                        rs.getBoolean(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant()))
                .optional();
    }

    /** Sets the plan and issues the current month's grant if it has not been issued yet. */
    @Transactional
    public Subscription subscribe(OrgId org, Credits monthly, boolean rollover, Actor actor) {
        if (monthly.micros() <= 0)
            throw ApiException.invalid("monthly_credits", "monthly_credits must be greater than 0.");
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                        INSERT INTO subscriptions (org_id, monthly_credits, rollover, status, created_at, updated_at)
                        VALUES (:org, :monthly, :rollover, 'active', :now, :now)
                        ON CONFLICT (org_id) DO UPDATE SET monthly_credits = EXCLUDED.monthly_credits,
                          rollover = EXCLUDED.rollover, status = 'active', updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("monthly", monthly.micros())
                .param("rollover", rollover)
                .param("now", now)
                .update();
        issueSubscriptionGrant(org, actor);
        return subscription(org).orElseThrow();
    }

    @Transactional
    public void cancel(OrgId org) {
        if (jdbc.sql("UPDATE subscriptions SET status = 'cancelled', updated_at = :now WHERE org_id = :org")
                        .param("now", Timestamp.from(clock.instant()))
                        .param("org", org.value())
                        .update()
                == 0) {
            throw ApiException.notFound("subscription");
        }
    }

    /** Issues this month's subscription grant once; returns whether this call issued it. */
    @Transactional
    public boolean issueSubscriptionGrant(OrgId org, Actor actor) {
        Optional<Subscription> plan = subscription(org);
        if (plan.isEmpty() || !"active".equals(plan.get().status())) return false;
        Instant now = clock.instant();
        Instant start = Period.MONTH.start(now);
        GrantId id = GrantId.next();
        boolean claimed = jdbc.sql("""
                                INSERT INTO subscription_periods (org_id, period_start, grant_id)
                                VALUES (:org, :start, :grant) ON CONFLICT DO NOTHING
                                """)
                        .param("org", org.value())
                        .param("start", Timestamp.from(start))
                        .param("grant", id.value())
                        .update()
                == 1;
        if (!claimed) return false;
        Instant expires = plan.get().rollover() ? null : Period.MONTH.next(now);
        credits.grant(
                org,
                plan.get().monthlyCredits(),
                "subscription",
                expires,
                "subscription " + start.toString().substring(0, 7),
                actor);
        return true;
    }

    /** Organizations with an active plan. */
    @Transactional(readOnly = true)
    public List<OrgId> subscribed() {
        return jdbc.sql("SELECT org_id FROM subscriptions WHERE status = 'active'")
                .query((rs, n) -> new OrgId(rs.getString(1)))
                .list();
    }

    /**
     * Runs the refill of every budget workspace of the organization whose current refill period
     * has not run yet: {@code to} tops the budget up to the target, {@code add} adds the amount;
     * either is capped by what the pool holds.
     */
    @Transactional
    public int refill(OrgId org) {
        Instant now = clock.instant();
        // Lock the budgets to refill, then the pool, in account-id order as every posting does
        // (refilling one budget after another would otherwise hold the pool while waiting for the
        // next budget, and deadlock with an allocation); then read funding and balances afresh.
        Set<WorkspaceId> locked = new HashSet<>();
        for (FundingRows.Funded w : funding.all(org)) {
            if (refillable(w)) {
                book.lockedBalance(org, Account.budget(w.workspace()));
                locked.add(w.workspace());
            }
        }
        if (locked.isEmpty()) return 0;
        book.lockedBalance(org, Account.POOL);
        int refilled = 0;
        for (FundingRows.Funded w : funding.all(org)) {
            Funding f = w.funding();
            if (!refillable(w) || !locked.contains(w.workspace())) continue;
            WorkspaceId ws = w.workspace();
            Instant start = f.refill().period().start(now);
            Account budget = Account.budget(ws);
            long wanted = f.refill().to() != null
                    ? Math.max(0, f.refill().to().micros() - book.balance(org, budget))
                    : f.refill().add().micros();
            long amount = Math.min(wanted, book.balance(org, Account.POOL));
            boolean claimed = jdbc.sql("""
                                    INSERT INTO refill_runs (org_id, workspace_id, period_start, amount)
                                    VALUES (:org, :ws, :start, :amount) ON CONFLICT DO NOTHING
                                    """)
                            .param("org", org.value())
                            .param("ws", ws.value())
                            .param("start", Timestamp.from(start))
                            .param("amount", Math.max(0, amount))
                            .update()
                    == 1;
            if (claimed && amount > 0) {
                book.ensure(org, budget);
                book.post(
                        org,
                        Account.POOL,
                        budget,
                        amount,
                        Posting.of("refill", Actor.SYSTEM)
                                .workspace(ws.value())
                                .note(f.refill().period().wire() + " refill"));
                refilled++;
            }
        }
        return refilled;
    }

    private static boolean refillable(FundingRows.Funded w) {
        Funding f = w.funding();
        return f.mode() == Funding.Mode.BUDGET && f.refill() != null && "active".equals(w.status());
    }
}
