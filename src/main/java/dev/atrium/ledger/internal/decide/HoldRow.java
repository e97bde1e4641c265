package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.internal.Account;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A hold with what its settlement needs to know: the account it drew on and the periods of the
 * spend counters it counts on (null: none).
 */
public record HoldRow(
        OrgId org,
        Hold hold,
        String sourceAccount,
        @Nullable Instant wsPeriodStart,
        @Nullable Instant memberPeriodStart) {

    /** The spend counters its settlement gives back to. */
    public List<CounterKey> counters() {
        List<CounterKey> keys = new ArrayList<>(2);
        if (wsPeriodStart != null) keys.add(CounterKey.workspace(org, hold.workspaceId(), wsPeriodStart));
        if (memberPeriodStart != null && hold.userId() != null) {
            keys.add(CounterKey.member(org, hold.workspaceId(), hold.userId(), memberPeriodStart));
        }
        return keys;
    }

    /**
     * The accounts its settlement moves credits between: its workspace's held account, the account
     * it drew on and the spent account of its category (and the pool, should its budget workspace
     * have been deleted: see {@link State#deleted}).
     */
    public List<AccountKey> accounts() {
        return List.of(
                AccountKey.of(org, Account.held(hold.workspaceId())),
                new AccountKey(org.value(), sourceAccount),
                AccountKey.of(org, Account.spent(hold.workspaceId(), hold.category())));
    }

    /** True while the hold drew on a budget (not the pool). */
    public boolean fromBudget() {
        return sourceAccount.startsWith("budget:");
    }
}
