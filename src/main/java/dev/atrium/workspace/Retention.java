package dev.atrium.workspace;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;

/** A workspace whose policy keeps history for a limited number of days. */
public record Retention(OrgId org, WorkspaceId workspace, int days) {}
