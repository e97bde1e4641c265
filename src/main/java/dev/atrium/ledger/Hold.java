package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A reservation and how it resolved. */
public record Hold(
        HoldId id,
        WorkspaceId workspaceId,
        @Nullable UserId userId,
        String status,
        Credits amount,
        @Nullable Credits captured,
        Category category,
        @Nullable String model,
        Instant createdAt,
        Instant expiresAt,
        @Nullable Instant resolvedAt) {}
