package dev.atrium.gateway.web;

import dev.atrium.gateway.internal.ChatService;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.ResponsesService;
import dev.atrium.identity.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /v1/responses}, OpenAI's Responses API for text, streaming or not ({@link ResponsesService}). */
@RestController
class ResponsesController {
    private final ContextResolver contexts;
    private final ResponsesService responses;
    private final JsonMapper json;

    ResponsesController(ContextResolver contexts, ResponsesService responses, JsonMapper json) {
        this.contexts = contexts;
        this.responses = responses;
        this.json = json;
    }

    @PostMapping(path = "/v1/responses", consumes = MediaType.APPLICATION_JSON_VALUE)
    void create(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestBody ObjectNode body,
            HttpServletResponse response)
            throws IOException {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        ResponsesService.Call call = responses.prepare(ctx, body);
        if (call.stream()) {
            responses.stream(call, response);
            return;
        }
        ResponsesService.Answered done = responses.complete(call);
        ChatService.Prepared prepared = call.prepared();
        ChatAnswer.headers(response, prepared, done.charged());
        json.writeValue(response.getOutputStream(), done.body());
    }
}
