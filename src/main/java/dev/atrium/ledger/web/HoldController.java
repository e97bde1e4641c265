package dev.atrium.ledger.web;

import dev.atrium.common.Amount;
import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.Ledger;
import dev.atrium.ledger.internal.Idempotency;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Holds over HTTP, for integrations that meter AI work outside the gateway. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/workspaces/{ws}/holds")
class HoldController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final Ledger ledger;
    private final Idempotency idempotency;

    HoldController(Access access, WorkspaceService workspaces, Ledger ledger, Idempotency idempotency) {
        this.access = access;
        this.workspaces = workspaces;
        this.ledger = ledger;
        this.idempotency = idempotency;
    }

    record HoldBody(
            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String amount,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            Category category,

            @Nullable String model,
            @Nullable String userId,
            @Nullable Long ttlSeconds) {}

    record CaptureBody(
            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String amount) {}

    record HoldView(
            String id,

            @Schema(allowableValues = {"held", "captured", "voided", "expired"})
            String status,

            String amount,
            @Nullable String captured,
            String workspaceId,
            @Nullable String userId,

            @Schema(allowableValues = {"chat", "image", "speech"})
            String category,

            @Nullable String model,
            Instant createdAt,
            Instant expiresAt,
            @Nullable Instant resolvedAt) {
        static HoldView of(Hold h) {
            return new HoldView(
                    h.id().value(),
                    h.status(),
                    h.amount().toDecimal(),
                    h.captured() == null ? null : h.captured().toDecimal(),
                    h.workspaceId().value(),
                    h.userId() == null ? null : h.userId().value(),
                    h.category().wire(),
                    h.model(),
                    h.createdAt(),
                    h.expiresAt(),
                    h.resolvedAt());
        }
    }

    @ApiResponse(responseCode = "201", description = "Created.", useReturnTypeSchema = true)
    @PostMapping
    ResponseEntity<HoldView> hold(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody HoldBody body) {
        WorkspaceAccess a = spender(caller, org, ws);
        var amount = Amounts.positive(body.amount(), "amount");
        if (body.category() == null)
            throw ApiException.invalid("category", "category is required (chat, image, speech).");
        UserId user = attributed(a, caller, body.userId());
        Duration ttl = body.ttlSeconds() == null ? null : Duration.ofSeconds(body.ttlSeconds());
        var request = new HoldRequest(
                a.workspace().org(),
                a.workspace().id(),
                user,
                amount,
                body.category(),
                body.model(),
                ttl,
                Actor.of(caller));
        var outcome = idempotency.run(
                a.workspace().org(),
                "hold",
                key,
                body,
                HoldView.class,
                () -> HoldView.of(ledger.holdInTransaction(request)));
        return CreditsController.created(outcome);
    }

    @GetMapping("/{id}")
    HoldView get(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = spender(caller, org, ws);
        return HoldView.of(inWorkspace(a, ledger.find(a.workspace().org(), HoldId.parse(id))));
    }

    @PostMapping("/{id}/capture")
    ResponseEntity<HoldView> capture(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody CaptureBody body) {
        WorkspaceAccess a = spender(caller, org, ws);
        HoldId hold = HoldId.parse(id);
        inWorkspace(a, ledger.find(a.workspace().org(), hold));
        var amount = Amounts.nonNegative(body.amount(), "amount");
        var outcome = idempotency.run(
                a.workspace().org(),
                "capture:" + id,
                key,
                body,
                HoldView.class,
                () -> HoldView.of(ledger.captureInTransaction(a.workspace().org(), hold, amount, Actor.of(caller))));
        return ResponseEntity.ok(outcome.value());
    }

    @PostMapping("/{id}/void")
    ResponseEntity<HoldView> release(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key) {
        WorkspaceAccess a = spender(caller, org, ws);
        HoldId hold = HoldId.parse(id);
        inWorkspace(a, ledger.find(a.workspace().org(), hold));
        var outcome = idempotency.run(
                a.workspace().org(),
                "void:" + id,
                key,
                id,
                HoldView.class,
                () -> HoldView.of(ledger.releaseInTransaction(a.workspace().org(), hold, Actor.of(caller))));
        return ResponseEntity.ok(outcome.value());
    }

    /** The workspace's own key, org owners/admins (and admin keys), and the workspace's members and admins. */
    private WorkspaceAccess spender(Caller caller, String org, String ws) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        boolean ownKey = a.workspace().id().equals(a.org().keyWorkspace());
        if (!(ownKey || a.org().isAdmin() || a.canUse())) {
            throw ApiException.forbidden("Holds need a workspace key, or the member or admin role in the workspace.");
        }
        // A key bound to a member acts with that member's current role in the workspace.
        UserId bound = ownKey ? a.org().user() : null;
        if (bound != null
                && workspaces
                        .role(a.workspace().org(), a.workspace().id(), bound)
                        .filter(r -> r != WorkspaceRole.VIEWER)
                        .isEmpty()) {
            throw ApiException.forbidden("This key's member is a viewer in the workspace: viewers cannot spend.");
        }
        return a;
    }

    private static Hold inWorkspace(WorkspaceAccess a, Hold h) {
        if (!h.workspaceId().equals(a.workspace().id())) throw ApiException.notFound("hold");
        return h;
    }

    /** Whose spend the hold counts toward: the named member, else the calling person or the key's bound member. */
    private static @Nullable UserId attributed(WorkspaceAccess a, Caller caller, @Nullable String userId) {
        if (userId != null) {
            if (!Ids.isValid(userId, UserId.PREFIX)) throw ApiException.invalid("user_id", "No such member.");
            return new UserId(userId);
        }
        return switch (caller) {
            case Caller.User u -> u.user();
            case Caller.WorkspaceKey k -> k.boundUser();
            case Caller.AdminKey k -> null;
        };
    }
}
