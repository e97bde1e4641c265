package dev.atrium.ledger.internal.decide;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Refusals;
import dev.atrium.ledger.internal.decide.Operation.CaptureFromLease;
import dev.atrium.ledger.internal.decide.Operation.GiveBack;
import dev.atrium.ledger.internal.decide.Operation.Reserve;
import dev.atrium.ledger.internal.decide.Operation.Resolution;
import dev.atrium.ledger.internal.decide.Operation.Resolve;
import dev.atrium.ledger.internal.decide.Outcome.Decided;
import dev.atrium.ledger.internal.decide.Outcome.Refused;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a hold and its settlement, and a credit lease's captures and give-backs, are decided: the
 * ledger's rules for two-phase spending, in one place. Every path calls {@link #decide} — a combined batch and a caller's own transaction
 * (over rows they locked), the sweeper, a lease (over what it owns in memory) — and differs from
 * the others only in how it reads the {@link State} and writes the {@link Effects}.
 *
 * <h2>A hold ({@link Reserve})</h2>
 *
 * Checked in this order; the first that fails refuses the hold and nothing changes:
 *
 * <ol>
 *   <li>the workspace exists (404 {@code not_found}) and is active (403 {@code workspace_archived});
 *   <li>the workspace's spend limit: {@code used + amount <= cap} on the counter of the current
 *       period (402 {@code insufficient_credits});
 *   <li>the member's spend limit in the workspace, the same way (402);
 *   <li>the funding source holds the whole amount: in {@code budget} mode the workspace's budget,
 *       else, with {@code overflow_to_pool}, the organization's pool (402, naming the budget or the
 *       budget and pool); in {@code pool} mode the pool (402). Never part from one and part from
 *       another.
 * </ol>
 *
 * Admitted, the hold moves {@code amount} from its source to the workspace's {@code held} account
 * (a {@code hold} transfer), adds it to each limit's counter, and records the source and the
 * counters' periods on the hold, where its settlement finds them.
 *
 * <h2>A settlement ({@link Resolve})</h2>
 *
 * A capture or a void is refused, in this order, when the amount is negative (422), the hold does
 * not exist (404), it already left {@code held} (409 {@code hold_resolved}: a hold resolves once),
 * it expired ({@code expires_at <= now}: 409 {@code hold_expired}), or a capture exceeds it (422
 * {@code capture_exceeds_hold}). An expiry (the sweeper) settles only a held hold past its expiry.
 *
 * <p>Admitted: the hold's status becomes {@code captured}, {@code voided} or {@code expired}. Of
 * the held amount, the captured part goes to the workspace's {@code spent} account of the hold's
 * category (a {@code capture} transfer); the rest goes back to the account the hold drew on (a
 * {@code release} after a capture, else a {@code void}), and is given back to the limits' counters
 * of the periods the hold was counted in. When the hold drew on the budget of a workspace deleted
 * since, the rest goes on from that budget to the pool (a {@code deletion_return}), where the
 * deletion sent the budget. An expiry charges the progress recorded on the hold (never above it)
 * and notes {@code hold expired} on its transfers.
 *
 * <h2>A capture from a credit lease ({@link CaptureFromLease})</h2>
 *
 * A call admitted from a lease is charged under its own reservation id. Refused when the amount is
 * negative (422) or the reservation was already captured (409 {@code hold_resolved}: a
 * reservation resolves once, so a settlement applied twice is charged once). An amount of zero
 * resolves the reservation and moves nothing. Otherwise, while the lease is open and its
 * uncaptured part ({@code amount − captured − returned}) covers the charge, the charge moves from
 * the workspace's {@code held} account to its {@code spent} account of the call's category (a
 * {@code capture}, noted {@code lease <id>}) and counts as captured on the lease; a lease never
 * captures more than it holds. A charge the lease cannot cover (it was returned or expired while
 * the call's settlement waited: a node that came back late) is taken from the lease's source
 * account instead (the pool when the lease is unknown), noted {@code after lease <id>}, when that
 * account has the credits; else it is refused (402 {@code insufficient_credits}) and nothing moves.
 * Spend counters do not change: the lease counted the credits when it took them.
 *
 * <h2>A lease's give-back ({@link GiveBack})</h2>
 *
 * Refused (409 {@code lease_closed}) when the lease is unknown or no longer open. Gives back
 * {@code min(amount, uncaptured)}, or all that is uncaptured when it closes: from {@code held} to
 * the lease's source (a {@code release}, noted {@code lease returned}; on to the pool as a {@code
 * deletion_return} when the source is the budget of a workspace deleted since), and off each spend
 * counter the lease counted on, never below zero (a recount may have counted the lease anew).
 *
 * <h2>Always</h2>
 *
 * All or nothing per operation; no account below zero except {@code grants} (a settlement that
 * would overdraw one means the books are broken: it throws rather than decides); the journal is
 * only appended to.
 */
