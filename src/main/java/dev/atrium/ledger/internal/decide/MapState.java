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
 * holds and deleted workspaces. It refuses to answer for an account or counter that was not
 * loaded, so a path that forgot to lock a row fails loudly instead of deciding against a guess.
 */
public final class MapState implements State {
    private final Map<AccountKey, Long> balances;
    private final Map<CounterKey, Long> used;
    private final Map<String, HoldRow> holds = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();

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
    public boolean deleted(OrgId org, WorkspaceId workspace) {
        return deleted.contains(org.value() + "/" + workspace.value());
    }

    @Override
    public void apply(Effects effects) {
        effects.balanceDeltas().forEach((k, d) -> balances.put(k, Math.addExact(balance(k), d)));
        effects.counterDeltas().forEach((k, d) -> used.put(k, Math.addExact(used(k), d)));
        putHold(effects.hold());
    }

    private static String key(OrgId org, HoldId id) {
        return org.value() + "/" + id.value();
    }
}
