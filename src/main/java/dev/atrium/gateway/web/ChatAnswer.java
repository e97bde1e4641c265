package dev.atrium.gateway.web;

import dev.atrium.common.Credits;
import dev.atrium.gateway.internal.ChatService;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;

/** The status and headers of a chat call answered whole (chat completions, messages, responses alike). */
final class ChatAnswer {
    private ChatAnswer() {}

    static void headers(HttpServletResponse response, ChatService.Prepared prepared, Credits charged) {
        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setHeader(
                "x-atrium-workspace-id", prepared.ctx().workspace().id().value());
        response.setHeader("x-atrium-credits-charged", charged.toDecimal());
        if (prepared.clampedMaxTokens() != null)
            response.setHeader(ChatService.CLAMPED_HEADER, String.valueOf(prepared.clampedMaxTokens()));
        if (prepared.conversationId() != null)
            response.setHeader("x-atrium-conversation-id", prepared.conversationId());
    }
}