public final class Rules {
    private Rules() {}

    /** Decides {@code op} against {@code state}; when decided, applies its effects to the state. */
    public static Outcome decide(Operation op, State state) {
        Outcome outcome = switch (op) {
            case Reserve r -> reserve(r, state);
            case Resolve r -> resolve(r, state);
            case CaptureFromLease c -> captureFromLease(c, state);
            case GiveBack g -> giveBack(g, state);
        };
        if (outcome instanceof Decided d) {
            noneBelowZero(d.effects(), state);
            state.apply(d.effects());
        }
        return outcome;
    }

    private static Outcome reserve(Reserve r, State state) {
        switch (r.standing()) {
            case MISSING -> {
                return new Refused(ApiException.notFound("workspace"));
            }
            case ARCHIVED -> {
                return new Refused(Refusals.archived());
            }
            case ACTIVE -> {}
        }
        long amount = r.amount();
        if (r.workspaceLimit() != null && exceeds(state, r.workspaceLimit(), amount)) {
            return new Refused(Refusals.workspaceLimit(r.workspaceLimit().period()));
        }
        if (r.memberLimit() != null && exceeds(state, r.memberLimit(), amount)) {
            return new Refused(Refusals.memberLimit(r.memberLimit().period()));
        }
        AccountKey pool = AccountKey.of(r.org(), Account.POOL);
        AccountKey source;
        if (r.mode() == Funding.Mode.BUDGET) {
            AccountKey budget = AccountKey.of(r.org(), Account.budget(r.workspace()));
            if (state.balance(budget) >= amount) {
                source = budget;
            } else if (!r.overflowToPool()) {
                return new Refused(Refusals.budget());
            } else if (state.balance(pool) >= amount) {
                source = pool;
            } else {
                return new Refused(Refusals.budgetAndPool());
            }
        } else if (state.balance(pool) >= amount) {
            source = pool;
        } else {
            return new Refused(Refusals.pool());
        }

        Map<CounterKey, Long> counters = new LinkedHashMap<>();
        if (r.workspaceLimit() != null) counters.put(r.workspaceLimit().counter(), amount);
        if (r.memberLimit() != null) counters.put(r.memberLimit().counter(), amount);
        String user = r.user() == null ? null : r.user().value();
        AccountKey held = AccountKey.of(r.org(), Account.held(r.workspace()));
        Transfer transfer = new Transfer(
                source, held, amount, "hold", r.workspace().value(), r.id().value(), user, r.actor(), null, r.now());
        Hold hold = new Hold(
                r.id(),
                r.workspace(),
                r.user(),
                "held",
                Credits.ofMicros(amount),
                null,
                r.category(),
                r.model(),
                r.now(),
                r.expiresAt(),
                null);
        HoldRow row = new HoldRow(
                r.org(),
                hold,
                source.id(),
                r.workspaceLimit() == null ? null : r.workspaceLimit().counter().period(),
                r.memberLimit() == null ? null : r.memberLimit().counter().period());
        return new Decided(new Effects(row, true, counters, List.of(transfer)));
    }

