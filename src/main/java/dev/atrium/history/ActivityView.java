package dev.atrium.history;

import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One AI operation of a workspace, with links to the media it produced. */
public record ActivityView(
        String id,
        String operation,
        String model,
        String credits,
        String status,
        long latencyMs,
        @Nullable UserId userId,
        KeyId keyId,
        @Nullable ConversationId conversationId,
        List<MediaLink> media,
        Instant createdAt) {

    /** A generated image or audio, served by the workspace's media endpoint. */
    public record MediaLink(String id, String url) {}
}
