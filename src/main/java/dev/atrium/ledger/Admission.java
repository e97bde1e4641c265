package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * A call admitted to spend at most {@link #amount()}: from this node's credit lease, in memory
 * ({@link Leased}), or with an exact hold in the database ({@link Held}). Either way it is settled
 * once, through {@link CreditLeases}: a charge of what it consumed, or a void.
 */
public sealed interface Admission {
    Credits amount();

    OrgId org();

    WorkspaceId workspace();

    /** The id the call's charge and usage event carry: the hold's id, or the call's own reservation id. */
    String reservation();

    /** Admitted from a lease: nothing was written anywhere yet. */
    record Leased(
            OrgId org,
            WorkspaceId workspace,
            @Nullable UserId user,
            Category category,
            String lease,
            String reservation,
            Credits amount,
            Object token)
            implements Admission {}

    /** Admitted with an exact hold. */
    record Held(Hold hold, OrgId org) implements Admission {
        @Override
        public Credits amount() {
            return hold.amount();
        }

        @Override
        public WorkspaceId workspace() {
            return hold.workspaceId();
        }

        @Override
        public String reservation() {
            return hold.id().value();
        }
    }
}
