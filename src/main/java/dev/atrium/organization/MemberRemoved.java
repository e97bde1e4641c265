package dev.atrium.organization;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;

/** Published inside the removing transaction: workspace assignments and bound keys go; records stay. */
public record MemberRemoved(OrgId org, UserId user) {}
