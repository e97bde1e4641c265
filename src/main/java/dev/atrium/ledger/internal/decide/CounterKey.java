package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.time.Instant;
import java.util.Comparator;

/**
 * A spend counter: what a workspace ({@code scope = "workspace"}, {@code user = ""}) or one member
 * of it ({@code scope = "member"}) spent and holds in the period starting at {@code period}.
 * Ordered as every ledger transaction locks counters: per workspace, its own before its members'.
 */
public record CounterKey(String org, String scope, String ws, String user, Instant period)
        implements Comparable<CounterKey> {
    private static final Comparator<CounterKey> ORDER = Comparator.comparing(CounterKey::org)
            .thenComparing(CounterKey::ws)
            .thenComparing(k -> k.scope().equals("member"))
            .thenComparing(CounterKey::user)
            .thenComparing(CounterKey::period);

    public static CounterKey workspace(OrgId org, WorkspaceId ws, Instant period) {
        return new CounterKey(org.value(), "workspace", ws.value(), "", period);
    }

    public static CounterKey member(OrgId org, WorkspaceId ws, UserId user, Instant period) {
        return new CounterKey(org.value(), "member", ws.value(), user.value(), period);
    }

    @Override
    public int compareTo(CounterKey o) {
        return ORDER.compare(this, o);
    }
}
