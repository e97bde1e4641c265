package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.HoldId;
import org.jspecify.annotations.Nullable;

/**
 * The rows an operation is decided against, as the deciding path holds them: locked in the
 * database (a batch), or owned in memory (a lease). A path loads every account and counter an
 * operation may touch ({@link Operation.Reserve#accounts}, {@link HoldRow#accounts}, …) before
 * deciding it; asking for one it did not load is a bug of the path, not a refusal.
 */
public interface State {
    /** The account's balance (0 for an account that does not exist yet). */
    long balance(AccountKey account);

    /** What the spend counter has counted so far in its period. */
    long used(CounterKey counter);

    /** The hold, as locked; null when there is no such hold. */
    @Nullable
    HoldRow hold(OrgId org, HoldId id);

    /** The lease, as locked; null when there is no such lease. */
    @Nullable
    LeaseRow lease(OrgId org, String id);

    /** True when a capture under this reservation id was already decided: a reservation resolves once. */
    boolean reservationResolved(OrgId org, String reservation);

    /** True when the workspace was deleted (its budget went to the pool): what its holds return follows. */
    boolean deleted(OrgId org, WorkspaceId workspace);

    /** Applies a decided operation's effects, so the next operation is decided after it. */
    void apply(Effects effects);
}
