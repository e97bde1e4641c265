package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.FundingRows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Read side of the ledger: the credits overview, the statement, and the conservation invariant. */
@Service
public class CreditReports {
    private final JdbcClient jdbc;
    private final FundingRows funding;
    private final Clock clock;

    CreditReports(JdbcClient jdbc, FundingRows funding, Clock clock) {
        this.jdbc = jdbc;
        this.funding = funding;
        this.clock = clock;
    }

    /** The pool and every workspace's funding state. */
    public record Overview(
            Balance pool,
            Credits grantedTotal,
            Credits spentTotal,
            Credits expiredTotal,
            List<WorkspaceCredits> workspaces) {}

    public record Balance(Credits available, Credits held) {}

    public record WorkspaceCredits(
            WorkspaceId workspaceId,
            String name,
            String mode,
            Credits available,
            Credits held,
            Credits spentPeriod,
            Funding.@Nullable Limit spendLimit) {}

    @Transactional(readOnly = true)
    public Overview overview(OrgId org) {
        Map<String, Long> balances = jdbc
                .sql("SELECT id, balance FROM ledger_accounts WHERE org_id = :org")
                .param("org", org.value())
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        Map<String, Long> heldBySource = jdbc
                .sql("""
                        SELECT source_account, sum(amount) FROM (
                          SELECT source_account, amount FROM holds WHERE org_id = :org AND status = 'held'
                          UNION ALL
                          SELECT source_account, amount - captured - returned FROM credit_leases
                          WHERE org_id = :org AND status = 'open') open GROUP BY source_account
                        """)
                .param("org", org.value())
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        long pool = balances.getOrDefault("pool", 0L);
        long poolHeld = heldBySource.getOrDefault("pool", 0L);
        long spentTotal = balances.entrySet().stream()
                .filter(e -> e.getKey().startsWith("spent:"))
                .mapToLong(Map.Entry::getValue)
                .sum();
        Instant now = clock.instant();
        List<WorkspaceCredits> workspaces = funding.all(org).stream()
                .map(w -> {
                    String ws = w.workspace().value();
                    Funding f = w.funding();
                    Period period = f.spendLimit() == null
                            ? Period.MONTH
                            : f.spendLimit().period();
                    long spentPeriod = spentSince(org, w.workspace(), period.start(now));
                    long held = balances.getOrDefault("held:" + ws, 0L);
                    long available;
                    if (f.mode() == Funding.Mode.BUDGET) {
                        available = balances.getOrDefault("budget:" + ws, 0L);
                    } else {
                        available = pool;
                        if (f.spendLimit() != null) {
                            long used = spentPeriod + held;
                            available = Math.max(
                                    0, Math.min(pool, f.spendLimit().amount().micros() - used));
                        }
                    }
                    return new WorkspaceCredits(
                            w.workspace(),
                            w.name(),
                            f.mode().wire(),
                            Credits.ofMicros(available),
                            Credits.ofMicros(held),
                            Credits.ofMicros(spentPeriod),
                            f.spendLimit());
                })
                .toList();
        return new Overview(
                new Balance(Credits.ofMicros(pool), Credits.ofMicros(poolHeld)),
                Credits.ofMicros(-balances.getOrDefault("grants", 0L)),
                Credits.ofMicros(spentTotal),
                Credits.ofMicros(balances.getOrDefault("expired", 0L)),
                workspaces);
    }

