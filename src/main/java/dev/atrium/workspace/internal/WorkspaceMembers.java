package dev.atrium.workspace.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The workspace_members table: who is assigned to which workspace, with which role. A change
 * publishes {@link WorkspaceService#CHANGES_TOPIC}.
 */
@Repository
public class WorkspaceMembers {
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    WorkspaceMembers(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    private void changed(OrgId org) {
        changes.publish(WorkspaceService.CHANGES_TOPIC, org.value());
    }

    /** Adds the assignment; false when it already exists. */
    public boolean add(OrgId org, WorkspaceId ws, UserId user, WorkspaceRole role, Instant at) {
        var result = jdbc.sql("""
                        INSERT INTO workspace_members (org_id, workspace_id, user_id, role, added_at)
                        VALUES (:org, :ws, :user, :role, :at) ON CONFLICT DO NOTHING
                        """)
                        .param("org", org.value())
                        .param("ws", ws.value())
                        .param("user", user.value())
                        .param("role", role.wire())
                        .param("at", Timestamp.from(at))
                        .update()
                == 1;
        changed(org);
        return result;
    }

    public Optional<WorkspaceRole> role(OrgId org, WorkspaceId ws, UserId user) {
        return jdbc.sql(
                        "SELECT role FROM workspace_members WHERE org_id = :org AND workspace_id = :ws AND user_id = :user")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("user", user.value())
                .query((rs, n) -> WorkspaceRole.parse(rs.getString(1)))
                .optional();
    }

    public Optional<WorkspaceMember> find(OrgId org, WorkspaceId ws, UserId user) {
        return jdbc.sql("""
                        SELECT m.user_id, u.email, u.name, m.role, m.added_at, m.requests_per_minute, m.tokens_per_minute, m.concurrent_calls
                        FROM workspace_members m JOIN users u ON u.id = m.user_id
                        WHERE m.org_id = :org AND m.workspace_id = :ws AND m.user_id = :user
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("user", user.value())
                .query((rs, n) -> map(rs))
                .optional();
    }

    public List<WorkspaceMember> list(OrgId org, WorkspaceId ws, PageRequest page) {
        return jdbc.sql("""
                        SELECT m.user_id, u.email, u.name, m.role, m.added_at, m.requests_per_minute, m.tokens_per_minute, m.concurrent_calls
                        FROM workspace_members m JOIN users u ON u.id = m.user_id
                        WHERE m.org_id = :org AND m.workspace_id = :ws
                          AND (CAST(:after AS text) IS NULL OR m.user_id > :after)
                        ORDER BY m.user_id LIMIT :limit
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query((rs, n) -> map(rs))
                .list();
    }

    public void setRole(OrgId org, WorkspaceId ws, UserId user, WorkspaceRole role) {
        jdbc.sql(
                        "UPDATE workspace_members SET role = :role WHERE org_id = :org AND workspace_id = :ws AND user_id = :user")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("user", user.value())
                .param("role", role.wire())
                .update();
        changed(org);
    }

    public void setRateLimits(OrgId org, WorkspaceId ws, UserId user, RateLimits limits) {
        jdbc.sql("""
                        UPDATE workspace_members SET requests_per_minute = :rpm, tokens_per_minute = :tpm, concurrent_calls = :concurrent
                        WHERE org_id = :org AND workspace_id = :ws AND user_id = :user
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("user", user.value())
                .param("rpm", limits.requestsPerMinute())
                .param("tpm", limits.tokensPerMinute())
                .param("concurrent", limits.concurrent())
                .update();
        changed(org);
    }

    public void remove(OrgId org, WorkspaceId ws, UserId user) {
        jdbc.sql("DELETE FROM workspace_members WHERE org_id = :org AND workspace_id = :ws AND user_id = :user")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("user", user.value())
                .update();
        changed(org);
    }

    public void removeUser(OrgId org, UserId user) {
        jdbc.sql("DELETE FROM workspace_members WHERE org_id = :org AND user_id = :user")
                .param("org", org.value())
                .param("user", user.value())
                .update();
        changed(org);
    }

    public void removeAll(OrgId org, WorkspaceId ws) {
        jdbc.sql("DELETE FROM workspace_members WHERE org_id = :org AND workspace_id = :ws")
                .param("org", org.value())
                .param("ws", ws.value())
                .update();
        changed(org);
    }

    private static WorkspaceMember map(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new WorkspaceMember(
                new UserId(rs.getString("user_id")),
                rs.getString("email"),
                rs.getString("name"),
                WorkspaceRole.parse(rs.getString("role")),
                rs.getTimestamp("added_at").toInstant(),
                RateLimits.read(rs));
    }
}
