package dev.atrium.gateway.web;

import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.EmbeddingService;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.identity.Caller;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /v1/embeddings}, in OpenAI's wire format. */
@RestController
class EmbeddingsController {
    private final ContextResolver contexts;
    private final EmbeddingService embeddings;

    EmbeddingsController(ContextResolver contexts, EmbeddingService embeddings) {
        this.contexts = contexts;
        this.embeddings = embeddings;
    }

    @PostMapping(path = "/v1/embeddings", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JsonNode> embeddings(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestBody ObjectNode body) {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        EmbeddingService.Embedded result = embeddings.embed(ctx, body);
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .header("x-atrium-workspace-id", ctx.workspace().id().value())
                .header("x-atrium-credits-charged", result.charged().toDecimal())
                .body(result.body());
    }
}
