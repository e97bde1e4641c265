package dev.atrium.organization;

import dev.atrium.common.InvitationId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** An invitation as it may be listed: never its link. */
public record InvitationInfo(
        InvitationId id,
        String email,
        OrgRole role,
        @Nullable WorkspaceId workspaceId,
        InvitationStatus status,
        String invitedBy,
        Instant createdAt,
        Instant expiresAt,
        @Nullable Instant resentAt,
        @Nullable Instant acceptedAt,
        @Nullable Instant revokedAt) {}
