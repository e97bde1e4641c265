package dev.atrium.history;

import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A conversation without its messages, as lists show it. */
public record ConversationSummary(
        ConversationId id,
        WorkspaceId workspaceId,
        String title,
        String visibility,
        @Nullable UserId createdBy,
        KeyId createdByKey,
        int messageCount,
        Instant createdAt,
        Instant updatedAt) {}
