package dev.atrium.workspace;

import dev.atrium.common.Credits;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A workspace's governance: model allow/deny lists, history recording and retention, and the most
 * one request may cost. Stored here, enforced by the gateway.
 */
public record Policy(
        @Nullable List<String> allowedModels,
        @Nullable List<String> deniedModels,
        boolean recordHistory,
        @Nullable Integer retentionDays,
        @Nullable Credits maxCreditsPerRequest) {

    public static final Policy DEFAULT = new Policy(null, null, true, null, null);

    /** True when the policy lets the workspace use the model. */
    public boolean allows(String model) {
        if (deniedModels != null && deniedModels.contains(model)) return false;
        return allowedModels == null || allowedModels.contains(model);
    }
}
