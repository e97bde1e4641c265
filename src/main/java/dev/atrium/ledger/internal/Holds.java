package dev.atrium.ledger.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.internal.decide.HoldRow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The holds table: reads, progress and the sweeper's claim. Holds are inserted and settled by the
 * batch writes of {@code BatchApplier} (a hold leaves {@code held} once: the settling UPDATE is
 * conditional on it), as decided by {@code decide.Rules}.
 */
@Repository
public class Holds {
    private static final String COLUMNS =
            "org_id, id, workspace_id, user_id, source_account, amount, captured, category, "
                    + "model, status, ws_period_start, member_period_start, created_at, expires_at, resolved_at";
    private final JdbcClient jdbc;

    Holds(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<HoldRow> find(OrgId org, HoldId id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM holds WHERE org_id = :org AND id = :id")
                .param("org", org.value())
                .param("id", id.value())
                .query(Holds::map)
                .optional();
    }

    /** What an open hold's operation recorded as consumed so far: the amount and the caller's detail. */
    public record Progress(long micros, String detail) {}

    /**
     * Records an open hold's progress (capped at its amount) with one UPDATE, outside any other
     * work; a hold already resolved keeps what it has.
     */
    public void recordProgress(OrgId org, HoldId id, long micros, String detail) {
        jdbc.sql("UPDATE holds SET relayed_micros = least(:micros, amount), relayed_detail = :detail "
                        + "WHERE org_id = :org AND id = :id AND status = 'held'")
                .param("micros", micros)
                .param("detail", detail)
                .param("org", org.value())
                .param("id", id.value())
                .update();
    }

    /** The progress recorded on a hold, if any. */
    public Optional<Progress> progress(OrgId org, HoldId id) {
        return jdbc.sql("SELECT relayed_micros, relayed_detail FROM holds WHERE org_id = :org AND id = :id "
                        + "AND relayed_micros IS NOT NULL AND relayed_detail IS NOT NULL")
                .param("org", org.value())
                .param("id", id.value())
                .query((rs, n) -> new Progress(rs.getLong(1), rs.getString(2)))
                .optional();
    }

    /** Expired open holds, claimed by this transaction; other sweepers skip them. */
    public List<HoldRow> claimExpired(Instant now, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM holds WHERE status = 'held' AND expires_at <= :now "
                        + "ORDER BY expires_at LIMIT :limit FOR UPDATE SKIP LOCKED")
                .param("now", ts(now))
                .param("limit", limit)
                .query(Holds::map)
                .list();
    }

    /** Sum of open holds drawing on an account. */
    public long openOn(OrgId org, String account) {
        return jdbc.sql(
                        "SELECT coalesce(sum(amount), 0) FROM holds WHERE org_id = :org AND source_account = :acc AND status = 'held'")
                .param("org", org.value())
                .param("acc", account)
                .query(Long.class)
                .single();
    }

    static @Nullable Timestamp ts(@Nullable Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    static @Nullable Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    static HoldRow map(ResultSet rs, int n) throws SQLException {
        long captured = rs.getLong("captured");
        boolean noCapture = rs.wasNull();
        String user = rs.getString("user_id");
        Hold hold = new Hold(
                new HoldId(rs.getString("id")),
                new WorkspaceId(rs.getString("workspace_id")),
                user == null ? null : new UserId(user),
                rs.getString("status"),
                Credits.ofMicros(rs.getLong("amount")),
                noCapture ? null : Credits.ofMicros(captured),
                Category.parse(rs.getString("category")),
                rs.getString("model"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("expires_at").toInstant(),
                instant(rs, "resolved_at"));
        return new HoldRow(
                new OrgId(rs.getString("org_id")),
                hold,
                rs.getString("source_account"),
                instant(rs, "ws_period_start"),
                instant(rs, "member_period_start"));
    }
}
