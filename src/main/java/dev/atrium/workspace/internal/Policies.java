package dev.atrium.workspace.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.SqlArrays;
import dev.atrium.common.WorkspaceId;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.WorkspaceService;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The workspace_policies table; a change publishes {@link WorkspaceService#CHANGES_TOPIC}. */
@Repository
public class Policies {
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    Policies(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    public Optional<Policy> find(OrgId org, WorkspaceId ws) {
        return jdbc.sql("""
                        SELECT allowed_models, denied_models, record_history, retention_days, max_credits_per_request,
                               requests_per_minute, tokens_per_minute, concurrent_calls
                        FROM workspace_policies WHERE org_id = :org AND workspace_id = :ws
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .query(Policies::map)
                .optional();
    }

    /** Workspaces (not deleted) whose policy sets retention days. */
    public java.util.List<dev.atrium.workspace.Retention> retentions() {
        return jdbc.sql("""
                        SELECT p.org_id, p.workspace_id, p.retention_days FROM workspace_policies p
                        JOIN workspaces w ON w.org_id = p.org_id AND w.id = p.workspace_id
                        WHERE p.retention_days IS NOT NULL AND w.status <> 'deleted'
                        """)
                .query((rs, n) -> new dev.atrium.workspace.Retention(
                        new OrgId(rs.getString(1)), new WorkspaceId(rs.getString(2)), rs.getInt(3)))
                .list();
    }

    public void upsert(OrgId org, WorkspaceId ws, Policy policy, Instant at) {
        jdbc.sql("""
                        INSERT INTO workspace_policies (org_id, workspace_id, allowed_models, denied_models, record_history,
                                                        retention_days, max_credits_per_request, requests_per_minute,
                                                        tokens_per_minute, concurrent_calls, updated_at)
                        VALUES (:org, :ws, CAST(:allowed AS text[]), CAST(:denied AS text[]), :record, :retention, :max,
                                :rpm, :tpm, :concurrent, :at)
                        ON CONFLICT (org_id, workspace_id) DO UPDATE SET
                          allowed_models = EXCLUDED.allowed_models, denied_models = EXCLUDED.denied_models,
                          record_history = EXCLUDED.record_history, retention_days = EXCLUDED.retention_days,
                          max_credits_per_request = EXCLUDED.max_credits_per_request,
                          requests_per_minute = EXCLUDED.requests_per_minute, tokens_per_minute = EXCLUDED.tokens_per_minute,
                          concurrent_calls = EXCLUDED.concurrent_calls, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("allowed", SqlArrays.literal(policy.allowedModels()))
                .param("denied", SqlArrays.literal(policy.deniedModels()))
                .param("record", policy.recordHistory())
                .param("retention", policy.retentionDays())
                .param(
                        "max",
                        policy.maxCreditsPerRequest() == null
                                ? null
                                : policy.maxCreditsPerRequest().micros())
                .param("rpm", policy.rateLimits().requestsPerMinute())
                .param("tpm", policy.rateLimits().tokensPerMinute())
                .param("concurrent", policy.rateLimits().concurrent())
                .param("at", Timestamp.from(at))
                .update();
        changes.publish(WorkspaceService.CHANGES_TOPIC, org.value());
    }

    static Policy map(ResultSet rs, int n) throws SQLException {
        long max = rs.getLong("max_credits_per_request");
        boolean maxNull = rs.wasNull();
        int retention = rs.getInt("retention_days");
        boolean retentionNull = rs.wasNull();
        return new Policy(
                list(rs.getArray("allowed_models")),
                list(rs.getArray("denied_models")),
                rs.getBoolean("record_history"),
                retentionNull ? null : retention,
                maxNull ? null : Credits.ofMicros(max),
                dev.atrium.workspace.RateLimits.read(rs));
    }

    private static @Nullable List<String> list(@Nullable Array array) throws SQLException {
        return array == null ? null : Arrays.asList((String[]) array.getArray());
    }
}
