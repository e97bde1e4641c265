package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.internal.BatchApplier;
import dev.atrium.ledger.internal.Call;
import dev.atrium.ledger.internal.Combiner;
import dev.atrium.ledger.internal.Holds;
import dev.atrium.ledger.internal.decide.HoldRow;
import dev.atrium.ledger.internal.decide.Operation.Resolution;
import dev.atrium.ledger.internal.decide.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two-phase spending, the gateway's entry to the ledger: {@link #hold} reserves against every
 * limit that applies (all or nothing), then {@link #capture} or {@link #release} resolves the hold
 * exactly once. The rules are decided in one place ({@code internal.decide.Rules}); this facade
 * only chooses the path, by the method called:
 *
 * <ul>
 *   <li>{@link #hold}, {@link #capture}, {@link #release}: in a transaction of the ledger's own,
 *       combined with concurrent calls into one transaction and one durable commit ({@code
 *       Combiner}); they return once that commit is done. Call them outside any transaction: inside
 *       one they throw {@link IllegalStateException}, since their effects would not roll back with it.
 *   <li>{@link #holdInTransaction}, {@link #captureInTransaction}, {@link #releaseInTransaction}:
 *       join the caller's transaction (which must be active) and commit or roll back with it, for
 *       work that must be atomic with other writes (an idempotency record, a usage event).
 * </ul>
 *
 * Both paths lock rows in the one order every ledger transaction takes them (holds, spend
 * counters, then accounts by id), so concurrent calls queue instead of deadlocking.
 */
@Service
public class Ledger {
    private final Holds holds;
    private final Clock clock;
    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final TransactionTemplate perSweep;
    private final Combiner combiner;
    private final BatchApplier applier;
    private final ObjectProvider<ExpiryCharges> expiryCharges;

    Ledger(
            Holds holds,
            Combiner combiner,
            BatchApplier applier,
            ObjectProvider<ExpiryCharges> expiryCharges,
            Clock clock,
            PlatformTransactionManager transactions,
            @Value("${atrium.ledger.hold-ttl:PT10M}") Duration defaultTtl,
            @Value("${atrium.ledger.max-hold-ttl:PT24H}") Duration maxTtl) {
        this.holds = holds;
        this.combiner = combiner;
        this.applier = applier;
        this.expiryCharges = expiryCharges;
        this.clock = clock;
        this.defaultTtl = defaultTtl;
        this.maxTtl = maxTtl;
        this.perSweep = new TransactionTemplate(transactions);
    }

    /**
     * Reserves credits for an operation, in a transaction of the ledger's own (combined with
     * concurrent calls). Refused with {@link InsufficientCredits} (402) when the budget or pool
     * lacks them or a workspace or member spend limit would be exceeded; then nothing changes.
     * Archived workspaces take no holds (403 {@code workspace_archived}).
     *
     * @throws IllegalStateException when called inside a transaction: use {@link #holdInTransaction}
     */
    public Hold hold(HoldRequest r) {
        return combined(new Call.Reserve(r, ttl(r)), "hold");
    }

    /** Reserves as {@link #hold} does, inside the caller's transaction (which must be active). */
    public Hold holdInTransaction(HoldRequest r) {
        return joined(new Call.Reserve(r, ttl(r)));
    }

    private Duration ttl(HoldRequest r) {
        Duration ttl = r.ttl() == null ? defaultTtl : r.ttl();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(maxTtl) > 0) {
            throw ApiException.invalid("ttl_seconds", "ttl_seconds must be between 1 and " + maxTtl.toSeconds() + ".");
        }
        return ttl;
    }

    /**
     * Charges {@code amount} (at most the held amount) and returns the rest at once, in a
     * transaction of the ledger's own. A hold resolves once: a second resolution answers 409 {@code
     * hold_resolved}; after its expiry, 409 {@code hold_expired}, and the ledger is unchanged.
     *
     * @throws IllegalStateException when called inside a transaction: use {@link #captureInTransaction}
     */
    public Hold capture(OrgId org, HoldId id, Credits amount, Actor actor) {
        return capture(org, id, amount, actor, (Companion<?>) null);
    }

    /**
     * Captures as {@link #capture(OrgId, HoldId, Credits, Actor)} and runs {@code alsoInTransaction}
     * in the same transaction once the capture is decided: both commit, or neither. It may run on
     * another thread than the caller's.
     */
    public Hold capture(OrgId org, HoldId id, Credits amount, Actor actor, @Nullable Runnable alsoInTransaction) {
        return capture(org, id, amount, actor, alsoInTransaction == null ? null : Companion.of(alsoInTransaction));
    }

    /**
     * Captures as {@link #capture(OrgId, HoldId, Credits, Actor)} and writes {@code also} in the same
     * transaction once the capture is decided (for example, the usage event of the operation): both
     * commit, or neither. Combined captures write their companions of one writer together, possibly
     * on another thread than the caller's.
     */
    public Hold capture(OrgId org, HoldId id, Credits amount, Actor actor, @Nullable Companion<?> also) {
        return combined(new Call.Resolve(org, id, Resolution.CAPTURE, amount.micros(), actor, also), "capture");
    }

    /** Captures as {@link #capture(OrgId, HoldId, Credits, Actor)}, inside the caller's transaction. */
    public Hold captureInTransaction(OrgId org, HoldId id, Credits amount, Actor actor) {
        return joined(new Call.Resolve(org, id, Resolution.CAPTURE, amount.micros(), actor, null));
    }

    /**
     * Returns everything a hold reserved (the operation produced nothing billable), in a
     * transaction of the ledger's own.
     *
     * @throws IllegalStateException when called inside a transaction: use {@link #releaseInTransaction}
     */
    public Hold release(OrgId org, HoldId id, Actor actor) {
        return combined(new Call.Resolve(org, id, Resolution.VOID, 0, actor, null), "release");
    }

    /** Releases as {@link #release}, inside the caller's transaction. */
    public Hold releaseInTransaction(OrgId org, HoldId id, Actor actor) {
        return joined(new Call.Resolve(org, id, Resolution.VOID, 0, actor, null));
    }

    private Hold combined(Call call, String method) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("Ledger." + method + " commits in a transaction of its own and cannot be "
                    + "called inside one; to join the caller's transaction, call Ledger." + method
                    + "InTransaction");
        }
        return combiner.submit(call);
    }

    private Hold joined(Call call) {
        return switch (applier.applyInTransaction(List.of(call)).getFirst()) {
            case Outcome.Decided d -> d.hold();
            case Outcome.Refused r -> throw r.refusal();
        };
    }

    /**
     * Records what an open hold's operation has consumed so far ({@code consumed}, capped at the
     * held amount) and the caller's own {@code detail} of it, with one UPDATE in its own
     * transaction. Should the hold expire unsettled (its caller crashed), the sweeper captures that
     * amount instead of voiding the hold, and hands the detail to {@link ExpiryCharges}. Call it
     * outside a transaction, off any latency-sensitive path; a resolved hold is left as it is.
     */
    public void recordProgress(OrgId org, HoldId id, Credits consumed, String detail) {
        if (consumed.isNegative()) throw ApiException.invalid("amount", "amount must not be negative.");
        holds.recordProgress(org, id, consumed.micros(), detail);
    }

    /**
     * Settles up to {@code limit} expired holds, skipping holds another node is settling: a hold with
     * recorded progress ({@link #recordProgress}) is captured for it and the rest returned, any
     * other is voided. Each hold settles in a transaction of its own: a batch would lock the
     * accounts of one hold after those of another, out of id order, and deadlock with holds,
     * captures and other sweepers on the same accounts. Call it outside a transaction.
     */
    public int sweepExpired(int limit) {
        Instant now = clock.instant();
        int settled = 0;
        while (settled < limit && Boolean.TRUE.equals(perSweep.execute(tx -> sweepOne(now)))) {
            settled++;
        }
        return settled;
    }

    private boolean sweepOne(Instant now) {
        for (HoldRow claimed : holds.claimExpired(now, 1)) {
            OrgId org = claimed.org();
            HoldId id = claimed.hold().id();
            Holds.Progress progress = holds.progress(org, id).orElse(null);
            long recorded = progress == null ? 0 : progress.micros();
            var call = new Call.Resolve(org, id, Resolution.EXPIRE, recorded, Actor.SYSTEM, null);
            if (applier.applyInTransaction(List.of(call)).getFirst() instanceof Outcome.Decided d) {
                Credits captured = d.hold().captured();
                if (progress != null && captured != null && captured.micros() > 0) {
                    ExpiryCharges listener = expiryCharges.getIfAvailable();
                    if (listener != null) listener.charged(org, d.hold(), captured, progress.detail());
                }
                return true;
            }
        }
        return false;
    }

    @Transactional(readOnly = true)
    public Hold find(OrgId org, HoldId id) {
        return holds.find(org, id)
                .orElseThrow(() -> ApiException.notFound("hold"))
                .hold();
    }

    /** The default TTL of a hold. */
    public Duration defaultTtl() {
        return defaultTtl;
    }
}
