package dev.atrium.history;

import dev.atrium.common.Credits;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A settled AI operation of any kind (chat, image, speech, transcription, embedding) and the media it produced. */
public record Activity(
        HistoryScope scope,
        String operation,
        String model,
        Credits credits,
        String status,
        long latencyMs,
        @Nullable ConversationId conversation,
        List<String> mediaIds) {}
