package dev.atrium.ledger.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.Grant;
import dev.atrium.ledger.GrantId;
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
 * Grant lots: the unconsumed remainder of each grant. Spending is assigned to lots lazily, by
 * {@link #catchUp}, which runs before any change to the set of lots (a new grant, an expiry): all
 * spending since the previous catch-up consumed the lots that existed meanwhile, soonest expiry
 * first, so the hot path (hold/capture) never touches lots.
 */
@Repository
public class Lots {
    private static final String COLUMNS =
            "id, kind, amount, remaining, expired_amount, expires_at, status, note, created_at";
    private final JdbcClient jdbc;

    Lots(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(OrgId org, Grant g, String actorType, String actorId) {
        jdbc.sql(
                        "INSERT INTO credit_grants (org_id, " + COLUMNS + ", actor_type, actor_id) VALUES "
                                + "(:org, :id, :kind, :amount, :amount, 0, :expires, 'active', :note, :at, :actorType, :actorId)")
                .param("org", org.value())
                .param("id", g.id().value())
                .param("kind", g.kind())
                .param("amount", g.amount().micros())
                .param("expires", g.expiresAt() == null ? null : Timestamp.from(g.expiresAt()))
                .param("note", g.note())
                .param("at", Timestamp.from(g.createdAt()))
                .param("actorType", actorType)
                .param("actorId", actorId)
                .update();
    }

    /** Assigns spending since the last catch-up to lots, soonest expiry first; locks the org's cursor. */
    public void catchUp(OrgId org) {
        long through = jdbc.sql("SELECT consumed_through FROM credit_lot_cursors WHERE org_id = :org FOR UPDATE")
                .param("org", org.value())
                .query(Long.class)
                .single();
        long spent = jdbc.sql(
                        "SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE org_id = :org AND kind = 'spent'")
                .param("org", org.value())
                .query(Long.class)
                .single();
        long due = spent - through;
        if (due <= 0) return;
        record Lot(String id, long remaining) {}
        List<Lot> lots = jdbc.sql("""
                        SELECT id, remaining FROM credit_grants WHERE org_id = :org AND remaining > 0
                        ORDER BY expires_at NULLS LAST, id FOR UPDATE
                        """)
                .param("org", org.value())
                .query((rs, n) -> new Lot(rs.getString("id"), rs.getLong("remaining")))
                .list();
        long left = due;
        for (Lot lot : lots) {
            if (left == 0) break;
            long take = Math.min(left, lot.remaining());
            jdbc.sql("UPDATE credit_grants SET remaining = remaining - :take WHERE org_id = :org AND id = :id")
                    .param("take", take)
                    .param("org", org.value())
                    .param("id", lot.id())
                    .update();
            left -= take;
        }
        jdbc.sql("UPDATE credit_lot_cursors SET consumed_through = :spent WHERE org_id = :org")
                .param("spent", spent - left)
                .param("org", org.value())
                .update();
    }

    /** Organizations with grants due to expire at {@code now}. */
    public List<OrgId> orgsWithDueExpiries(Instant now) {
        return jdbc.sql("SELECT DISTINCT org_id FROM credit_grants WHERE status = 'active' AND expires_at <= :now")
                .param("now", Timestamp.from(now))
                .query((rs, n) -> new OrgId(rs.getString(1)))
                .list();
    }

    public List<Grant> due(OrgId org, Instant now) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM credit_grants WHERE org_id = :org AND status = 'active' "
                        + "AND expires_at <= :now ORDER BY expires_at, id FOR UPDATE")
                .param("org", org.value())
                .param("now", Timestamp.from(now))
                .query(Lots::map)
                .list();
    }

    /** Records that {@code amount} of a lot's remainder expired; the lot closes when nothing is left. */
    public void expire(OrgId org, GrantId id, long amount) {
        jdbc.sql("""
                        UPDATE credit_grants SET remaining = remaining - :amount, expired_amount = expired_amount + :amount,
                          status = CASE WHEN remaining - :amount = 0 THEN 'expired' ELSE status END
                        WHERE org_id = :org AND id = :id
                        """)
                .param("amount", amount)
                .param("org", org.value())
                .param("id", id.value())
                .update();
    }

    public Optional<Grant> find(OrgId org, GrantId id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM credit_grants WHERE org_id = :org AND id = :id")
                .param("org", org.value())
                .param("id", id.value())
                .query(Lots::map)
                .optional();
    }

    public List<Grant> list(OrgId org, @Nullable String after, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM credit_grants WHERE org_id = :org "
                        + "AND (CAST(:after AS text) IS NULL OR id < :after) ORDER BY id DESC LIMIT :limit")
                .param("org", org.value())
                .param("after", after)
                .param("limit", limit)
                .query(Lots::map)
                .list();
    }

    static Grant map(ResultSet rs, int n) throws SQLException {
        Timestamp expires = rs.getTimestamp("expires_at");
        return new Grant(
                new GrantId(rs.getString("id")),
                rs.getString("kind"),
                Credits.ofMicros(rs.getLong("amount")),
                Credits.ofMicros(rs.getLong("remaining")),
                Credits.ofMicros(rs.getLong("expired_amount")),
                expires == null ? null : expires.toInstant(),
                rs.getString("status"),
                rs.getString("note"),
                rs.getTimestamp("created_at").toInstant());
    }
}
