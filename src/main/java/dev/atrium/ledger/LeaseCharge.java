package dev.atrium.ledger;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * What a call admitted from a lease consumed, to be captured from that lease by the settlement
 * writer: identified by the call's reservation id, so applying it twice is recognised.
 */
public record LeaseCharge(
        OrgId org,
        WorkspaceId workspace,
        @Nullable String user,
        Category category,
        String lease,
        String reservation,
        long micros,
        Actor actor) {}
