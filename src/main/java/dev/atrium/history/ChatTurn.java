package dev.atrium.history;

import dev.atrium.common.Credits;
import java.util.List;

/** A settled chat turn: the request's messages, the reply delivered, and what it cost. */
public record ChatTurn(
        HistoryScope scope,
        ChatTarget target,
        List<ChatMessage> request,
        String reply,
        String model,
        long inputTokens,
        long outputTokens,
        Credits credits,
        String status,
        long latencyMs) {}
