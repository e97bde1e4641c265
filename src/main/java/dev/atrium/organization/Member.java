package dev.atrium.organization;

import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A user inside one organization. */
public record Member(
        UserId userId,
        String email,
        String name,
        OrgRole role,
        @Nullable WorkspaceId defaultWorkspaceId,
        String status,
        Instant joinedAt) {}