    private static boolean exceeds(State state, Operation.Cap limit, long amount) {
        return state.used(limit.counter()) + amount > limit.cap();
    }

    private static Outcome resolve(Resolve r, State state) {
        if (r.resolution() == Resolution.CAPTURE && r.amount() < 0) {
            return new Refused(ApiException.invalid("amount", "amount must not be negative."));
        }
        HoldRow row = state.hold(r.org(), r.hold());
        if (row == null) return new Refused(ApiException.notFound("hold"));
        Hold h = row.hold();
        long amount = h.amount().micros();
        long captured = switch (r.resolution()) {
            case CAPTURE -> r.amount();
            case VOID -> 0;
            case EXPIRE -> Math.clamp(r.amount(), 0, amount);
        };
        ApiException refusal =
                r.resolution() == Resolution.EXPIRE ? expiryRefusal(h, r) : resolutionRefusal(h, captured, r);
        if (refusal != null) return new Refused(refusal);

        Hold after = new Hold(
                h.id(),
                h.workspaceId(),
                h.userId(),
                r.resolution().status(),
                h.amount(),
                Credits.ofMicros(captured),
                h.category(),
                h.model(),
                h.createdAt(),
                h.expiresAt(),
                r.now());
        HoldRow settled =
                new HoldRow(row.org(), after, row.sourceAccount(), row.wsPeriodStart(), row.memberPeriodStart());

        long rest = amount - captured;
        Map<CounterKey, Long> counters = new LinkedHashMap<>();
        if (rest > 0) {
            for (CounterKey k : row.counters()) counters.put(k, -rest);
        }
        List<Transfer> transfers = new ArrayList<>(3);
        String ws = h.workspaceId().value();
        String id = h.id().value();
        String user = h.userId() == null ? null : h.userId().value();
        Actor actor = r.actor();
        String note = r.resolution() == Resolution.EXPIRE ? "hold expired" : null;
        AccountKey held = AccountKey.of(row.org(), Account.held(h.workspaceId()));
        if (rest > 0) {
            AccountKey source = new AccountKey(row.org().value(), row.sourceAccount());
            String kind = r.resolution() == Resolution.CAPTURE ? "release" : "void";
            transfers.add(new Transfer(held, source, rest, kind, ws, id, user, actor, note, r.now()));
            if (row.fromBudget() && state.deleted(row.org(), h.workspaceId())) {
                AccountKey pool = AccountKey.of(row.org(), Account.POOL);
                transfers.add(
                        new Transfer(source, pool, rest, "deletion_return", ws, id, null, Actor.SYSTEM, null, r.now()));
            }
        }
        if (captured > 0) {
            AccountKey spent = AccountKey.of(row.org(), Account.spent(h.workspaceId(), h.category()));
            transfers.add(new Transfer(held, spent, captured, "capture", ws, id, user, actor, note, r.now()));
        }
        return new Decided(new Effects(settled, false, counters, transfers));
    }

