package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;

/** Published inside the joining transaction: the member is to be added to {@code workspace}, their default. */
public record MemberJoined(OrgId org, UserId user, WorkspaceId workspace) {}
