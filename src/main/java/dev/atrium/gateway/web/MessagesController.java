package dev.atrium.gateway.web;

import dev.atrium.gateway.internal.ChatService;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.MessagesWire;
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

/**
 * {@code POST /v1/messages}, wire-compatible with Anthropic's Messages API, streaming or not: the
 * request runs as a chat call ({@link ChatService}: the same admission, charging, usage and history),
 * whatever provider the model routes to. Authenticated by {@code x-api-key} or a bearer token; its
 * errors leave in Anthropic's shape ({@link OpenAiErrorShape} reshapes them on this path).
 */
@RestController
class MessagesController {
    private final ContextResolver contexts;
    private final ChatService chat;
    private final MessagesWire wire;
    private final JsonMapper json;

    MessagesController(ContextResolver contexts, ChatService chat, JsonMapper json) {
        this.contexts = contexts;
        this.chat = chat;
        this.wire = new MessagesWire(json);
        this.json = json;
    }

    @PostMapping(path = "/v1/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    void messages(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestHeader(name = "X-Atrium-Conversation-Id", required = false) @Nullable String conversation,
            @RequestBody ObjectNode body,
            HttpServletResponse response)
            throws IOException {
        ObjectNode request = wire.toChat(body);
        GatewayContext ctx = contexts.resolve(caller, workspace);
        ChatService.Prepared prepared = chat.prepare(ctx, request, conversation);
        if (prepared.stream()) {
            chat.stream(prepared, response, wire.sink(prepared));
            return;
        }
        ChatService.Completed done = chat.complete(prepared);
        ChatAnswer.headers(response, prepared, done.charged());
        json.writeValue(response.getOutputStream(), wire.toMessage(done.body()));
    }
}
