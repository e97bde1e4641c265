package dev.atrium.ledger;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A threshold alert fired (once per threshold and period): {@code event} is {@code alert.threshold}
 * (a workspace's budget or spend limit, {@code workspace} set) or {@code alert.pool_low}. Published
 * inside the transaction that claims the firing, beside its audit event and webhook deliveries.
 */
public record AlertFired(OrgId org, String event, @Nullable WorkspaceId workspace, Map<String, Object> details) {}
