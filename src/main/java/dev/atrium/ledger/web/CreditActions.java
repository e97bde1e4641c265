package dev.atrium.ledger.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Grant;
import dev.atrium.ledger.internal.Idempotency;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceAccess;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Credit movements and funding changes with their authorization, idempotency and audit record: one
 * path for the API's controllers and the console's forms, so both check and record alike.
 */
@Component
class CreditActions {
    private final CreditAdmin credits;
    private final Idempotency idempotency;
    private final AuditLog audit;

    CreditActions(CreditAdmin credits, Idempotency idempotency, AuditLog audit) {
        this.credits = credits;
        this.idempotency = idempotency;
        this.audit = audit;
    }

    /** Owners, admins and billing manage credits (and admin keys, which act as admin). */
    static OrgAccess requireManager(OrgAccess a) {
        if (!a.seesAllWorkspaces())
            throw ApiException.forbidden("Managing credits needs the owner, admin or billing role.");
        return a;
    }

    Idempotency.Outcome<CreditsController.GrantView> grant(
            OrgAccess a,
            @Nullable String key,
            Object request,
            Credits amount,
            String kind,
            @Nullable Instant expiresAt,
            @Nullable String note) {
        requireManager(a);
        Caller caller = a.caller();
        return idempotency.run(a.org(), "grant", key, request, CreditsController.GrantView.class, () -> {
            Grant g = credits.grant(a.org(), amount, kind, expiresAt, note, Actor.of(caller));
            var view = CreditsController.GrantView.of(g);
            audit.record(a.org(), caller, "credits.granted", "grant", g.id().value(), null, view);
            return view;
        });
    }

    /** A movement between the pool and one workspace's budget. */
    @FunctionalInterface
    interface BudgetMove {
        void apply(OrgId org, WorkspaceId ws, Credits amount, Actor actor);
    }

    Idempotency.Outcome<CreditsController.Movement> allocate(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId ws, Credits amount) {
        return move(a, key, request, ws, amount, "allocation", "credits.allocated", credits::allocate);
    }

    Idempotency.Outcome<CreditsController.Movement> reclaim(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId ws, Credits amount) {
        return move(a, key, request, ws, amount, "reclaim", "credits.reclaimed", credits::reclaim);
    }

    private Idempotency.Outcome<CreditsController.Movement> move(
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
        return idempotency.run(a.org(), kind, key, request, CreditsController.Movement.class, () -> {
            apply.apply(a.org(), ws, amount, Actor.of(caller));
            var m = new CreditsController.Movement(kind, ws.value(), null, null, amount.toDecimal());
            audit.record(a.org(), caller, action, "workspace", ws.value(), null, m);
            return m;
        });
    }

    Idempotency.Outcome<CreditsController.Movement> transfer(
            OrgAccess a, @Nullable String key, Object request, WorkspaceId from, WorkspaceId to, Credits amount) {
        requireManager(a);
        Caller caller = a.caller();
        return idempotency.run(a.org(), "transfer", key, request, CreditsController.Movement.class, () -> {
            credits.transfer(a.org(), from, to, amount, Actor.of(caller));
            var m = new CreditsController.Movement("transfer", null, from.value(), to.value(), amount.toDecimal());
            audit.record(a.org(), caller, "credits.transferred", "workspace", from.value(), null, m);
            return m;
        });
    }

    /** Changes a workspace's funding: owners, admins and billing. */
    @Transactional
    Funding setFunding(WorkspaceAccess a, Funding next) {
        if (!a.org().seesAllWorkspaces()) {
            throw ApiException.forbidden("Funding is managed by owners, admins and billing.");
        }
        OrgId org = a.workspace().org();
        WorkspaceId ws = a.workspace().id();
        Funding before = credits.funding(org, ws);
        Funding after = credits.setFunding(org, ws, next, Actor.of(a.org().caller()));
        audit.record(
                org,
                a.org().caller(),
                "workspace.funding_updated",
                "workspace",
                ws.value(),
                FundingController.FundingBody.of(before),
                FundingController.FundingBody.of(after));
        return after;
    }
}
