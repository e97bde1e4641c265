package dev.atrium.workspace;

import dev.atrium.common.Credits;
import dev.atrium.identity.KeyInfo;

/**
 * What a workspace key spent in its current spend period (its limit's day, week or month; a month
 * when it has none). Usage is counted by a module that depends on workspaces, which provides this
 * so that the workspace's pages can show it without depending on it.
 */
public interface KeySpendLookup {
    Credits spentThisPeriod(WorkspaceAccess access, KeyInfo key);
}
