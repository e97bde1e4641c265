package dev.atrium.audit;

import dev.atrium.common.AuditEventId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** One administrative action: who did what to which object, with its state before and after. */
public record AuditEvent(
        AuditEventId id,
        String actorType,
        String actorId,
        String action,
        String targetType,
        String targetId,
        @Nullable JsonNode before,
        @Nullable JsonNode after,
        @Nullable String requestId,
        Instant createdAt) {}
