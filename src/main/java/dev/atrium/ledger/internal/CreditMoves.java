package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.ChangeFeed;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Grant;
import dev.atrium.ledger.GrantId;
import dev.atrium.ledger.InsufficientCredits;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The ledger's credit movements as they are, unchecked: grants, allocations, reclaims, transfers
 * between budgets, funding settings, expiry. Only the ledger module reaches them; callers outside
 * it go through {@link dev.atrium.ledger.CreditAdmin}, which checks the caller's role, runs under
 * idempotency and records the audit event.
 */
@Service
public class CreditMoves {
    private final Book book;
    private final Lots lots;
    private final Holds holds;
    private final FundingRows funding;
    private final SpendCounters counters;
    private final Clock clock;
    private final ChangeFeed changes;

    CreditMoves(
            Book book,
            Lots lots,
            Holds holds,
            FundingRows funding,
            SpendCounters counters,
            Clock clock,
            ChangeFeed changes) {
        this.changes = changes;
        this.book = book;
        this.lots = lots;
        this.holds = holds;
        this.funding = funding;
        this.counters = counters;
        this.clock = clock;
    }

    /** Opens the ledger accounts of a new organization. */
    @Transactional
    public void open(OrgId org) {
        book.open(org);
    }

    /** Credits enter the pool. A grant with {@code expiresAt} is consumed before grants without. */
    @Transactional
    public Grant grant(
            OrgId org, Credits amount, String kind, @Nullable Instant expiresAt, @Nullable String note, Actor actor) {
        requirePositive(amount);
        if (!Grant.KINDS.contains(kind)) {
            throw ApiException.invalid("kind", "kind must be one of purchase, subscription, promotional, adjustment.");
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw ApiException.invalid("expires_at", "expires_at must be in the future.");
        }
        if (note != null && note.length() > 1000)
            throw ApiException.invalid("note", "note must be at most 1000 characters.");
        book.open(org);
        lots.catchUp(org);
        Grant grant = new Grant(GrantId.next(), kind, amount, amount, Credits.ZERO, expiresAt, "active", note, now);
        lots.insert(org, grant, actor.type(), actor.id());
        book.post(
                org,
                Account.GRANTS,
                Account.POOL,
                amount.micros(),
                Posting.of("grant", actor).grant(grant.id().value()).note(note));
        return grant;
    }

    /** Pool → a budget-funded workspace's budget. */
    @Transactional
    public void allocate(OrgId org, WorkspaceId ws, Credits amount, Actor actor) {
        requirePositive(amount);
        FundingRows.Funded w = budgetWorkspace(org, ws, "workspace_id");
        if (!"active".equals(w.status())) {
            throw ApiException.conflict("workspace_archived", "Archived workspaces take no new allocations.");
        }
        book.ensure(org, Account.budget(ws));
        if (book.tryPost(
                        org,
                        Account.POOL,
                        Account.budget(ws),
                        amount.micros(),
                        Posting.of("allocation", actor).workspace(ws.value()))
                == null) {
            throw new InsufficientCredits("The organization's credit pool has not enough unallocated credits.");
        }
        stillBudgetFunded(org, ws, "workspace_id");
        fundingChanged(org, ws);
    }

    /**
     * Tells every node, when this transaction commits, that a workspace's funding or credits
     * changed: its credit leases are returned and taken anew under the change.
     */
    private void fundingChanged(OrgId org, WorkspaceId ws) {
        changes.publish(FUNDING_CHANGED, org.value() + "/" + ws.value());
    }

    /** The change feed's topic of {@link #fundingChanged} (read by the credit leases). */
    public static final String FUNDING_CHANGED = "ledger.funding";

    /**
     * Re-reads the funding once a posting holds the budget's lock: a concurrent switch to pool
     * mode (or a deletion) locks the budget before it empties it, so it either committed and is
     * seen here, or runs after this transaction and takes these credits along.
     */
    private void stillBudgetFunded(OrgId org, WorkspaceId ws, String field) {
        budgetWorkspace(org, ws, field);
    }

