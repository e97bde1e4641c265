package dev.atrium.gateway.web;

import dev.atrium.gateway.internal.ChatService;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
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

/** {@code POST /v1/chat/completions}, streaming or not, wire-compatible with OpenAI's. */
@RestController
class ChatController {
    private final ContextResolver contexts;
    private final ChatService chat;
    private final JsonMapper json;

    ChatController(ContextResolver contexts, ChatService chat, JsonMapper json) {
        this.contexts = contexts;
        this.chat = chat;
        this.json = json;
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    void completions(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestHeader(name = "X-Atrium-Conversation-Id", required = false) @Nullable String conversation,
            @RequestBody ObjectNode body,
            HttpServletResponse response)
            throws IOException {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        ChatService.Prepared prepared = chat.prepare(ctx, body, conversation);
        if (prepared.stream()) {
            chat.stream(prepared, response);
            return;
        }
        ChatService.Completed done = chat.complete(prepared);
        ChatAnswer.headers(response, prepared, done.charged());
        json.writeValue(response.getOutputStream(), done.body());
    }
}
