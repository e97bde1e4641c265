package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.counters;

import dev.atrium.common.OrgId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Reads one organization's ledger back from the database and says where it differs from a
 * {@link ReferenceLedger}; each method answers {@code null} when they agree.
 */
final class ModelComparison {
    private final JdbcClient jdbc;
    private final CreditReports reports;
    private final OrgId org;
    private final ReferenceLedger model;

    ModelComparison(JdbcClient jdbc, CreditReports reports, OrgId org, ReferenceLedger model) {
        this.jdbc = jdbc;
        this.reports = reports;
        this.org = org;
        this.model = model;
    }

    /** Every account balance and spend counter. */
    @Nullable
    String balances() {
        var actual = LedgerTestSupport.balances(jdbc, org);
        var expected = model.balances();
        if (!actual.equals(expected)) {
            String diff = diff(expected, actual);
            return "balances differ: " + diff + workspacesNamedIn(diff);
        }
        var used = counters(jdbc, org);
        var modelUsed = model.countersInUse();
        return used.equals(modelUsed) ? null : "spend counters differ: " + diff(modelUsed, used);
    }

    /** Every grant lot: what is left, what expired, its status. */
    @Nullable
    String lots() {
        Map<String, String> actual = new TreeMap<>();
        jdbc.sql("SELECT id, remaining, expired_amount, status FROM credit_grants WHERE org_id = :org")
                .param("org", org.value())
                .query((rs, n) -> actual.put(
                        rs.getString(1), rs.getLong(2) + " left, " + rs.getLong(3) + " expired, " + rs.getString(4)))
                .list();
        Map<String, String> expected = new TreeMap<>();
        model.lots
                .values()
                .forEach(l -> expected.put(l.id, l.remaining + " left, " + l.expired + " expired, " + l.status));
        return actual.equals(expected) ? null : "grant lots differ: " + diff(expected, actual);
    }

    /** Every hold: status, amount, capture, source, expiry. */
    @Nullable
    String holds() {
        Map<String, String> actual = new TreeMap<>();
        jdbc.sql("SELECT id, status, amount, captured, source_account, expires_at FROM holds WHERE org_id = :org")
                .param("org", org.value())
                .query((rs, n) -> {
                    long captured = rs.getLong(4);
                    String c = rs.wasNull() ? "-" : Long.toString(captured);
                    return actual.put(
                            rs.getString(1),
                            rs.getString(2) + " " + rs.getLong(3) + " " + c + " " + rs.getString(5) + " "
                                    + rs.getTimestamp(6).toInstant());
                })
                .list();
        Map<String, String> expected = new TreeMap<>();
        model.holds
                .values()
                .forEach(h -> expected.put(
                        h.id,
                        h.status + " " + h.amount + " " + (h.captured == null ? "-" : h.captured) + " " + h.source + " "
                                + h.expiresAt));
        return actual.equals(expected) ? null : "holds differ: " + diff(expected, actual);
    }

    /** The ids of the organization's open holds, as the database has them. */
    Set<String> openHoldIds() {
        return new HashSet<>(jdbc.sql("SELECT id FROM holds WHERE org_id = :org AND status = 'held'")
                .param("org", org.value())
                .query(String.class)
                .list());
    }

    /** The conservation invariant and its totals, and the credits overview. */
    @Nullable
    String reports() {
        List<String> problems = new ArrayList<>();
        var inv = reports.invariant(org);
        if (!inv.holds()) problems.add("invariant broken: " + inv);
        if (inv.granted().micros() != model.granted
                || inv.pool().micros() != model.pool
                || inv.budgets().micros() != model.budgets()
                || inv.held().micros() != model.openHolds()
                || inv.spent().micros() != model.spent()
                || inv.expired().micros() != model.expired) {
            problems.add("invariant totals differ from the model: " + inv);
        }
        var overview = reports.overview(org);
        long poolHeld = model.holds.values().stream()
                .filter(h -> h.open() && h.source.equals("pool"))
                .mapToLong(h -> h.amount)
                .sum();
        if (overview.pool().available().micros() != model.pool
                || overview.pool().held().micros() != poolHeld) {
            problems.add("overview pool " + overview.pool() + ", model " + model.pool + " held " + poolHeld);
        }
        if (overview.grantedTotal().micros() != model.granted
                || overview.spentTotal().micros() != model.spent()
                || overview.expiredTotal().micros() != model.expired) {
            problems.add("overview totals " + overview);
        }
        long listed = model.workspaces.values().stream()
                .filter(m -> !m.status.equals("deleted"))
                .count();
        if (overview.workspaces().size() != listed) problems.add("overview lists " + overview.workspaces());
        for (var w : overview.workspaces()) {
            var m = model.workspaces.get(w.workspaceId().value());
            if (m == null || m.status.equals("deleted")) {
                problems.add("overview lists " + w);
                continue;
            }
            boolean agrees =
                    w.mode().equals(m.funding.mode().wire()) && w.held().micros() == m.held;
            // a pool workspace with a spend limit shows an estimate of its headroom: not compared
            if (m.budgetMode()) agrees &= w.available().micros() == m.budget;
            else if (m.funding.spendLimit() == null) agrees &= w.available().micros() == model.pool;
            if (!agrees) problems.add("overview " + w + ", model budget " + m.budget + " held " + m.held);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** The model's view of the workspaces a message names. */
    private String workspacesNamedIn(String text) {
        StringBuilder s = new StringBuilder();
        for (var w : model.workspaces.values()) {
            if (text.contains(w.id)) {
                s.append("; ")
                        .append(w.id)
                        .append(' ')
                        .append(w.status)
                        .append(' ')
                        .append(w.funding);
            }
        }
        return s.toString();
    }

    static String diff(Map<String, ?> expected, Map<String, ?> actual) {
        Map<String, String> out = new TreeMap<>();
        Set<String> keys = new HashSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String k : keys) {
            Object e = expected.get(k);
            Object a = actual.get(k);
            if (!Objects.equals(e, a)) out.put(k, "model " + e + " / ledger " + a);
        }
        return out.toString();
    }
}
