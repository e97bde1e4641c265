package dev.atrium.ledger.web;

import dev.atrium.ledger.CreditReports;
import java.util.List;
import java.util.Map;

/** Ledger movements as the console shows them: accounts named in words, workspaces by name. */
final class Statement {
    private Statement() {}

    /** One movement with readable account names. */
    record Line(CreditReports.Entry entry, String from, String to, String workspace) {}

    static List<Line> lines(List<CreditReports.Entry> entries, Map<String, String> names) {
        return entries.stream()
                .map(e -> new Line(
                        e,
                        account(e.debitAccount(), names),
                        account(e.creditAccount(), names),
                        e.workspaceId() == null ? "—" : names.getOrDefault(e.workspaceId(), e.workspaceId())))
                .toList();
    }

    /** {@code pool} → "Pool", {@code budget:ws_…} → "Budget · Client A", {@code spent:ws_…:chat} → "Spent · Client A · chat". */
    static String account(String id, Map<String, String> names) {
        String[] parts = id.split(":", 3);
        String kind = parts[0].isEmpty() ? id : Character.toUpperCase(parts[0].charAt(0)) + parts[0].substring(1);
        if (parts.length == 1) return kind;
        String label = kind + " · " + names.getOrDefault(parts[1], parts[1]);
        return parts.length == 3 ? label + " · " + parts[2] : label;
    }
}
