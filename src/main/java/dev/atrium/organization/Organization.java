package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;

/** The tenant: owns credits, members and workspaces. */
public record Organization(OrgId id, String name, WorkspaceId primaryWorkspaceId, Instant createdAt) {}
