package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A reservation to make before an AI operation runs. */
public record HoldRequest(
        OrgId org,
        WorkspaceId workspace,
        @Nullable UserId user,
        Credits amount,
        Category category,
        @Nullable String model,
        @Nullable Duration ttl,
        Actor actor) {

    public HoldRequest {
        if (amount.micros() <= 0) throw new IllegalArgumentException("a hold is for a positive amount");
    }
}
