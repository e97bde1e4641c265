package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;

/**
 * Published inside the creating transaction: the workspace capability creates the Primary
 * Workspace with this id and makes the owner its admin before the transaction commits.
 */
public record OrganizationCreated(OrgId org, WorkspaceId primaryWorkspace, UserId owner) {}
