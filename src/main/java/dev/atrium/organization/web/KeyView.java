package dev.atrium.organization.web;

import dev.atrium.identity.KeyInfo;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A key as listed: never its secret. */
@Schema(name = "AdminKeyView")
record KeyView(
        String id,
        String name,
        String prefix,
        @Nullable String workspaceId,
        @Nullable String userId,
        Instant createdAt,
        @Nullable Instant lastUsedAt,
        @Nullable Instant revokedAt,
        String status) {

    static KeyView of(KeyInfo k) {
        return new KeyView(
                k.id().value(),
                k.name(),
                k.prefix(),
                k.workspaceId() == null ? null : k.workspaceId().value(),
                k.userId() == null ? null : k.userId().value(),
                k.createdAt(),
                k.lastUsedAt(),
                k.revokedAt(),
                k.revokedAt() == null ? "active" : "revoked");
    }
}
