package dev.atrium.gateway.internal;

import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.gateway.limits.CallLimits;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.Workspace;
import org.jspecify.annotations.Nullable;

/**
 * Where a gateway call runs and on whose behalf: the workspace, the member (if any) and the
 * credential; the policy it runs under (the workspace's, narrowed by a key's own model list) and
 * the rate and spend limits it has taken from.
 */
public record GatewayContext(
        OrgId org,
        Workspace workspace,
        @Nullable UserId user,
        KeyId credential,
        String actorType,
        Policy policy,
        CallLimits limits) {}
