package dev.atrium.workspace;

import dev.atrium.common.Credits;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A workspace's governance: model allow/deny lists, history recording and retention, and the most
 * one request may cost, and the workspace's rate limits. Stored here, enforced by the gateway.
 */
public record Policy(
        @Nullable List<String> allowedModels,
        @Nullable List<String> deniedModels,
        boolean recordHistory,
        @Nullable Integer retentionDays,
        @Nullable Credits maxCreditsPerRequest,
        RateLimits rateLimits) {

    public static final Policy DEFAULT = new Policy(null, null, true, null, null, RateLimits.NONE);

    /** This policy with the allowed models narrowed to {@code allowed} (a key's own list), if given. */
    public Policy narrowedTo(@Nullable List<String> allowed) {
        if (allowed == null) return this;
        List<String> models = allowedModels == null
                ? allowed
                : allowed.stream().filter(allowedModels::contains).toList();
        return new Policy(models, deniedModels, recordHistory, retentionDays, maxCreditsPerRequest, rateLimits);
    }

    /** True when the policy lets the workspace use the model. */
    public boolean allows(String model) {
        if (deniedModels != null && deniedModels.contains(model)) return false;
        return allowedModels == null || allowedModels.contains(model);
    }
}
