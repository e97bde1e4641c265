package dev.atrium.gateway.limits;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import dev.atrium.organization.Access;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A workspace's API keys: issue with their own limits (a spend limit per period, allowed models
 * within the workspace's policy, rate limits, an expiry), list with what each spent this period,
 * edit, rotate and revoke. Who may do what is the workspace's rule ({@link WorkspaceTeam}).
 */
@RestController
@RequestMapping("/api/v1/organizations/{org}/workspaces/{ws}/api-keys")
class ApiKeysController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;
    private final WorkspaceKeys keys;
    private final JsonMapper json;

    ApiKeysController(
            Access access, WorkspaceService workspaces, WorkspaceTeam team, WorkspaceKeys keys, JsonMapper json) {
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
        this.keys = keys;
        this.json = json;
    }

    @Schema(name = "SpendLimit")
    record SpendLimit(@Nullable String amount, @Nullable String period) {}

    @Schema(name = "WorkspaceKeyRequest")
    record KeyRequest(
            @Nullable String name,
            @Nullable String userId,
            @Nullable SpendLimit spendLimit,
            @Nullable List<String> allowedModels,
            @Nullable Instant expiresAt,
            @Nullable RateLimits rateLimits) {}

    /** What PATCH may change (documentation of its body: a field absent stays, null clears). */
    @Schema(name = "WorkspaceKeyUpdate")
    record KeyUpdate(
            @Nullable String name,
            @Nullable SpendLimit spendLimit,
            @Nullable List<String> allowedModels,
            @Nullable Instant expiresAt,
            @Nullable RateLimits rateLimits) {}

    @Schema(name = "IssuedWorkspaceKey")
    record IssuedKey(
            String id,
            String key,
            String prefix,
            String workspaceId,
            @Nullable String userId,
            Instant createdAt,
            @Nullable Instant expiresAt) {}

    @Schema(name = "WorkspaceKeyView")
    record KeyView(
            String id,
            String name,
            String prefix,
            @Nullable String userId,
            @Nullable String createdBy,
            Instant createdAt,
            @Nullable Instant lastUsedAt,
            @Nullable Instant revokedAt,
            @Nullable Instant expiresAt,
            String status,
            @Nullable SpendLimit spendLimit,
            @Nullable List<String> allowedModels,
            RateLimits rateLimits,
            String spentThisPeriod,
            Instant periodStart) {}

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKey issue(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody KeyRequest body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        UserId bound = body.userId() == null ? null : userId(body.userId());
        KeySettings settings =
                keys.settings(a, body.spendLimit(), body.allowedModels(), body.expiresAt(), body.rateLimits(), true);
        IssuedToken key = team.issueKey(a, body.name() == null ? "" : body.name(), bound, settings);
        return new IssuedKey(
                key.id().value(),
                key.secret(),
                key.prefix(),
                a.workspace().id().value(),
                bound == null ? (a.canManage() ? null : a.org().user().value()) : bound.value(),
                key.createdAt(),
                key.expiresAt());
    }

    @GetMapping
    Map<String, List<KeyView>> list(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        WorkspaceAccess a = resolve(caller, org, ws);
        return Map.of("data", team.keys(a).stream().map(k -> keys.view(a, k)).toList());
    }

    @GetMapping("/{id}")
    KeyView get(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = resolve(caller, org, ws);
        return keys.view(a, team.key(a, keyId(id)));
    }

    /** Changes what the body names: a field absent stays, a field set to null is cleared. */
    @PatchMapping("/{id}")
    KeyView update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            content =
                                    @io.swagger.v3.oas.annotations.media.Content(
                                            schema = @Schema(implementation = KeyUpdate.class)))
                    @RequestBody
                    ObjectNode body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        KeyInfo key = team.key(a, keyId(id));
        for (String field : body.propertyNames()) {
            if (!List.of("name", "spend_limit", "allowed_models", "expires_at", "rate_limits")
                    .contains(field)) {
                throw ApiException.invalid(
                        field,
                        "Unknown field '" + field
                                + "': a key's name, spend_limit, allowed_models, expires_at and rate_limits can change.");
            }
        }
        KeySettings now = key.settings();
        String name = body.has("name") ? text(body.get("name"), "name") : key.name();
        SpendLimit limit = body.has("spend_limit")
                ? read(body.get("spend_limit"), SpendLimit.class, "spend_limit")
                : now.spendLimitMicros() == null
                        ? null
                        : new SpendLimit(
                                Credits.ofMicros(now.spendLimitMicros()).toDecimal(), now.spendPeriod());
        @SuppressWarnings("unchecked")
        List<String> models = body.has("allowed_models")
                ? read(body.get("allowed_models"), List.class, "allowed_models")
                : now.allowedModels();
        Instant expires =
                body.has("expires_at") ? read(body.get("expires_at"), Instant.class, "expires_at") : now.expiresAt();
        RateLimits limits = body.has("rate_limits")
                ? read(body.get("rate_limits"), RateLimits.class, "rate_limits")
                : new RateLimits(now.requestsPerMinute(), now.tokensPerMinute(), now.concurrent());
        boolean expiryChanged = body.has("expires_at");
        KeySettings settings = keys.settings(a, limit, models, expires, limits, expiryChanged);
        return keys.view(a, team.updateKey(a, key.id(), name == null ? "" : name, settings));
    }

    @PostMapping("/{id}/rotate")
    IssuedKey rotate(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = resolve(caller, org, ws);
        IssuedToken rotated = team.rotateKey(a, keyId(id));
        KeyInfo key = team.key(a, rotated.id());
        return new IssuedKey(
                key.id().value(),
                rotated.secret(),
                rotated.prefix(),
                a.workspace().id().value(),
                key.userId() == null ? null : key.userId().value(),
                key.createdAt(),
                key.expiresAt());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = resolve(caller, org, ws);
        if (a.org().keyWorkspace() != null) throw ApiException.forbidden("Workspace keys are for the gateway.");
        team.revokeKey(a, keyId(id));
    }

    private <T> @Nullable T read(JsonNode node, Class<T> type, String field) {
        if (node == null || node.isNull()) return null;
        try {
            return json.treeToValue(node, type);
        } catch (JacksonException e) {
            throw ApiException.invalid(field, field + " has the wrong shape.");
        }
    }

    private static @Nullable String text(JsonNode node, String field) {
        if (node.isNull()) return null;
        if (!node.isString()) throw ApiException.invalid(field, field + " must be a string.");
        return node.asString();
    }

    private WorkspaceAccess resolve(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
    }

    private static KeyId keyId(String id) {
        if (!Ids.isValid(id, KeyId.PREFIX)) throw ApiException.notFound("key");
        return new KeyId(id);
    }

    private static UserId userId(String value) {
        if (!Ids.isValid(value, UserId.PREFIX)) {
            throw ApiException.invalid("user_id", "The user is not a member of this organization.");
        }
        return new UserId(value);
    }
}
