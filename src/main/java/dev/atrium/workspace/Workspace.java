package dev.atrium.workspace;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A project-level container for AI usage inside one organization. */
public record Workspace(
        WorkspaceId id,
        @JsonProperty("organization_id") OrgId org,
        String name,
        WorkspaceKind kind,
        String description,
        boolean primary,
        String status,
        String createdBy,
        Instant createdAt,
        @Nullable Instant archivedAt) {

    public boolean active() {
        return "active".equals(status);
    }
}