    /** A budget's unspent, unheld credits → pool. */
    @Transactional
    public void reclaim(OrgId org, WorkspaceId ws, Credits amount, Actor actor) {
        requirePositive(amount);
        budgetWorkspace(org, ws, "workspace_id");
        if (book.tryPost(
                        org,
                        Account.budget(ws),
                        Account.POOL,
                        amount.micros(),
                        Posting.of("reclaim", actor).workspace(ws.value()))
                == null) {
            throw new InsufficientCredits("The workspace's budget has not that many unheld credits.");
        }
        fundingChanged(org, ws);
    }

    /** One budget → another. */
    @Transactional
    public void transfer(OrgId org, WorkspaceId from, WorkspaceId to, Credits amount, Actor actor) {
        requirePositive(amount);
        if (from.equals(to))
            throw ApiException.invalid("to_workspace_id", "to_workspace_id must differ from from_workspace_id.");
        budgetWorkspace(org, from, "from_workspace_id");
        FundingRows.Funded target = budgetWorkspace(org, to, "to_workspace_id");
        if (!"active".equals(target.status())) {
            throw ApiException.conflict("workspace_archived", "Archived workspaces take no new credits.");
        }
        book.ensure(org, Account.budget(to));
        if (book.tryPost(
                        org,
                        Account.budget(from),
                        Account.budget(to),
                        amount.micros(),
                        Posting.of("transfer", actor).workspace(from.value()).note("to " + to.value()))
                == null) {
            throw new InsufficientCredits("The source budget has not that many unheld credits.");
        }
        stillBudgetFunded(org, to, "to_workspace_id");
        fundingChanged(org, from);
        fundingChanged(org, to);
    }

    @Transactional(readOnly = true)
    public Funding funding(OrgId org, WorkspaceId ws) {
        return funding.find(org, ws)
                .orElseThrow(() -> ApiException.notFound("workspace"))
                .funding();
    }

    /**
     * Changes a workspace's funding. The Primary Workspace stays pool-funded. Leaving budget mode
     * returns the budget's balance to the pool and needs the budget's holds settled first.
     *
     * <p>A spend limit counts everything spent in its current period, whenever it was set: a limit
     * that is new, or moves to another period, starts from what was spent in that period so far
     * (plus what open holds reserve), so a limit below that refuses further spending at once.
     */
    @Transactional
    public Funding setFunding(OrgId org, WorkspaceId ws, Funding next, Actor actor) {
        FundingRows.Funded w = funding.find(org, ws).orElseThrow(() -> ApiException.notFound("workspace"));
        if (w.primary() && next.mode() != Funding.Mode.POOL) {
            throw ApiException.conflict("primary_workspace", "The Primary Workspace is always funded from the pool.");
        }
        if (next.mode() == Funding.Mode.POOL && (next.overflowToPool() || next.refill() != null)) {
            throw ApiException.invalid("mode", "overflow_to_pool and refill apply to budget mode only.");
        }
        Instant now = clock.instant();
        Instant wsPeriod = recountFrom(w.funding().spendLimit(), next.spendLimit(), now);
        Instant memberPeriod = recountFrom(w.funding().memberSpendLimit(), next.memberSpendLimit(), now);
        // Locks in the ledger's order: open holds, spend counters, then accounts by id (budget:, held:, pool).
        SpendCounters.Recount recount = wsPeriod == null && memberPeriod == null
                ? null
                : counters.lockForRecount(org, ws, wsPeriod, memberPeriod);
        boolean leavingBudget = w.funding().mode() == Funding.Mode.BUDGET && next.mode() == Funding.Mode.POOL;
        Account budget = Account.budget(ws);
        // Lock first: a hold drawing on the budget commits before (and is seen below) or
        // finds it empty; credits arriving meanwhile wait and then see pool mode.
        long left = leavingBudget ? book.lockedBalance(org, budget) : 0;
        if (recount != null) {
            // No hold of the workspace is taken or resolved until this commits; one taken under the
            // former funding and not yet committed is seen below (it held this lock first) or retried.
            book.ensure(org, Account.held(ws));
            book.lockedBalance(org, Account.held(ws));
        }
        if (leavingBudget) {
            if (holds.openOn(org, budget.id()) > 0 || book.leasesOpenOn(org, budget.id())) {
                throw ApiException.conflict(
                        "open_holds", "The budget has open holds: settle them before leaving budget mode.");
            }
            if (left > 0) {
                book.post(
                        org,
                        budget,
                        Account.POOL,
                        left,
                        Posting.of("reclaim", actor).workspace(ws.value()).note("left budget mode"));
            }
        }
        if (next.mode() == Funding.Mode.BUDGET) {
            book.ensure(org, Account.budget(ws));
        }
        if (recount != null) {
            counters.recount(recount);
        }
        funding.upsert(org, ws, next, now);
        fundingChanged(org, ws);
        return next;
    }

