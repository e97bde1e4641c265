package dev.atrium.workspace;

import dev.atrium.common.UserId;
import java.time.Instant;

/** A user assigned to a workspace with a workspace role, and their own rate limits there. */
public record WorkspaceMember(
        UserId userId, String email, String name, WorkspaceRole role, Instant addedAt, RateLimits rateLimits) {}
