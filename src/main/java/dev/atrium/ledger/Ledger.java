package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.Combiner;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.Holds;
import dev.atrium.ledger.internal.Posting;
import dev.atrium.ledger.internal.Refusals;
import dev.atrium.ledger.internal.SpendCounters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
 * exactly once. Row locks are always taken in one order (hold, spend counters, then accounts by
 * id) so that concurrent operations queue instead of deadlocking.
 *
 * <p>Called outside a transaction, an operation is combined with concurrent ones into one
 * transaction and one durable commit ({@code Combiner}); it returns once that commit is done.
 * Called inside a transaction, it joins it and commits or rolls back with it.
 */
@Service
public class Ledger {
    private final Book book;
    private final Holds holds;
    private final SpendCounters counters;
    private final FundingRows funding;
    private final Clock clock;
    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final TransactionTemplate perHold;
    private final Combiner combiner;
    private final ObjectProvider<ExpiryCharges> expiryCharges;

    Ledger(
            Book book,
            Holds holds,
            SpendCounters counters,
            FundingRows funding,
            Combiner combiner,
            ObjectProvider<ExpiryCharges> expiryCharges,
            Clock clock,
            PlatformTransactionManager transactions,
            @Value("${atrium.ledger.hold-ttl:PT10M}") Duration defaultTtl,
            @Value("${atrium.ledger.max-hold-ttl:PT24H}") Duration maxTtl) {
        this.book = book;
        this.holds = holds;
        this.counters = counters;
        this.funding = funding;
        this.combiner = combiner;
        this.expiryCharges = expiryCharges;
        this.clock = clock;
        this.defaultTtl = defaultTtl;
        this.maxTtl = maxTtl;
        this.perHold = new TransactionTemplate(transactions);
    }

