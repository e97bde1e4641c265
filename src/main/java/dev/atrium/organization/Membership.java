package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;

/** One of a user's organizations, as shown by {@code GET /api/v1/me}. */
public record Membership(OrgId id, String name, OrgRole role, WorkspaceId defaultWorkspaceId) {}
