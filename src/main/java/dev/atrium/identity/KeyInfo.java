package dev.atrium.identity;

import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** What may be shown of a key after issuance: never the secret. */
public record KeyInfo(
        KeyId id,
        String name,
        String prefix,
        @Nullable WorkspaceId workspaceId,
        @Nullable UserId userId,
        Instant createdAt,
        @Nullable Instant expiresAt,
        @Nullable Instant revokedAt,
        @Nullable Instant lastUsedAt,
        @Nullable String createdBy,
        KeySettings settings) {}
