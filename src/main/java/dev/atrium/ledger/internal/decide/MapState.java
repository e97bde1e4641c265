package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.HoldId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link State} on maps the caller fills (and reads back after deciding): balances, counters,
 * holds, leases, captured reservations and deleted workspaces. It refuses to answer for an account or counter that was not
 * loaded, so a path that forgot to lock a row fails loudly instead of deciding against a guess.
 */
public final class MapState implements State {
    private final Map<AccountKey, Long> balances;
    private final Map<CounterKey, Long> used;
    private final Map<String, HoldRow> holds = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();
    private final Map<String, LeaseRow> leases = new HashMap<>();
    private final Set<String> reservations = new HashSet<>();

    /** A state over these maps: deciding changes them in place. */
    public MapState(Map<AccountKey, Long> balances, Map<CounterKey, Long> used) {
        this.balances = balances;
        this.used = used;
    }

    /** An empty state on maps of its own. */
    public MapState() {
        this(new HashMap<>(), new HashMap<>());
    }

    public MapState putAccount(AccountKey key, long balance) {
        balances.put(key, balance);
        return this;
    }

    public MapState putCounter(CounterKey key, long value) {
        used.put(key, value);
        return this;
    }

    public MapState putHold(HoldRow row) {
        holds.put(key(row.org(), row.hold().id()), row);
        return this;
    }

    public MapState putLease(LeaseRow row) {
        leases.put(row.org().value() + "/" + row.id(), row);
        return this;
    }

    /** Records a reservation as already captured (found in the database before deciding). */
    public MapState markResolved(OrgId org, String reservation) {
        reservations.add(org.value() + "/" + reservation);
        return this;
    }

    public MapState markDeleted(OrgId org, WorkspaceId ws) {
        deleted.add(org.value() + "/" + ws.value());
        return this;
    }

    public Map<AccountKey, Long> balances() {
        return balances;
    }

    public Map<CounterKey, Long> counters() {
        return used;
    }

    @Override
    public long balance(AccountKey account) {
        Long b = balances.get(account);
        if (b == null) throw new IllegalStateException("account not loaded before deciding: " + account);
        return b;
    }

    @Override
    public long used(CounterKey counter) {
        Long u = used.get(counter);
        if (u == null) throw new IllegalStateException("spend counter not loaded before deciding: " + counter);
        return u;
    }

    @Override
    public @Nullable HoldRow hold(OrgId org, HoldId id) {
        return holds.get(key(org, id));
    }

    @Override
    public @Nullable LeaseRow lease(OrgId org, String id) {
        return leases.get(org.value() + "/" + id);
    }

    @Override
    public boolean reservationResolved(OrgId org, String reservation) {
        return reservations.contains(org.value() + "/" + reservation);
    }

    @Override
    public boolean deleted(OrgId org, WorkspaceId workspace) {
        return deleted.contains(org.value() + "/" + workspace.value());
    }

    @Override
    public void apply(Effects effects) {
        effects.balanceDeltas().forEach((k, d) -> balances.put(k, Math.addExact(balance(k), d)));
        effects.counterDeltas().forEach((k, d) -> used.put(k, Math.addExact(used(k), d)));
        if (effects.hold() != null) putHold(effects.hold());
        if (effects.lease() != null) putLease(effects.lease());
        Effects.Charged charged = effects.charged();
        if (charged != null) markResolved(charged.org(), charged.reservation());
    }

    private static String key(OrgId org, HoldId id) {
        return org.value() + "/" + id.value();
    }
}
