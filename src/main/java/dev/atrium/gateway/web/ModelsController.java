package dev.atrium.gateway.web;

import dev.atrium.common.Credits;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.Models;
import dev.atrium.identity.Caller;
import dev.atrium.pricing.ImagePrice;
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

/**
 * {@code GET /v1/models}: the models this workspace may use (its policy's allowed and denied models
 * applied, and only those whose provider can run), in OpenAI's list shape. Beside OpenAI's {@code
 * id}, {@code object}, {@code created} and {@code owned_by} (the provider), each model says what
 * it is ({@code atrium_kind}) and what it costs the organization, in credits ({@code
 * atrium_price}, with the organization's own prices applied, in the fields of the pricing API:
 * {@code input_per_million} and {@code output_per_million} for chat, {@code input_per_million}
 * for embeddings, {@code image_prices} per image by size and quality, {@code per_thousand_chars}
 * for speech, {@code per_audio_minute} for transcription), and for chat models their {@code
 * atrium_context_window} and {@code atrium_max_output_tokens}. Clients that know only OpenAI's
 * fields ignore the others.
 */
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
        Map<String, Object> price = new LinkedHashMap<>();
        price.put("unit", "credits");
        switch (m.kind()) {
            case CHAT -> {
                putPrice(price, "input_per_million", m.inputPerMillion());
                putPrice(price, "output_per_million", m.outputPerMillion());
            }
            case EMBEDDING -> putPrice(price, "input_per_million", m.inputPerMillion());
            case IMAGE ->
                price.put(
                        "image_prices",
                        m.imagePrices().stream()
                                .map(ModelsController::imagePrice)
                                .toList());
            case SPEECH -> putPrice(price, "per_thousand_chars", m.perThousandChars());
            case TRANSCRIPTION -> putPrice(price, "per_audio_minute", m.perAudioMinute());
        }
        out.put("atrium_price", price);
        if (m.contextWindow() != null) out.put("atrium_context_window", m.contextWindow());
        if (m.maxOutputTokens() != null) out.put("atrium_max_output_tokens", m.maxOutputTokens());
        return out;
    }

    private static Map<String, String> imagePrice(ImagePrice p) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("size", p.size());
        out.put("quality", p.quality());
        out.put("price", p.price().toDecimal());
        return out;
    }

    private static void putPrice(Map<String, Object> price, String field, @Nullable Credits value) {
        if (value != null) price.put(field, value.toDecimal());
    }
}
