package dev.atrium.usage;

import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One settled AI operation (docs/domain.md, usage events). {@code category} is {@code chat}, {@code image} or
 * {@code speech}; {@code operation} says which endpoint (chat, image, speech, transcription, embedding: the
 * last counted in category {@code chat}); units are tokens for chat and embeddings (input only), images for
 * image, characters or seconds for speech.
 */
public record UsageEvent(
        String id,
        OrgId org,
        WorkspaceId workspace,
        @Nullable UserId user,
        @Nullable KeyId key,
        String model,
        String provider,
        String category,
        String operation,
        long inputUnits,
        long outputUnits,
        Credits credits,
        long latencyMs,
        String status,
        @Nullable String holdId,
        @Nullable String requestId,
        String source,
        Instant occurredAt) {

    public static String newId() {
        return dev.atrium.common.Ids.next("evt_");
    }
}
