package dev.atrium.gateway.web;

import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.Models;
import dev.atrium.identity.Caller;
import dev.atrium.pricing.PricedModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: the models this workspace may use, in OpenAI's list shape. */
@RestController
class ModelsController {
    private final ContextResolver contexts;
    private final Models models;

    ModelsController(ContextResolver contexts, Models models) {
        this.contexts = contexts;
        this.models = models;
    }

    @GetMapping("/v1/models")
    Map<String, Object> list(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace) {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        List<Map<String, Object>> data =
                models.allowed(ctx).stream().map(ModelsController::model).toList();
        return Map.of("object", "list", "data", data);
    }

    @GetMapping("/v1/models/{*model}")
    Map<String, Object> get(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @PathVariable String model) {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        String id = model.startsWith("/") ? model.substring(1) : model;
        return models.allowed(ctx).stream()
                .filter(m -> m.id().equals(id))
                .findFirst()
                .map(ModelsController::model)
                .orElseThrow(() -> GatewayException.modelNotFound(id));
    }

    private static Map<String, Object> model(PricedModel m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", m.id());
        out.put("object", "model");
        out.put("created", 1_700_000_000L);
        out.put("owned_by", m.provider());
        out.put("atrium_kind", m.kind().wire());
        return out;
    }
}
