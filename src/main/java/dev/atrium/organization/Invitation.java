package dev.atrium.organization;

import dev.atrium.common.InvitationId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** An issued invitation; {@code token} is shown only here. */
public record Invitation(
        InvitationId id,
        String token,
        String email,
        OrgRole role,
        @Nullable WorkspaceId workspaceId,
        Instant expiresAt) {}
