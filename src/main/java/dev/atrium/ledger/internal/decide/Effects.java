package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What one decided operation changes: the hold row ({@code created}: a new hold to insert; else
 * the row as its settlement leaves it; null for a lease's operations), the lease row as a capture or
 * give-back leaves it (null for holds, and for a lease unknown here), the reservation a lease
 * capture resolved, the spend
 * counters' deltas and the transfers to append. Balances change by exactly the transfers ({@link
 * #balanceDeltas}).
 */
public record Effects(
        @Nullable HoldRow hold,
        boolean created,
        Map<CounterKey, Long> counterDeltas,
        List<Transfer> transfers,
        @Nullable LeaseRow lease,
        @Nullable Charged charged) {

    /** The reservation a lease capture resolved: no second capture under it is decided. */
    public record Charged(OrgId org, String reservation) {}

    public Effects {
        counterDeltas = Map.copyOf(counterDeltas);
        transfers = List.copyOf(transfers);
    }

    /** A hold's effects. */
    public Effects(HoldRow hold, boolean created, Map<CounterKey, Long> counterDeltas, List<Transfer> transfers) {
        this(hold, created, counterDeltas, transfers, null, null);
    }

    /** Per account, what the transfers add to (or take from) its balance. */
    public Map<AccountKey, Long> balanceDeltas() {
        Map<AccountKey, Long> deltas = new TreeMap<>();
        for (Transfer t : transfers) {
            deltas.merge(t.debit(), -t.amount(), Math::addExact);
            deltas.merge(t.credit(), t.amount(), Math::addExact);
        }
        return deltas;
    }
}