    private static Outcome captureFromLease(CaptureFromLease c, State state) {
        if (c.amount() < 0) return new Refused(ApiException.invalid("amount", "amount must not be negative."));
        if (state.reservationResolved(c.org(), c.reservation())) {
            return new Refused(ApiException.conflict("hold_resolved", "The reservation is already captured."));
        }
        LeaseRow lease = state.lease(c.org(), c.lease());
        Effects.Charged charged = new Effects.Charged(c.org(), c.reservation());
        if (c.amount() == 0) return new Decided(new Effects(null, false, Map.of(), List.of(), lease, charged));
        AccountKey spent = AccountKey.of(c.org(), Account.spent(c.workspace(), c.category()));
        String user = c.user() == null ? null : c.user().value();
        AccountKey debit;
        String note;
        LeaseRow after = lease;
        if (lease != null && lease.open() && lease.uncaptured() >= c.amount()) {
            debit = AccountKey.of(c.org(), Account.held(c.workspace()));
            note = "lease " + c.lease();
            after = lease.withCaptured(c.amount());
        } else {
            // The call was answered: it is charged from where the lease drew, as far as that account can pay.
            debit = lease == null
                    ? AccountKey.of(c.org(), Account.POOL)
                    : new AccountKey(c.org().value(), lease.sourceAccount());
            note = "after lease " + c.lease();
            if (state.balance(debit) < c.amount()) {
                return new Refused(new InsufficientCredits(
                        "The lease is closed and its source has not enough credits for the charge."));
            }
        }
        Transfer t = new Transfer(
                debit,
                spent,
                c.amount(),
                "capture",
                c.workspace().value(),
                c.reservation(),
                user,
                c.actor(),
                note,
                c.now());
        return new Decided(new Effects(null, false, Map.of(), List.of(t), after, charged));
    }

    private static Outcome giveBack(GiveBack g, State state) {
        LeaseRow lease = state.lease(g.org(), g.lease());
        if (lease == null || !lease.open()) {
            return new Refused(ApiException.conflict("lease_closed", "The lease is no longer open."));
        }
        if (!g.close() && g.amount() < 0)
            return new Refused(ApiException.invalid("amount", "amount must not be negative."));
        long rest = g.close() ? lease.uncaptured() : Math.min(g.amount(), lease.uncaptured());
        Map<CounterKey, Long> counters = new LinkedHashMap<>();
        List<Transfer> transfers = new ArrayList<>(2);
        if (rest > 0) {
            for (CounterKey k : lease.counters()) {
                long back = Math.min(rest, Math.max(0, state.used(k)));
                if (back > 0) counters.put(k, -back);
            }
            String ws = lease.workspace().value();
            AccountKey held = AccountKey.of(g.org(), Account.held(lease.workspace()));
            AccountKey source = new AccountKey(g.org().value(), lease.sourceAccount());
            transfers.add(new Transfer(
                    held, source, rest, "release", ws, lease.id(), null, Actor.SYSTEM, "lease returned", g.now()));
            if (lease.fromBudget() && state.deleted(g.org(), lease.workspace())) {
                AccountKey pool = AccountKey.of(g.org(), Account.POOL);
                transfers.add(new Transfer(
                        source,
                        pool,
                        rest,
                        "deletion_return",
                        ws,
                        lease.id(),
                        null,
                        Actor.SYSTEM,
                        "lease returned",
                        g.now()));
            }
        }
        LeaseRow after = lease.withReturned(rest, !g.close());
        return new Decided(new Effects(null, false, counters, transfers, after, null));
    }

    /** Why a capture or void cannot settle the hold now; null when it can. */
    private static @Nullable ApiException resolutionRefusal(Hold h, long captured, Resolve r) {
        if (!"held".equals(h.status())) return Refusals.resolved(h);
        if (!h.expiresAt().isAfter(r.now())) return Refusals.expired(h);
        if (captured > h.amount().micros()) return Refusals.exceedsHold(h);
        return null;
    }

    /** Why the sweeper cannot expire the hold now; null when it can. */
    private static @Nullable ApiException expiryRefusal(Hold h, Resolve r) {
        if (!"held".equals(h.status())) return Refusals.resolved(h);
        if (h.expiresAt().isAfter(r.now())) return Refusals.notExpired(h);
        return null;
    }

    /** Nothing below zero: the check every admitted operation passes before its effects apply. */
    private static void noneBelowZero(Effects effects, State state) {
        effects.balanceDeltas().forEach((account, delta) -> {
            if (delta < 0 && !account.mayGoNegative() && state.balance(account) + delta < 0) {
                // A hold's source was checked above; a held account always covers its open holds.
                throw new IllegalStateException("the ledger would overdraw " + account);
            }
        });
    }
}
