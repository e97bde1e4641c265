package dev.atrium.history;

import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import org.jspecify.annotations.Nullable;

/** Where an AI operation ran and on whose behalf: the member (if any) and the credential used. */
public record HistoryScope(
        OrgId org, WorkspaceId workspace, @Nullable UserId user, KeyId key) {}