    /**
     * Reserves credits for an operation. Refused with {@link InsufficientCredits} (402) when the
     * budget or pool lacks them or a workspace or member spend limit would be exceeded; then
     * nothing changes. Archived workspaces take no holds (403 {@code workspace_archived}).
     */
    public Hold hold(HoldRequest r) {
        Duration ttl = r.ttl() == null ? defaultTtl : r.ttl();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(maxTtl) > 0) {
            throw ApiException.invalid("ttl_seconds", "ttl_seconds must be between 1 and " + maxTtl.toSeconds() + ".");
        }
        if (combiner.accepts()) {
            return combiner.hold(r, ttl);
        }
        boolean joined = TransactionSynchronizationManager.isActualTransactionActive();
        for (int attempt = 1; ; attempt++) {
            try {
                return perHold.execute(tx -> holdHere(r, ttl));
            } catch (LimitsChanged e) {
                if (joined || attempt == 3) {
                    throw ApiException.conflict(
                            "funding_changed", "The workspace's spend limits changed during the request: retry it.");
                }
            }
        }
    }

    /** The workspace's limits changed between reading them and locking its held account. */
    private static final class LimitsChanged extends RuntimeException {
        LimitsChanged() {
            super(null, null, false, false);
        }
    }

    private Hold holdHere(HoldRequest r, Duration ttl) {
        FundingRows.Funded ws =
                funding.find(r.org(), r.workspace()).orElseThrow(() -> ApiException.notFound("workspace"));
        if (!"active".equals(ws.status())) {
            throw Refusals.archived();
        }
        Instant now = clock.instant();
        long amount = r.amount().micros();
        Funding f = ws.funding();
        Instant wsPeriod = null;
        if (f.spendLimit() != null) {
            wsPeriod = f.spendLimit().period().start(now);
            if (!counters.admit(
                    r.org(),
                    "workspace",
                    ws.workspace().value(),
                    "",
                    wsPeriod,
                    amount,
                    f.spendLimit().amount().micros())) {
                throw Refusals.workspaceLimit(f.spendLimit().period());
            }
        }
        Instant memberPeriod = null;
        if (f.memberSpendLimit() != null && r.user() != null) {
            memberPeriod = f.memberSpendLimit().period().start(now);
            if (!counters.admit(
                    r.org(),
                    "member",
                    ws.workspace().value(),
                    r.user().value(),
                    memberPeriod,
                    amount,
                    f.memberSpendLimit().amount().micros())) {
                throw Refusals.memberLimit(f.memberSpendLimit().period());
            }
        }
        HoldId id = HoldId.next();
        Account held = Account.held(ws.workspace());
        Posting posting = Posting.of("hold", r.actor())
                .workspace(ws.workspace().value())
                .hold(id.value())
                .user(r.user() == null ? null : r.user().value());
        Hold hold = new Hold(
                id,
                ws.workspace(),
                r.user(),
                "held",
                r.amount(),
                null,
                r.category(),
                r.model(),
                now,
                now.plus(ttl),
                null);
        // The hold row goes in before the postings: no one else sees it until commit, and the shared
        // account rows (pool, budget, held) are then locked only from the posting to the commit.
        Account source = f.mode() == Funding.Mode.BUDGET ? Account.budget(ws.workspace()) : Account.POOL;
        holds.insert(r.org(), hold, source.id(), wsPeriod, memberPeriod);
        if (f.mode() == Funding.Mode.BUDGET) {
            if (book.tryPost(r.org(), source, held, amount, posting) == null) {
                if (!f.overflowToPool()) {
                    throw Refusals.budget();
                }
                postOrRefuse(r.org(), Account.POOL, held, amount, posting, Refusals.budgetAndPool());
                holds.drawFrom(r.org(), id, Account.POOL.id());
            }
        } else {
            postOrRefuse(r.org(), source, held, amount, posting, Refusals.pool());
        }
        // The postings locked the workspace's held account, which a change of its limits locks too:
        // a change that committed meanwhile is seen here, and this hold is decided again under it.
        Funding current = funding.find(r.org(), r.workspace())
                .map(FundingRows.Funded::funding)
                .orElse(f);
        if (!Objects.equals(current.spendLimit(), f.spendLimit())
                || !Objects.equals(current.memberSpendLimit(), f.memberSpendLimit())) {
            throw new LimitsChanged();
        }
        return hold;
    }

    private void postOrRefuse(
            OrgId org, Account from, Account to, long amount, Posting posting, InsufficientCredits refusal) {
        if (book.tryPost(org, from, to, amount, posting) == null) {
            throw refusal;
        }
    }

    /**
     * Charges {@code amount} (at most the held amount) and returns the rest at once. A hold
     * resolves once: a second resolution answers 409 {@code hold_resolved}; after its expiry,
     * 409 {@code hold_expired}, and the ledger is unchanged.
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
        if (amount.isNegative()) throw ApiException.invalid("amount", "amount must not be negative.");
        if (combiner.accepts()) {
            return combiner.resolve(org, id, true, amount.micros(), actor, also);
        }
        return perHold.execute(tx -> {
            Hold captured = captureHere(org, id, amount, actor);
            if (also != null) also.writeAlone();
            return captured;
        });
    }

    private Hold captureHere(OrgId org, HoldId id, Credits amount, Actor actor) {
        Instant now = clock.instant();
        Holds.Row row = holds.resolve(org, id, "captured", amount.micros(), now, false)
                .orElseThrow(() -> refusal(org, id, amount.micros(), now));
        settle(row, amount.micros(), actor, "capture");
        return row.hold(); // as the resolving UPDATE returned it: already captured
    }

    /** Returns everything a hold reserved: the operation produced nothing billable. */
    public Hold release(OrgId org, HoldId id, Actor actor) {
        if (combiner.accepts()) {
            return combiner.resolve(org, id, false, 0, actor, null);
        }
        return perHold.execute(tx -> releaseHere(org, id, actor));
    }

    private Hold releaseHere(OrgId org, HoldId id, Actor actor) {
        Instant now = clock.instant();
        Holds.Row row = holds.resolve(org, id, "voided", 0, now, false).orElseThrow(() -> refusal(org, id, 0, now));
        settle(row, 0, actor, "void");
        return row.hold(); // as the resolving UPDATE returned it: already voided
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
        while (settled < limit && Boolean.TRUE.equals(perHold.execute(tx -> sweepOne(now)))) {
            settled++;
        }
        return settled;
    }

    private boolean sweepOne(Instant now) {
        for (Holds.Row claimed : holds.claimExpired(now, 1)) {
            OrgId org = claimed.org();
            HoldId id = claimed.hold().id();
            Holds.Progress progress = holds.progress(org, id).orElse(null);
            long captured = progress == null
                    ? 0
                    : Math.min(progress.micros(), claimed.hold().amount().micros());
            var row = holds.resolve(org, id, "expired", captured, now, true);
            if (row.isPresent()) {
                settle(row.get(), captured, Actor.SYSTEM, "expiry");
                if (captured > 0) {
                    ExpiryCharges listener = expiryCharges.getIfAvailable();
                    if (listener != null)
                        listener.charged(org, row.get().hold(), Credits.ofMicros(captured), progress.detail());
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

    private void settle(Holds.Row row, long captured, Actor actor, String reason) {
        Hold h = row.hold();
        long amount = h.amount().micros();
        long rest = amount - captured;
        String ws = h.workspaceId().value();
        if (rest > 0) {
            if (row.wsPeriodStart() != null) {
                counters.release(row.org(), "workspace", ws, "", row.wsPeriodStart(), rest);
            }
            if (row.memberPeriodStart() != null && h.userId() != null) {
                counters.release(row.org(), "member", ws, h.userId().value(), row.memberPeriodStart(), rest);
            }
        }
        Account held = Account.held(h.workspaceId());
        Posting base = Posting.of("release", actor)
                .workspace(ws)
                .hold(h.id().value())
                .user(h.userId() == null ? null : h.userId().value())
                .note(reason.equals("expiry") ? "hold expired" : null);
        if (rest > 0) {
            String kind = reason.equals("capture") ? "release" : "void";
            Account source = Account.of(row.sourceAccount());
            book.post(row.org(), held, source, rest, base.kind(kind));
            // A deleted workspace's budget went to the pool; what its holds release follows it.
            // Checked after the posting locked the budget, so a concurrent deletion is seen either
            // committed (here) or, if it comes later, finds these credits in the budget it returns.
            if (source.kind().equals("budget")
                    && funding.find(row.org(), h.workspaceId()).isEmpty()) {
                book.post(
                        row.org(),
                        source,
                        Account.POOL,
                        rest,
                        Posting.of("deletion_return", Actor.SYSTEM)
                                .workspace(ws)
                                .hold(h.id().value()));
            }
        }
        if (captured > 0) {
            book.post(row.org(), held, Account.spent(h.workspaceId(), h.category()), captured, base.kind("capture"));
        }
    }

    private ApiException refusal(OrgId org, HoldId id, long amount, Instant now) {
        Holds.Row row = holds.find(org, id).orElseThrow(() -> ApiException.notFound("hold"));
        ApiException refusal = Refusals.resolution(row.hold(), amount, now);
        if (refusal != null) return refusal;
        return ApiException.conflict("hold_resolved", "The hold was resolved concurrently.");
    }

    /** The default TTL of a hold. */
    public Duration defaultTtl() {
        return defaultTtl;
    }
}