    /**
     * The start of the period a limit must be recounted from: when it is new or changes period (its
     * counter may lack spending of the period so far); null when it is kept as it is or removed.
     */
    private static @Nullable Instant recountFrom(
            Funding.@Nullable Limit before, Funding.@Nullable Limit after, Instant now) {
        if (after == null) return null;
        if (before != null && before.period() == after.period()) return null;
        return after.period().start(now);
    }

    /** A deleted workspace's budget returns to the pool (its open holds settle there as they resolve). */
    @Transactional
    public void returnBudget(OrgId org, WorkspaceId ws) {
        Account budget = Account.budget(ws);
        long left = book.lockedBalance(org, budget);
        if (left > 0) {
            book.post(
                    org,
                    budget,
                    Account.POOL,
                    left,
                    Posting.of("deletion_return", Actor.SYSTEM).workspace(ws.value()));
        }
        fundingChanged(org, ws);
    }

    /**
     * Expires what remains of due grants: first from the pool, then from budgets (largest
     * first). Credits reserved by open holds are never taken: that part stays due and expires
     * when the holds release it. Holds reserve the credits their capture would consume, so they
     * reserve lots in consumption order (soonest expiry first, {@link Lots}): the due lots first.
     */
    @Transactional
    public long expireDue(OrgId org) {
        Instant now = clock.instant();
        lots.catchUp(org);
        if (lots.due(org, now).isEmpty()) return 0;
        // With the accounts locked no capture can move credits, so after a second catch-up the
        // lots' remainders add up to pool + budgets + held exactly.
        long reserved = book.lockForExpiry(org);
        lots.catchUp(org);
        List<Grant> due = lots.due(org, now);
        long expiredTotal = 0;
        for (Grant g : due) {
            long remaining = g.remaining().micros();
            if (remaining == 0) {
                lots.expire(org, g.id(), 0);
                continue;
            }
            long kept = Math.min(remaining, reserved);
            reserved -= kept;
            long left = remaining - kept;
            for (Account source : book.expirySources(org)) {
                if (left == 0) break;
                long take = Math.min(left, book.balance(org, source));
                if (take <= 0) continue;
                book.post(
                        org,
                        source,
                        Account.EXPIRED,
                        take,
                        Posting.of("expiry", Actor.SYSTEM).grant(g.id().value()).workspace(source.workspaceId()));
                lots.expire(org, g.id(), take);
                left -= take;
                expiredTotal += take;
            }
        }
        return expiredTotal;
    }

    @Transactional(readOnly = true)
    public List<Grant> grants(OrgId org, @Nullable String after, int limit) {
        return lots.list(org, after, limit);
    }

    private FundingRows.Funded budgetWorkspace(OrgId org, WorkspaceId ws, String field) {
        FundingRows.Funded w =
                funding.find(org, ws).orElseThrow(() -> ApiException.invalid(field, "No such workspace."));
        if (w.funding().mode() != Funding.Mode.BUDGET) {
            throw new ApiException(
                    HttpStatus.CONFLICT,
                    "not_budget_funded",
                    "The workspace is funded from the pool: switch it to budget mode first.",
                    field);
        }
        return w;
    }

    static void requirePositive(Credits amount) {
        if (amount.micros() <= 0) throw ApiException.invalid("amount", "amount must be greater than 0.");
    }
}
