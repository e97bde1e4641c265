package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The ledger statement as people read it: one line per request, whatever number of journal entries
 * it took. A request's entries share its hold: the {@code hold} that reserved the credits, then the
 * {@code capture} of what it cost, the {@code release} of the rest (or a {@code void} of all of it),
 * and a {@code deletion_return} where its workspace's budget was deleted meanwhile. Its line carries
 * the net charge (the captured credits) and, behind it, those entries. Every other movement (grants,
 * allocations, transfers, expiries, refills) is a line of its own. The journal itself is unchanged:
 * {@link CreditReports#entries} still lists every entry.
 */
@Service
public class RequestStatement {
    private final JdbcClient jdbc;

    RequestStatement(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A request: its hold's state, what it reserved, what it was charged and what went back. */
    public record Request(
            String holdId,
            String status,
            String category,
            @Nullable String model,
            Credits held,
            Credits charged,
            Credits returned) {}

    /**
     * One line: a movement on its own ({@code request} null, {@code entries} just {@code first}), or
     * a request, opened by its hold entry ({@code first}), with all of its entries in order.
     */
    public record Line(CreditReports.Entry first, @Nullable Request request, List<CreditReports.Entry> entries) {
        /** What the line moved: a request's net charge, or the movement's amount. */
        public Credits amount() {
            return request == null ? first.amount() : request.charged();
        }
    }

    /**
     * The statement, newest first, a line per request; {@code workspace} narrows it to one
     * workspace. Pages are cut between lines (the cursor is the line's first entry), so a request is
     * never split across pages: its later entries are fetched by its hold.
     */
    @Transactional(readOnly = true)
    public Page<Line> lines(OrgId org, @Nullable WorkspaceId workspace, PageRequest page) {
        List<CreditReports.Entry> heads = jdbc.sql("SELECT " + CreditReports.ENTRY_COLUMNS + """
                         FROM ledger_transfers
                        WHERE org_id = :org AND (CAST(:ws AS text) IS NULL OR workspace_id = :ws)
                          AND (hold_id IS NULL OR kind = 'hold')
                          AND (CAST(:after AS text) IS NULL OR id < :after)
                        ORDER BY id DESC LIMIT :limit
                        """)
                .param("org", org.value())
                .param("ws", workspace == null ? null : workspace.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query((rs, n) -> CreditReports.entry(rs))
                .list();
        List<String> holds = heads.stream()
                .filter(e -> e.holdId() != null)
                .map(CreditReports.Entry::holdId)
                .toList();
        Map<String, List<CreditReports.Entry>> followers = new HashMap<>();
        Map<String, HoldRow> holdRows = new HashMap<>();
        if (!holds.isEmpty()) {
            jdbc.sql("SELECT " + CreditReports.ENTRY_COLUMNS + """
                             FROM ledger_transfers
                            WHERE org_id = :org AND hold_id IN (:holds) AND kind <> 'hold'
                            ORDER BY id
                            """)
                    .param("org", org.value())
                    .param("holds", holds)
                    .query((rs, n) -> CreditReports.entry(rs))
                    .list()
                    .forEach(e -> followers
                            .computeIfAbsent(e.holdId(), h -> new ArrayList<>())
                            .add(e));
            jdbc.sql("SELECT id, status, category, model FROM holds WHERE org_id = :org AND id IN (:holds)")
                    .param("org", org.value())
                    .param("holds", holds)
                    .query((rs, n) -> new HoldRow(
                            rs.getString("id"),
                            rs.getString("status"),
                            rs.getString("category"),
                            rs.getString("model")))
                    .list()
                    .forEach(h -> holdRows.put(h.id(), h));
        }
        List<Line> lines = new ArrayList<>(heads.size());
        for (CreditReports.Entry head : heads) {
            if (head.holdId() == null) {
                lines.add(new Line(head, null, List.of(head)));
                continue;
            }
            List<CreditReports.Entry> entries = new ArrayList<>();
            entries.add(head);
            entries.addAll(followers.getOrDefault(head.holdId(), List.of()));
            lines.add(new Line(head, request(head, entries, holdRows.get(head.holdId())), List.copyOf(entries)));
        }
        return Page.of(lines, page, l -> l.first().id());
    }

    private record HoldRow(
            String id,
            String status,
            String category,
            @Nullable String model) {}

    private static Request request(CreditReports.Entry hold, List<CreditReports.Entry> entries, @Nullable HoldRow row) {
        long charged = 0;
        long returned = 0;
        for (CreditReports.Entry e : entries) {
            switch (e.kind()) {
                case "capture" -> charged += e.amount().micros();
                case "release", "void" -> returned += e.amount().micros();
                default -> {}
            }
        }
        return new Request(
                hold.holdId() == null ? "" : hold.holdId(),
                row == null ? "held" : row.status(),
                row == null ? "" : row.category(),
                row == null ? null : row.model(),
                hold.amount(),
                Credits.ofMicros(charged),
                Credits.ofMicros(returned));
    }
}
