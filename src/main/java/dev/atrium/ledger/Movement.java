package dev.atrium.ledger;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/** An allocation, reclaim or transfer as the API and the audit log show it. */
public record Movement(
        @Schema(allowableValues = {"allocation", "reclaim", "transfer"})
        String kind,

        @Nullable String workspaceId,
        @Nullable String fromWorkspaceId,
        @Nullable String toWorkspaceId,
        String amount) {}
