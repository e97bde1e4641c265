package dev.atrium.ledger.web;

import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.RequestStatement;
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

    /**
     * One line of the statement by request: a movement, or a request with its net charge and its
     * entries (hold, capture, release…) for the toggle that shows them.
     */
    record Grouped(RequestStatement.Line line, String from, String to, String workspace, List<Line> entries) {
        /** A request's kind in words: "request", and its state when it did not simply complete. */
        public String kind() {
            var r = line.request();
            if (r == null) return line.first().kind();
            return switch (r.status()) {
                case "held" -> "request (open)";
                case "voided", "expired" -> "request (" + r.status() + ")";
                default -> "request";
            };
        }
    }

    static List<Grouped> grouped(List<RequestStatement.Line> lines, Map<String, String> names) {
        return lines.stream()
                .map(l -> {
                    CreditReports.Entry first = l.first();
                    // A request goes from its hold's source to where the credits ended: spent when
                    // charged, back to the source otherwise (or still held while open).
                    CreditReports.Entry last = l.entries().stream()
                            .filter(e -> e.kind().equals("capture"))
                            .findFirst()
                            .orElse(l.entries().getLast());
                    return new Grouped(
                            l,
                            account(first.debitAccount(), names),
                            account(l.request() == null ? first.creditAccount() : last.creditAccount(), names),
                            first.workspaceId() == null
                                    ? "—"
                                    : names.getOrDefault(first.workspaceId(), first.workspaceId()),
                            lines(l.entries(), names));
                })
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
