package dev.atrium.workspace;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;

/** Published inside the deleting transaction: budgets return to the pool, history and media are erased. */
public record WorkspaceDeleted(OrgId org, WorkspaceId workspace) {}
