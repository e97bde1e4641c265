package dev.atrium.workspace.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.ChangeFeed;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The workspaces table. Deleted workspaces keep their row (id and last name) for billing records. A
 * change to a workspace publishes {@link WorkspaceService#CHANGES_TOPIC}.
 */
@Repository
public class Workspaces {
    private static final String COLUMNS =
            "org_id, id, name, kind, description, is_primary, status, created_by, created_at, archived_at";
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    Workspaces(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    public void insert(Workspace ws) {
        uniqueName(
                ws.name(),
                () -> jdbc.sql("""
                        INSERT INTO workspaces (org_id, id, name, kind, description, is_primary, status, created_by, created_at)
                        VALUES (:org, :id, :name, :kind, :description, :primary, 'active', :by, :at)
                        """)
                        .param("org", ws.org().value())
                        .param("id", ws.id().value())
                        .param("name", ws.name())
                        .param("kind", ws.kind().wire())
                        .param("description", ws.description())
                        .param("primary", ws.primary())
                        .param("by", ws.createdBy())
                        .param("at", Timestamp.from(ws.createdAt()))
                        .update());
    }

    /** A workspace that is not deleted. */
    public Optional<Workspace> find(OrgId org, WorkspaceId id) {
        return jdbc.sql("SELECT " + COLUMNS
                        + " FROM workspaces WHERE org_id = :org AND id = :id AND status <> 'deleted'")
                .param("org", org.value())
                .param("id", id.value())
                .query(Workspaces::map)
                .optional();
    }

    /** A workspace (not deleted) by id alone, for callers that learn the organization from it. */
    public Optional<Workspace> findAnyOrg(WorkspaceId id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM workspaces WHERE id = :id AND status <> 'deleted'")
                .param("id", id.value())
                .query(Workspaces::map)
                .optional();
    }

    /**
     * A workspace that is not deleted, in any organization, with its policy ({@code null} when it has
     * none) and the role of {@code user} there ({@code null} when not assigned or no user): what a
     * gateway call needs, in one statement.
     */
    public Optional<CallRow> findForCall(WorkspaceId id, @Nullable UserId user) {
        return jdbc.sql("SELECT w.org_id, w.id, w.name, w.kind, w.description, w.is_primary, w.status, w.created_by,"
                        + " w.created_at, w.archived_at, p.workspace_id AS policy_of, p.allowed_models, p.denied_models,"
                        + " p.record_history, p.retention_days, p.max_credits_per_request, p.requests_per_minute,"
                        + " p.tokens_per_minute, p.concurrent_calls, m.role, m.requests_per_minute AS m_requests_per_minute,"
                        + " m.tokens_per_minute AS m_tokens_per_minute, m.concurrent_calls AS m_concurrent_calls"
                        + " FROM workspaces w"
                        + " LEFT JOIN workspace_policies p ON p.org_id = w.org_id AND p.workspace_id = w.id"
                        + " LEFT JOIN workspace_members m ON m.org_id = w.org_id AND m.workspace_id = w.id"
                        + " AND m.user_id = :user"
                        + " WHERE w.id = :id AND w.status <> 'deleted'")
                .param("id", id.value())
                .param("user", user == null ? "" : user.value())
                .query((rs, n) -> new CallRow(
                        map(rs, n),
                        rs.getString("policy_of") == null ? null : Policies.map(rs, n),
                        rs.getString("role") == null ? null : WorkspaceRole.parse(rs.getString("role")),
                        RateLimits.read(rs, "m_")))
                .optional();
    }

    /** A workspace, its policy if it has one, and a user's role there if any, with that member's rate limits. */
    public record CallRow(
            Workspace workspace,
            @Nullable Policy policy,
            @Nullable WorkspaceRole role,
            RateLimits memberLimits) {}

    public Optional<Workspace> findForUpdate(OrgId org, WorkspaceId id) {
        return jdbc.sql("SELECT " + COLUMNS
                        + " FROM workspaces WHERE org_id = :org AND id = :id AND status <> 'deleted' FOR UPDATE")
                .param("org", org.value())
                .param("id", id.value())
                .query(Workspaces::map)
                .optional();
    }

    /**
     * Workspaces in id order; {@code member} restricts to those the user is assigned to. Archived
     * ones only when asked.
     */
    public List<Workspace> list(OrgId org, @Nullable UserId member, boolean includeArchived, PageRequest page) {
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM workspaces w
                         WHERE w.org_id = :org
                           AND w.status IN ('active', CASE WHEN :archived THEN 'archived' ELSE 'active' END)
                           AND (CAST(:member AS text) IS NULL OR EXISTS (
                                 SELECT 1 FROM workspace_members m
                                 WHERE m.org_id = w.org_id AND m.workspace_id = w.id AND m.user_id = :member))
                           AND (CAST(:after AS text) IS NULL OR w.id > :after)
                         ORDER BY w.id LIMIT :limit
                        """)
                .param("org", org.value())
                .param("archived", includeArchived)
                .param("member", member == null ? null : member.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query(Workspaces::map)
                .list();
    }

    public void update(OrgId org, WorkspaceId id, String name, WorkspaceKind kind, String description) {
        uniqueName(
                name,
                () -> jdbc.sql(
                                "UPDATE workspaces SET name = :name, kind = :kind, description = :description WHERE org_id = :org AND id = :id")
                        .param("org", org.value())
                        .param("id", id.value())
                        .param("name", name)
                        .param("kind", kind.wire())
                        .param("description", description)
                        .update());
        changes.publish(WorkspaceService.CHANGES_TOPIC, org.value());
    }

    /** Changes the status; an unarchived workspace whose name an active one took meanwhile: 409. */
    public void setStatus(OrgId org, WorkspaceId id, String status, Instant at) {
        uniqueName(
                null,
                () -> jdbc.sql("""
                        UPDATE workspaces SET status = :status,
                          archived_at = CASE WHEN :status = 'archived' THEN CAST(:at AS timestamptz)
                                             WHEN :status = 'active' THEN NULL ELSE archived_at END,
                          deleted_at = CASE WHEN :status = 'deleted' THEN CAST(:at AS timestamptz) ELSE deleted_at END
                        WHERE org_id = :org AND id = :id
                        """)
                        .param("org", org.value())
                        .param("id", id.value())
                        .param("status", status)
                        .param("at", Timestamp.from(at))
                        .update());
        changes.publish(WorkspaceService.CHANGES_TOPIC, org.value());
    }

    /**
     * Runs a write that may give a workspace a name; the database refuses two active workspaces of
     * an organization with the same name (case-insensitively), which answers 409
     * {@code workspace_name_taken} naming the field.
     */
    private static void uniqueName(@Nullable String name, Runnable write) {
        try {
            write.run();
        } catch (DuplicateKeyException e) {
            if (!String.valueOf(e.getMessage()).contains("workspaces_active_name_key")) throw e;
            throw new ApiException(
                    HttpStatus.CONFLICT,
                    "workspace_name_taken",
                    name == null
                            ? "Another active workspace of the organization has this workspace's name: rename one of them first."
                            : "Another active workspace of the organization is already named “" + name + "”.",
                    "name");
        }
    }

    static Workspace map(ResultSet rs, int n) throws SQLException {
        Timestamp archived = rs.getTimestamp("archived_at");
        return new Workspace(
                new WorkspaceId(rs.getString("id")),
                new OrgId(rs.getString("org_id")),
                rs.getString("name"),
                WorkspaceKind.parse(rs.getString("kind")),
                rs.getString("description"),
                rs.getBoolean("is_primary"),
                rs.getString("status"),
                rs.getString("created_by"),
                rs.getTimestamp("created_at").toInstant(),
                archived == null ? null : archived.toInstant());
    }
}
