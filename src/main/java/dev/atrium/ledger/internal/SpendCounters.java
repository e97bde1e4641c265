package dev.atrium.ledger.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Spend per period (held + captured) for workspace and member limits. Admission is one
 * conditional upsert: the row changes only when the new total stays within the cap.
 *
 * <p>Holds count on a counter only while a limit exists. A limit set (or moved to another
 * period) mid-period therefore starts from a {@link #recount}: what the workspace, or each
 * member, spent in the period so far (its captures) plus what its open holds reserve.
 */
@Repository
public class SpendCounters {
    private final JdbcClient jdbc;

    SpendCounters(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Adds {@code amount} when {@code used + amount <= cap}; false, with no change, otherwise. */
    public boolean admit(
            OrgId org, String scope, String workspace, String user, Instant periodStart, long amount, long cap) {
        return jdbc.sql("""
                        INSERT INTO spend_counters (org_id, scope, workspace_id, user_id, period_start, used)
                        SELECT :org, :scope, :ws, :user, :start, :amount WHERE :amount <= :cap
                        ON CONFLICT (org_id, scope, workspace_id, user_id, period_start)
                        DO UPDATE SET used = spend_counters.used + EXCLUDED.used
                        WHERE spend_counters.used + EXCLUDED.used <= :cap
                        """)
                        .param("org", org.value())
                        .param("scope", scope)
                        .param("ws", workspace)
                        .param("user", user)
                        .param("start", Timestamp.from(periodStart))
                        .param("amount", amount)
                        .param("cap", cap)
                        .update()
                == 1;
    }

    /** Gives back what a hold reserved but did not spend. */
    public void release(OrgId org, String scope, String workspace, String user, Instant periodStart, long amount) {
        jdbc.sql("""
                        UPDATE spend_counters SET used = used - :amount
                        WHERE org_id = :org AND scope = :scope AND workspace_id = :ws AND user_id = :user AND period_start = :start
                        """)
                .param("org", org.value())
                .param("scope", scope)
                .param("ws", workspace)
                .param("user", user)
                .param("start", Timestamp.from(periodStart))
                .param("amount", amount)
                .update();
    }

    public long used(OrgId org, String scope, String workspace, String user, Instant periodStart) {
        return jdbc.sql("""
                        SELECT coalesce((SELECT used FROM spend_counters WHERE org_id = :org AND scope = :scope
                          AND workspace_id = :ws AND user_id = :user AND period_start = :start), 0)
                        """)
                .param("org", org.value())
                .param("scope", scope)
                .param("ws", workspace)
                .param("user", user)
                .param("start", Timestamp.from(periodStart))
                .query(Long.class)
                .single();
    }

    /** A recount in progress: what {@link #lockForRecount} locked, for {@link #recount}. */
    public record Recount(
            OrgId org,
            WorkspaceId workspace,
            @Nullable Instant wsPeriod,
            @Nullable Instant memberPeriod) {}

    /**
     * First half of a recount, before any ledger account is locked (the ledger's lock order: holds,
     * then counters, then accounts): locks the workspace's open holds, then the counters of the
     * period(s) to recount, the workspace's before its members'.
     */
    public Recount lockForRecount(
            OrgId org, WorkspaceId ws, @Nullable Instant wsPeriod, @Nullable Instant memberPeriod) {
        jdbc.sql("""
                        SELECT id FROM holds WHERE org_id = :org AND workspace_id = :ws AND status = 'held'
                        ORDER BY org_id COLLATE "C", id COLLATE "C" FOR UPDATE
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .query(String.class)
                .list();
        // Credit leases are holds that stay open: locked like them, before the counters.
        jdbc.sql("""
                        SELECT id FROM credit_leases WHERE org_id = :org AND workspace_id = :ws AND status = 'open'
                        ORDER BY org_id COLLATE "C", id COLLATE "C" FOR UPDATE
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .query(String.class)
                .list();
        if (wsPeriod != null) {
            jdbc.sql("""
                            INSERT INTO spend_counters (org_id, scope, workspace_id, user_id, period_start, used)
                            VALUES (:org, 'workspace', :ws, '', :start, 0) ON CONFLICT DO NOTHING
                            """)
                    .param("org", org.value())
                    .param("ws", ws.value())
                    .param("start", Timestamp.from(wsPeriod))
                    .update();
        }
        jdbc.sql("""
                        SELECT used FROM spend_counters
                        WHERE org_id = :org AND workspace_id = :ws
                          AND ((scope = 'workspace' AND user_id = '' AND period_start = :wsStart)
                            OR (scope = 'member' AND period_start = :memberStart))
                        ORDER BY scope = 'member', user_id COLLATE "C", period_start FOR NO KEY UPDATE
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("wsStart", wsPeriod == null ? null : Timestamp.from(wsPeriod), java.sql.Types.TIMESTAMP)
                .param(
                        "memberStart",
                        memberPeriod == null ? null : Timestamp.from(memberPeriod),
                        java.sql.Types.TIMESTAMP)
                .query(Long.class)
                .list();
        return new Recount(org, ws, wsPeriod, memberPeriod);
    }

    /**
     * Second half of a recount, with the workspace's {@code held} account locked (so no hold of the
     * workspace is taken or resolved meanwhile): sets the counters to what was captured in the
     * period plus what open holds reserve, and has the open holds give back to these counters what
     * they do not spend. An open hold that another transaction is resolving right now keeps its
     * former counter; it is counted here in full (never less than it spends).
     */
    public void recount(Recount r) {
        Timestamp wsStart = r.wsPeriod() == null ? null : Timestamp.from(r.wsPeriod());
        Timestamp memberStart = r.memberPeriod() == null ? null : Timestamp.from(r.memberPeriod());
        jdbc.sql("""
                        UPDATE holds h SET
                            ws_period_start = CASE WHEN :recountWs THEN :wsStart ELSE h.ws_period_start END,
                            member_period_start = CASE WHEN :recountMembers AND h.user_id IS NOT NULL
                                                       THEN :memberStart ELSE h.member_period_start END
                        WHERE h.org_id = :org AND h.id IN (
                            SELECT id FROM holds WHERE org_id = :org AND workspace_id = :ws AND status = 'held'
                            FOR UPDATE SKIP LOCKED)
                        """)
                .param("recountWs", wsStart != null)
                .param("recountMembers", memberStart != null)
                .param("wsStart", wsStart, java.sql.Types.TIMESTAMP)
                .param("memberStart", memberStart, java.sql.Types.TIMESTAMP)
                .param("org", r.org().value())
                .param("ws", r.workspace().value())
                .update();
        jdbc.sql("""
                        UPDATE credit_leases SET
                            ws_period_start = CASE WHEN :recountWs THEN :wsStart ELSE ws_period_start END,
                            member_period_start = CASE WHEN :recountMembers AND user_id IS NOT NULL
                                                       THEN :memberStart ELSE member_period_start END
                        WHERE org_id = :org AND id IN (
                            SELECT id FROM credit_leases WHERE org_id = :org AND workspace_id = :ws AND status = 'open'
                            FOR UPDATE SKIP LOCKED)
                        """)
                .param("recountWs", wsStart != null)
                .param("recountMembers", memberStart != null)
                .param("wsStart", wsStart, java.sql.Types.TIMESTAMP)
                .param("memberStart", memberStart, java.sql.Types.TIMESTAMP)
                .param("org", r.org().value())
                .param("ws", r.workspace().value())
                .update();
        if (wsStart != null) {
            jdbc.sql("""
                            UPDATE spend_counters SET used =
                                (SELECT coalesce(sum(amount), 0) FROM ledger_transfers
                                 WHERE org_id = :org AND workspace_id = :ws AND kind = 'capture' AND created_at >= :start)
                              + (SELECT coalesce(sum(amount), 0) FROM holds
                                 WHERE org_id = :org AND workspace_id = :ws AND status = 'held')
                              + (SELECT coalesce(sum(amount - captured - returned), 0) FROM credit_leases
                                 WHERE org_id = :org AND workspace_id = :ws AND status = 'open')
                            WHERE org_id = :org AND scope = 'workspace' AND workspace_id = :ws AND user_id = ''
                              AND period_start = :start
                            """)
                    .param("org", r.org().value())
                    .param("ws", r.workspace().value())
                    .param("start", wsStart)
                    .update();
        }
        if (memberStart != null) {
            jdbc.sql("""
                            UPDATE spend_counters SET used = 0
                            WHERE org_id = :org AND scope = 'member' AND workspace_id = :ws AND period_start = :start
                            """)
                    .param("org", r.org().value())
                    .param("ws", r.workspace().value())
                    .param("start", memberStart)
                    .update();
            jdbc.sql("""
                            INSERT INTO spend_counters (org_id, scope, workspace_id, user_id, period_start, used)
                            SELECT :org, 'member', :ws, s.user_id, :start, sum(s.amount) FROM (
                                SELECT user_id, amount FROM ledger_transfers
                                WHERE org_id = :org AND workspace_id = :ws AND kind = 'capture' AND created_at >= :start
                                  AND user_id IS NOT NULL
                                UNION ALL
                                SELECT user_id, amount FROM holds
                                WHERE org_id = :org AND workspace_id = :ws AND status = 'held' AND user_id IS NOT NULL
                                UNION ALL
                                SELECT user_id, amount - captured - returned FROM credit_leases
                                WHERE org_id = :org AND workspace_id = :ws AND status = 'open' AND user_id IS NOT NULL
                            ) s GROUP BY s.user_id
                            ON CONFLICT (org_id, scope, workspace_id, user_id, period_start)
                            DO UPDATE SET used = EXCLUDED.used
                            """)
                    .param("org", r.org().value())
                    .param("ws", r.workspace().value())
                    .param("start", memberStart)
                    .update();
        }
    }
}
