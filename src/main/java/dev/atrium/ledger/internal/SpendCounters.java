package dev.atrium.ledger.internal;

import dev.atrium.common.OrgId;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Spend per period (held + captured) for workspace and member limits. Admission is one
 * conditional upsert: the row changes only when the new total stays within the cap.
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
}
