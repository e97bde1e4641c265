package dev.atrium.ledger.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Period;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Workspace funding settings, read together with the workspace's status. */
@Repository
public class FundingRows {
    private final JdbcClient jdbc;

    FundingRows(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A workspace as the ledger sees it. */
    public record Funded(WorkspaceId workspace, String name, String status, boolean primary, Funding funding) {}

    private static final String SELECT = """
            SELECT w.id, w.name, w.status, w.is_primary, f.mode, f.spend_limit, f.spend_period, f.member_limit,
                   f.member_period, f.overflow_to_pool, f.refill_period, f.refill_to, f.refill_add
            FROM workspaces w LEFT JOIN workspace_funding f ON f.org_id = w.org_id AND f.workspace_id = w.id
            """;

    /** The workspace (not deleted) and its funding. */
    public Optional<Funded> find(OrgId org, WorkspaceId ws) {
        return jdbc.sql(SELECT + " WHERE w.org_id = :org AND w.id = :ws AND w.status <> 'deleted'")
                .param("org", org.value())
                .param("ws", ws.value())
                .query(FundingRows::map)
                .optional();
    }

    /**
     * The workspaces (not deleted) named by parallel lists of organization and workspace ids, with
     * their funding, in one query.
     */
    Map<BatchApplier.WsKey, Funded> findAll(List<String> orgs, List<String> workspaces) {
        Map<BatchApplier.WsKey, Funded> found = new HashMap<>();
        jdbc.sql(SELECT.replace("SELECT w.id,", "SELECT w.org_id, w.id,")
                        // Both ids as arrays on the primary key: an index scan whatever the table's size.
                        // Workspace ids are unique across organizations, so the pairs below are exact.
                        + " WHERE w.org_id = ANY(CAST(:orgs AS text[])) AND w.id = ANY(CAST(:wss AS text[]))"
                        + " AND w.status <> 'deleted'")
                .param("orgs", orgs.toArray(String[]::new))
                .param("wss", workspaces.toArray(String[]::new))
                .query((rs, n) ->
                        found.put(new BatchApplier.WsKey(rs.getString("org_id"), rs.getString("id")), map(rs, n)))
                .list();
        return found;
    }

    public List<Funded> all(OrgId org) {
        return jdbc.sql(SELECT + " WHERE w.org_id = :org AND w.status <> 'deleted' ORDER BY w.id")
                .param("org", org.value())
                .query(FundingRows::map)
                .list();
    }

    /** Budget workspaces with a refill rule, across organizations. */
    public List<OrgId> orgsWithRefills() {
        return jdbc.sql("SELECT DISTINCT org_id FROM workspace_funding WHERE refill_period IS NOT NULL")
                .query((rs, n) -> new OrgId(rs.getString(1)))
                .list();
    }

    public void upsert(OrgId org, WorkspaceId ws, Funding f, Instant at) {
        jdbc.sql("""
                        INSERT INTO workspace_funding (org_id, workspace_id, mode, spend_limit, spend_period, member_limit,
                            member_period, overflow_to_pool, refill_period, refill_to, refill_add, updated_at)
                        VALUES (:org, :ws, :mode, :limit, :period, :mlimit, :mperiod, :overflow, :rperiod, :rto, :radd, :at)
                        ON CONFLICT (org_id, workspace_id) DO UPDATE SET mode = EXCLUDED.mode,
                            spend_limit = EXCLUDED.spend_limit, spend_period = EXCLUDED.spend_period,
                            member_limit = EXCLUDED.member_limit, member_period = EXCLUDED.member_period,
                            overflow_to_pool = EXCLUDED.overflow_to_pool, refill_period = EXCLUDED.refill_period,
                            refill_to = EXCLUDED.refill_to, refill_add = EXCLUDED.refill_add, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("mode", f.mode().wire())
                .param(
                        "limit",
                        f.spendLimit() == null ? null : f.spendLimit().amount().micros())
                .param(
                        "period",
                        f.spendLimit() == null ? null : f.spendLimit().period().wire())
                .param(
                        "mlimit",
                        f.memberSpendLimit() == null
                                ? null
                                : f.memberSpendLimit().amount().micros())
                .param(
                        "mperiod",
                        f.memberSpendLimit() == null
                                ? null
                                : f.memberSpendLimit().period().wire())
                .param("overflow", f.overflowToPool())
                .param(
                        "rperiod",
                        f.refill() == null ? null : f.refill().period().wire())
                .param(
                        "rto",
                        f.refill() == null || f.refill().to() == null
                                ? null
                                : f.refill().to().micros())
                .param(
                        "radd",
                        f.refill() == null || f.refill().add() == null
                                ? null
                                : f.refill().add().micros())
                .param("at", Timestamp.from(at))
                .update();
    }

    static Funded map(ResultSet rs, int n) throws SQLException {
        String mode = rs.getString("mode");
        Funding funding = mode == null
                ? Funding.POOL
                : new Funding(
                        Funding.Mode.parse(mode),
                        limit(rs, "spend_limit", "spend_period"),
                        limit(rs, "member_limit", "member_period"),
                        rs.getBoolean("overflow_to_pool"),
                        refill(rs));
        return new Funded(
                new WorkspaceId(rs.getString("id")),
                rs.getString("name"),
                rs.getString("status"),
                rs.getBoolean("is_primary"),
                funding);
    }

    private static Funding.@Nullable Limit limit(ResultSet rs, String amount, String period) throws SQLException {
        long value = rs.getLong(amount);
        if (rs.wasNull()) return null;
        return new Funding.Limit(Credits.ofMicros(value), Period.parse(rs.getString(period)));
    }

    private static Funding.@Nullable Refill refill(ResultSet rs) throws SQLException {
        String period = rs.getString("refill_period");
        if (period == null) return null;
        long to = rs.getLong("refill_to");
        Credits target = rs.wasNull() ? null : Credits.ofMicros(to);
        long add = rs.getLong("refill_add");
        Credits amount = rs.wasNull() ? null : Credits.ofMicros(add);
        return new Funding.Refill(Period.parse(period), target, amount);
    }
}
