package dev.atrium.ledger.internal.decide;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one decided operation changes: the hold row ({@code created}: a new hold to insert; else
 * the row as its settlement leaves it), the spend counters' deltas and the transfers to append.
 * Balances change by exactly the transfers ({@link #balanceDeltas}).
 */
public record Effects(HoldRow hold, boolean created, Map<CounterKey, Long> counterDeltas, List<Transfer> transfers) {

    public Effects {
        counterDeltas = Map.copyOf(counterDeltas);
        transfers = List.copyOf(transfers);
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
