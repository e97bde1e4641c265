package dev.atrium.history;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One stored message; the assistant's replies carry the model, tokens and credits of their turn. */
public record MessageView(
        int seq,
        String role,
        String content,
        @Nullable String model,
        long inputTokens,
        long outputTokens,
        String credits,
        String status,
        Instant createdAt) {}
