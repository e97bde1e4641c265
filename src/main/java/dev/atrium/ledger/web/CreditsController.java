package dev.atrium.ledger.web;

import dev.atrium.common.Amount;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.GrantView;
import dev.atrium.ledger.Idempotent;
import dev.atrium.ledger.Movement;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletResponse;
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
    private final ReportReads reads;

    CreditsController(Access access, CreditAdmin credits, CreditReports reports, ReportReads reads) {
        this.access = access;
        this.credits = credits;
        this.reports = reports;
        this.reads = reads;
    }

    record GrantRequest(
            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String amount,

            @Schema(allowableValues = {"purchase", "subscription", "promotional", "adjustment"}) @Nullable
            String kind,

            @Nullable Instant expiresAt,
            @Nullable String note) {}

    record MoveRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String workspaceId,

            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String amount) {}

    record TransferRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String fromWorkspaceId,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String toWorkspaceId,

            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
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
            @RequestParam(required = false) @Nullable String after,
            HttpServletResponse response) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        WorkspaceId ws = workspaceId == null ? null : Amounts.workspace(workspaceId, "workspace_id");
        PageRequest page = PageRequest.of(limit, after);
        return reads.read(response, () -> reports.entries(a.org(), ws, page));
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

    @ApiResponse(responseCode = "201", description = "Created.", useReturnTypeSchema = true)
    @PostMapping("/grants")
    ResponseEntity<GrantView> grant(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody GrantRequest body) {
        OrgAccess a = manager(caller, org);
        var amount = Amounts.positive(body.amount(), "amount");
        String kind = body.kind() == null ? "purchase" : body.kind();
        var outcome = credits.grant(a, key, body, amount, kind, body.expiresAt(), body.note());
        return created(outcome);
    }

    @ApiResponse(responseCode = "201", description = "Created.", useReturnTypeSchema = true)
    @PostMapping("/allocations")
    ResponseEntity<Movement> allocate(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody MoveRequest body) {
        OrgAccess a = manager(caller, org);
        return created(credits.allocate(
                a,
                key,
                body,
                Amounts.workspace(body.workspaceId(), "workspace_id"),
                Amounts.positive(body.amount(), "amount")));
    }

    @ApiResponse(responseCode = "201", description = "Created.", useReturnTypeSchema = true)
    @PostMapping("/reclaims")
    ResponseEntity<Movement> reclaim(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody MoveRequest body) {
        OrgAccess a = manager(caller, org);
        return created(credits.reclaim(
                a,
                key,
                body,
                Amounts.workspace(body.workspaceId(), "workspace_id"),
                Amounts.positive(body.amount(), "amount")));
    }

    @ApiResponse(responseCode = "201", description = "Created.", useReturnTypeSchema = true)
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
        var outcome = credits.transfer(a, key, body, from, to, amount);
        return created(outcome);
    }

    /** Owners, admins and billing manage credits (and admin keys, which act as admin). */
    private OrgAccess manager(Caller caller, String org) {
        return CreditAdmin.requireManager(access.to(caller, OrgId.parse(org)));
    }

    static <T> ResponseEntity<T> created(Idempotent<T> outcome) {
        var builder = ResponseEntity.status(HttpStatus.CREATED);
        if (outcome.replayed()) builder.header("Idempotent-Replayed", "true");
        return builder.body(outcome.value());
    }
}