    private long spentSince(OrgId org, WorkspaceId ws, Instant since) {
        return jdbc.sql("""
                        SELECT coalesce(sum(amount), 0) FROM ledger_transfers
                        WHERE org_id = :org AND workspace_id = :ws AND kind = 'capture' AND created_at >= :since
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("since", Timestamp.from(since))
                .query(Long.class)
                .single();
    }

    /** One ledger movement, with who or what caused it. */
    public record Entry(
            String id,
            String kind,
            Credits amount,
            String debitAccount,
            String creditAccount,
            @Nullable String workspaceId,
            @Nullable String holdId,
            @Nullable String grantId,
            @Nullable String userId,
            Map<String, String> actor,
            @Nullable String note,
            Instant createdAt) {}

    /** The statement, newest first; {@code workspace} narrows it to one workspace's movements. */
    @Transactional(readOnly = true)
    public Page<Entry> entries(OrgId org, @Nullable WorkspaceId workspace, PageRequest page) {
        List<Entry> rows = jdbc.sql("SELECT " + ENTRY_COLUMNS + """
                         FROM ledger_transfers
                        WHERE org_id = :org AND (CAST(:ws AS text) IS NULL OR workspace_id = :ws)
                          AND (CAST(:after AS text) IS NULL OR id < :after)
                        ORDER BY id DESC LIMIT :limit
                        """)
                .param("org", org.value())
                .param("ws", workspace == null ? null : workspace.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query((rs, n) -> entry(rs))
                .list();
        return Page.of(rows, page, Entry::id);
    }

    /** The columns every statement query selects, in the order {@link #entry} reads them. */
    static final String ENTRY_COLUMNS = """
            id, kind, amount, debit_account, credit_account, workspace_id, hold_id, grant_id, user_id,
            actor_type, actor_id, note, created_at""";

    static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(
                rs.getString("id"),
                rs.getString("kind"),
                Credits.ofMicros(rs.getLong("amount")),
                rs.getString("debit_account"),
                rs.getString("credit_account"),
                rs.getString("workspace_id"),
                rs.getString("hold_id"),
                rs.getString("grant_id"),
                rs.getString("user_id"),
                Map.of("type", rs.getString("actor_type"), "id", rs.getString("actor_id")),
                rs.getString("note"),
                rs.getTimestamp("created_at").toInstant());
    }

    /**
     * The conservation check of docs/domain.md: granted = pool + budgets + held + spent + expired, no
     * account below zero, every balance equal to its journal, held equal to the open holds plus what
     * gateway nodes' credit leases reserve ({@code leased}).
     */
    public record Invariant(
            Credits granted,
            Credits pool,
            Credits budgets,
            Credits held,
            Credits spent,
            Credits expired,
            Credits openHolds,
            Credits leased,
            boolean conserved,
            boolean nonNegative,
            boolean journalMatches,
            boolean holdsMatch,
            boolean holds) {}

    @Transactional(readOnly = true)
    public Invariant invariant(OrgId org) {
        return jdbc.sql("""
                        WITH journal AS (
                          SELECT account, sum(delta) AS balance FROM (
                            SELECT credit_account AS account, amount AS delta FROM ledger_transfers WHERE org_id = :org
                            UNION ALL
                            SELECT debit_account, -amount FROM ledger_transfers WHERE org_id = :org) moves
                          GROUP BY account)
                        SELECT
                          (SELECT coalesce(sum(amount), 0) FROM credit_grants WHERE org_id = :org) AS granted,
                          coalesce(sum(a.balance) FILTER (WHERE a.kind = 'pool'), 0) AS pool,
                          coalesce(sum(a.balance) FILTER (WHERE a.kind = 'budget'), 0) AS budgets,
                          coalesce(sum(a.balance) FILTER (WHERE a.kind = 'held'), 0) AS held,
                          coalesce(sum(a.balance) FILTER (WHERE a.kind = 'spent'), 0) AS spent,
                          coalesce(sum(a.balance) FILTER (WHERE a.kind = 'expired'), 0) AS expired,
                          coalesce(-sum(a.balance) FILTER (WHERE a.kind = 'grants'), 0) AS granted_journal,
                          (SELECT coalesce(sum(amount), 0) FROM holds WHERE org_id = :org AND status = 'held') AS open_holds,
                          (SELECT coalesce(sum(amount - captured - returned), 0) FROM credit_leases
                           WHERE org_id = :org AND status = 'open') AS leased,
                          coalesce(bool_and(a.kind = 'grants' OR a.balance >= 0), true) AS non_negative,
                          coalesce(bool_and(a.balance = coalesce(j.balance, 0)), true)
                            AND NOT EXISTS (SELECT 1 FROM journal j2 WHERE NOT EXISTS (
                                SELECT 1 FROM ledger_accounts a2 WHERE a2.org_id = :org AND a2.id = j2.account)) AS journal_matches
                        FROM ledger_accounts a LEFT JOIN journal j ON j.account = a.id
                        WHERE a.org_id = :org
                        """)
                .param("org", org.value())
                .query((rs, n) -> {
                    long granted = rs.getLong("granted");
                    long pool = rs.getLong("pool");
                    long budgets = rs.getLong("budgets");
                    long held = rs.getLong("held");
                    long spent = rs.getLong("spent");
                    long expired = rs.getLong("expired");
                    long openHolds = rs.getLong("open_holds");
                    long leased = rs.getLong("leased");
                    boolean conserved = granted == rs.getLong("granted_journal")
                            && granted == pool + budgets + held + spent + expired;
                    boolean nonNegative = rs.getBoolean("non_negative");
                    boolean journal = rs.getBoolean("journal_matches");
                    boolean holdsMatch = held == openHolds + leased;
                    return new Invariant(
                            Credits.ofMicros(granted),
                            Credits.ofMicros(pool),
                            Credits.ofMicros(budgets),
                            Credits.ofMicros(held),
                            Credits.ofMicros(spent),
                            Credits.ofMicros(expired),
                            Credits.ofMicros(openHolds),
                            Credits.ofMicros(leased),
                            conserved,
                            nonNegative,
                            journal,
                            holdsMatch,
                            conserved && nonNegative && journal && holdsMatch);
                })
                .single();
    }
}
