package dev.atrium.ledger;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.ledger.internal.Idempotency;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceAccess;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Moving credits by hand: grants, allocations, reclaims, transfers between budgets and funding
 * changes. The only way into them from outside the ledger module: each checks the caller's role,
 * runs once per {@code Idempotency-Key} where it takes one, and records its audit event in the
 * same transaction as the movement. The API and the console go through here as any caller does.
 */
@Service
public class CreditAdmin {
    private final CreditMoves moves;
    private final Idempotency idempotency;
    private final AuditLog audit;
    private final CreditLeases leases;

    CreditAdmin(CreditMoves moves, Idempotency idempotency, AuditLog audit, CreditLeases leases) {
        this.leases = leases;
        this.moves = moves;
        this.idempotency = idempotency;
        this.audit = audit;
    }

    /** Owners, admins and billing manage credits (and admin keys, which act as admin). */
    public static OrgAccess requireManager(OrgAccess a) {
        if (!a.seesAllWorkspaces())
            throw ApiException.forbidden("Managing credits needs the owner, admin or billing role.");
        return a;
    }

    /**
     * Credits enter the pool. A grant with {@code expiresAt} is consumed before grants without.
     * {@code request} is what a repeated {@code key} must match to replay the first response.
     */
    @Transactional
    public Idempotent<GrantView> grant(
            OrgAccess a,
            @Nullable String key,
            Object request,
            Credits amount,
            String kind,
            @Nullable Instant expiresAt,
            @Nullable String note) {
        requireManager(a);
        Caller caller = a.caller();
        return idempotency.run(a.org(), "grant", key, request, GrantView.class, () -> {
            Grant g = moves.grant(a.org(), amount, kind, expiresAt, note, Actor.of(caller));
            var view = GrantView.of(g);
            audit.record(a.org(), caller, "credits.granted", "grant", g.id().value(), null, view);
            return view;
        });
    }

    /** Pool → a budget-funded workspace's budget. */
    @Transactional
    public Idempotent<Movement> allocate(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId ws, Credits amount) {
        return move(a, key, request, ws, amount, "allocation", "credits.allocated", moves::allocate);
    }

    /** A budget's unspent, unheld credits → pool. */
    @Transactional
    public Idempotent<Movement> reclaim(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId ws, Credits amount) {
        // What gateway nodes hold in leases on this budget comes back first, so all of it can be reclaimed.
        leases.recall(a.org(), ws);
        return move(a, key, request, ws, amount, "reclaim", "credits.reclaimed", moves::reclaim);
    }

    /** A movement between the pool and one workspace's budget. */
    @FunctionalInterface
    private interface BudgetMove {
        void apply(OrgId org, WorkspaceId ws, Credits amount, Actor actor);
    }

    private Idempotent<Movement> move(
            OrgAccess a,
            @Nullable String key,
            Object request,
            WorkspaceId ws,
            Credits amount,
            String kind,
            String action,
            BudgetMove apply) {
        requireManager(a);
        Caller caller = a.caller();
        return idempotency.run(a.org(), kind, key, request, Movement.class, () -> {
            apply.apply(a.org(), ws, amount, Actor.of(caller));
            var m = new Movement(kind, ws.value(), null, null, amount.toDecimal());
            audit.record(a.org(), caller, action, "workspace", ws.value(), null, m);
            return m;
        });
    }

    /** One budget → another. */
    @Transactional
    public Idempotent<Movement> transfer(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId from, WorkspaceId to, Credits amount) {
        requireManager(a);
        Caller caller = a.caller();
        leases.recall(a.org(), from);
        return idempotency.run(a.org(), "transfer", key, request, Movement.class, () -> {
            moves.transfer(a.org(), from, to, amount, Actor.of(caller));
            var m = new Movement("transfer", null, from.value(), to.value(), amount.toDecimal());
            audit.record(a.org(), caller, "credits.transferred", "workspace", from.value(), null, m);
            return m;
        });
    }

    @Transactional(readOnly = true)
    public Funding funding(OrgId org, WorkspaceId ws) {
        return moves.funding(org, ws);
    }

    /**
     * Changes a workspace's funding: owners, admins and billing. The Primary Workspace stays
     * pool-funded; leaving budget mode returns the budget's balance to the pool and needs the
     * budget's holds settled first.
     */
    @Transactional
    public Funding setFunding(WorkspaceAccess a, Funding next) {
        if (!a.org().seesAllWorkspaces()) {
            throw ApiException.forbidden("Funding is managed by owners, admins and billing.");
        }
        OrgId org = a.workspace().org();
        WorkspaceId ws = a.workspace().id();
        Funding before = moves.funding(org, ws);
        // Leaving budget mode needs the budget's leases returned (as its holds settled) first.
        if (before.mode() == Funding.Mode.BUDGET && next.mode() == Funding.Mode.POOL) leases.recall(org, ws);
        Funding after = moves.setFunding(org, ws, next, Actor.of(a.org().caller()));
        audit.record(
                org,
                a.org().caller(),
                "workspace.funding_updated",
                "workspace",
                ws.value(),
                FundingBody.of(before),
                FundingBody.of(after));
        return after;
    }

    @Transactional(readOnly = true)
    public List<Grant> grants(OrgId org, @Nullable String after, int limit) {
        return moves.grants(org, after, limit);
    }
}
