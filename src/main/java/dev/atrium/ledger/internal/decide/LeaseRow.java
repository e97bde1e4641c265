package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.internal.Account;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A credit lease as its captures and give-backs are decided against it: the account it drew on,
 * the spend counters' periods it counted on (null: none), what it was granted, captured and
 * returned, and whether it is still open.
 */
public record LeaseRow(
        OrgId org,
        String id,
        WorkspaceId workspace,
        @Nullable UserId user,
        String sourceAccount,
        long amount,
        long captured,
        long returned,
        boolean open,
        @Nullable Instant wsPeriodStart,
        @Nullable Instant memberPeriodStart) {

    public LeaseRow {
        if (amount < 0 || captured < 0 || returned < 0 || captured + returned > amount)
            throw new IllegalArgumentException("a lease never gives out more than it was granted: " + id);
    }

    /** What the lease still holds: neither captured nor returned. */
    public long uncaptured() {
        return amount - captured - returned;
    }

    /** The spend counters a give-back gives back to. */
    public List<CounterKey> counters() {
        List<CounterKey> keys = new ArrayList<>(2);
        if (wsPeriodStart != null) keys.add(CounterKey.workspace(org, workspace, wsPeriodStart));
        if (memberPeriodStart != null && user != null)
            keys.add(CounterKey.member(org, workspace, user, memberPeriodStart));
        return keys;
    }

    /**
     * The accounts a capture of {@code category} from it may move credits between: the held
     * account, the spent account, and the lease's source (a charge the lease can no longer pay).
     */
    public List<AccountKey> accounts(Category category) {
        return List.of(
                AccountKey.of(org, Account.held(workspace)),
                new AccountKey(org.value(), sourceAccount),
                AccountKey.of(org, Account.spent(workspace, category)));
    }

    LeaseRow withCaptured(long more) {
        return new LeaseRow(
                org,
                id,
                workspace,
                user,
                sourceAccount,
                amount,
                Math.addExact(captured, more),
                returned,
                open,
                wsPeriodStart,
                memberPeriodStart);
    }

    LeaseRow withReturned(long more, boolean stillOpen) {
        return new LeaseRow(
                org,
                id,
                workspace,
                user,
                sourceAccount,
                amount,
                captured,
                Math.addExact(returned, more),
                stillOpen,
                wsPeriodStart,
                memberPeriodStart);
    }

    /** True while the lease draws on a budget (not the pool). */
    public boolean fromBudget() {
        return sourceAccount.startsWith("budget:");
    }
}
