package dev.atrium.gateway.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.gateway.GatewayException;
import dev.atrium.history.ChatMessage;
import dev.atrium.history.ChatTarget;
import dev.atrium.history.ChatTurn;
import dev.atrium.history.HistoryRecorder;
import dev.atrium.history.HistoryScope;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's side of history: picks a chat turn's conversation before the call, records the
 * turn after settlement. Nothing is recorded when the workspace's policy turns history off.
 */
@Component
public class ChatHistory {
    private static final Logger log = LoggerFactory.getLogger(ChatHistory.class);
    private final HistoryRecorder recorder;

    ChatHistory(HistoryRecorder recorder) {
        this.recorder = recorder;
    }

    public static HistoryScope scope(GatewayContext ctx) {
        return new HistoryScope(ctx.org(), ctx.workspace().id(), ctx.user(), ctx.credential());
    }

    /** The conversation of this turn, or null when history is off; 404 (OpenAI shape) for a foreign id. */
    @Nullable
    Pending begin(GatewayContext ctx, @Nullable String conversationHeader, JsonNode messages) {
        if (!ctx.policy().recordHistory()) return null;
        List<ChatMessage> transcript = transcript(messages);
        try {
            return new Pending(transcript, recorder.target(scope(ctx), conversationHeader, transcript));
        } catch (ApiException e) {
            throw new GatewayException(404, "invalid_request_error", "conversation_not_found", "No such conversation.");
        }
    }

    /** A turn's conversation and the request's messages as history keeps them. */
    public record Pending(List<ChatMessage> transcript, ChatTarget target) {}

    /** After settlement: a failure here is logged, never turned into an error for a charged answer. */
    void record(
            GatewayContext ctx,
            @Nullable Pending p,
            String reply,
            String model,
            long in,
            long out,
            Credits charged,
            String status,
            long latencyMs) {
        ChatTurn turn = turn(ctx, p, reply, model, in, out, charged, status, latencyMs);
        if (turn == null) return;
        try {
            recorder.recordChat(turn);
        } catch (RuntimeException e) {
            log.warn(
                    "could not record chat history for conversation {}",
                    turn.target().id(),
                    e);
        }
    }

    /** The turn to record after settlement, or null when history is off for this call. */
    @Nullable
    ChatTurn turn(
            GatewayContext ctx,
            @Nullable Pending p,
            String reply,
            String model,
            long in,
            long out,
            Credits charged,
            String status,
            long latencyMs) {
        if (p == null) return null;
        return new ChatTurn(scope(ctx), p.target(), p.transcript(), reply, model, in, out, charged, status, latencyMs);
    }

    static List<ChatMessage> transcript(JsonNode messages) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : messages) out.add(new ChatMessage(m.path("role").asString("user"), text(m.path("content"))));
        return out;
    }

    /** The text of a message's content: a string, or the text parts of a content array. */
    static String text(JsonNode content) {
        if (content.isString()) return content.asString();
        if (!content.isArray()) return "";
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            String t = part.path("text").asString(null);
            if (t == null) t = part.path("refusal").asString(null);
            if (t == null) continue;
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(t);
        }
        return sb.toString();
    }
}
