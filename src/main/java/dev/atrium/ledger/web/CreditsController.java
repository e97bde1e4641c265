package dev.atrium.ledger.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Grant;
import dev.atrium.ledger.internal.Idempotency;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The organization's credits: overview, grants, allocations, reclaims, transfers, statement, invariant. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/credits")
class CreditsController {
    private final Access access;
    private final CreditAdmin credits;
    private final CreditReports reports;
    private final Idempotency idempotency;
    private final AuditLog audit;

    CreditsController(
            Access access, CreditAdmin credits, CreditReports reports, Idempotency idempotency, AuditLog audit) {
        this.access = access;
        this.credits = credits;
        this.reports = reports;
        this.idempotency = idempotency;
        this.audit = audit;
    }

    record GrantRequest(
            @Nullable String amount,
            @Nullable String kind,
            @Nullable Instant expiresAt,
            @Nullable String note) {}

    record GrantView(
            String id,
            String kind,
            String amount,
            String remaining,
            String expiredAmount,
            @Nullable Instant expiresAt,
            String status,
            @Nullable String note,
            Instant createdAt) {
        static GrantView of(Grant g) {
            return new GrantView(
                    g.id().value(),
                    g.kind(),
                    g.amount().toDecimal(),
                    g.remaining().toDecimal(),
                    g.expiredAmount().toDecimal(),
                    g.expiresAt(),
                    g.status(),
                    g.note(),
                    g.createdAt());
        }
    }

    record MoveRequest(
            @Nullable String workspaceId, @Nullable String amount) {}

    record TransferRequest(
            @Nullable String fromWorkspaceId,
            @Nullable String toWorkspaceId,
            @Nullable String amount) {}

    record Movement(
            String kind,
            @Nullable String workspaceId,
            @Nullable String fromWorkspaceId,
            @Nullable String toWorkspaceId,
            String amount) {}

    @GetMapping
    CreditReports.Overview overview(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return reports.overview(
                access.to(caller, OrgId.parse(org)).requireSeesAll().org());
    }

    @GetMapping("/invariant")
    CreditReports.Invariant invariant(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return reports.invariant(
                access.to(caller, OrgId.parse(org)).requireSeesAll().org());
    }

    @GetMapping("/entries")
    Page<CreditReports.Entry> entries(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(name = "workspace_id", required = false) @Nullable String workspaceId,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        WorkspaceId ws = workspaceId == null ? null : Amounts.workspace(workspaceId, "workspace_id");
        return reports.entries(a.org(), ws, PageRequest.of(limit, after));
    }

    @GetMapping("/grants")
    Map<String, List<GrantView>> grants(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        PageRequest page = PageRequest.of(limit, after);
        return Map.of(
                "data",
                credits.grants(a.org(), page.after(), page.limit()).stream()
                        .map(GrantView::of)
                        .toList());
    }

    @PostMapping("/grants")
    ResponseEntity<GrantView> grant(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody GrantRequest body) {
        OrgAccess a = manager(caller, org);
        var amount = Amounts.positive(body.amount(), "amount");
        String kind = body.kind() == null ? "purchase" : body.kind();
        var outcome = idempotency.run(a.org(), "grant", key, body, GrantView.class, () -> {
            Grant g = credits.grant(a.org(), amount, kind, body.expiresAt(), body.note(), Actor.of(caller));
            GrantView view = GrantView.of(g);
            audit.record(a.org(), caller, "credits.granted", "grant", g.id().value(), null, view);
            return view;
        });
        return created(outcome);
    }

    @PostMapping("/allocations")
    ResponseEntity<Movement> allocate(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody MoveRequest body) {
        return move(caller, org, key, body, "allocation", "credits.allocated", credits::allocate);
    }

    @PostMapping("/reclaims")
    ResponseEntity<Movement> reclaim(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody MoveRequest body) {
        return move(caller, org, key, body, "reclaim", "credits.reclaimed", credits::reclaim);
    }

    /** A movement between the pool and one workspace's budget. */
    @FunctionalInterface
    interface BudgetMove {
        void apply(OrgId org, WorkspaceId ws, dev.atrium.common.Credits amount, Actor actor);
    }

    private ResponseEntity<Movement> move(
            Caller caller,
            String org,
            @Nullable String key,
            MoveRequest body,
            String kind,
            String action,
            BudgetMove apply) {
        OrgAccess a = manager(caller, org);
        WorkspaceId ws = Amounts.workspace(body.workspaceId(), "workspace_id");
        var amount = Amounts.positive(body.amount(), "amount");
        var outcome = idempotency.run(a.org(), kind, key, body, Movement.class, () -> {
            apply.apply(a.org(), ws, amount, Actor.of(caller));
            Movement m = new Movement(kind, ws.value(), null, null, amount.toDecimal());
            audit.record(a.org(), caller, action, "workspace", ws.value(), null, m);
            return m;
        });
        return created(outcome);
    }

    @PostMapping("/transfers")
    ResponseEntity<Movement> transfer(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody TransferRequest body) {
        OrgAccess a = manager(caller, org);
        WorkspaceId from = Amounts.workspace(body.fromWorkspaceId(), "from_workspace_id");
        WorkspaceId to = Amounts.workspace(body.toWorkspaceId(), "to_workspace_id");
        var amount = Amounts.positive(body.amount(), "amount");
        var outcome = idempotency.run(a.org(), "transfer", key, body, Movement.class, () -> {
            credits.transfer(a.org(), from, to, amount, Actor.of(caller));
            Movement m = new Movement("transfer", null, from.value(), to.value(), amount.toDecimal());
            audit.record(a.org(), caller, "credits.transferred", "workspace", from.value(), null, m);
            return m;
        });
        return created(outcome);
    }

    /** Owners, admins and billing manage credits (and admin keys, which act as admin). */
    private OrgAccess manager(Caller caller, String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org));
        if (!a.seesAllWorkspaces())
            throw ApiException.forbidden("Managing credits needs the owner, admin or billing role.");
        return a;
    }

    static <T> ResponseEntity<T> created(Idempotency.Outcome<T> outcome) {
        var builder = ResponseEntity.status(HttpStatus.CREATED);
        if (outcome.replayed()) builder.header("Idempotent-Replayed", "true");
        return builder.body(outcome.value());
    }
}
