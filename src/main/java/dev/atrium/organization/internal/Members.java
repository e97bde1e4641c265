package dev.atrium.organization.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.organization.Member;
import dev.atrium.organization.Membership;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
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

/**
 * The org_members table: active and removed members (removed rows keep history attributable).
 * Every change publishes {@link OrganizationService#MEMBERS_TOPIC} with the organization's id and,
 * for one member, the user's, delivered to every node when the transaction commits.
 */
@Repository
public class Members {
    private static final String SELECT = """
            SELECT m.user_id, u.email, u.name, m.role, m.default_workspace_id, m.status, m.joined_at
            FROM org_members m JOIN users u ON u.id = m.user_id
            """;
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    Members(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    private void changed(OrgId org, @Nullable UserId user) {
        changes.publish(OrganizationService.MEMBERS_TOPIC, org.value());
        if (user != null) changes.publish(OrganizationService.MEMBERS_TOPIC, user.value());
    }

    /** Adds or re-activates a member; false when already active. */
    public boolean upsertActive(OrgId org, UserId user, OrgRole role, WorkspaceId defaultWorkspace, Instant at) {
        var result = jdbc.sql("""
                        INSERT INTO org_members (org_id, user_id, role, status, default_workspace_id, joined_at)
                        VALUES (:org, :user, :role, 'active', :ws, :at)
                        ON CONFLICT (org_id, user_id) DO UPDATE
                          SET role = EXCLUDED.role, status = 'active', default_workspace_id = EXCLUDED.default_workspace_id,
                              joined_at = EXCLUDED.joined_at, removed_at = NULL
                          WHERE org_members.status = 'removed'
                        """)
                        .param("org", org.value())
                        .param("user", user.value())
                        .param("role", role.wire())
                        .param("ws", defaultWorkspace.value())
                        .param("at", Timestamp.from(at))
                        .update()
                == 1;
        changed(org, user);
        return result;
    }

    /** The active member, locked for update within the caller's transaction. */
    public Optional<Member> findActiveForUpdate(OrgId org, UserId user) {
        return jdbc.sql(SELECT + " WHERE m.org_id = :org AND m.user_id = :user AND m.status = 'active' FOR UPDATE OF m")
                .param("org", org.value())
                .param("user", user.value())
                .query(Members::map)
                .optional();
    }

    public Optional<Member> findActive(OrgId org, UserId user) {
        return jdbc.sql(SELECT + " WHERE m.org_id = :org AND m.user_id = :user AND m.status = 'active'")
                .param("org", org.value())
                .param("user", user.value())
                .query(Members::map)
                .optional();
    }

    public Optional<OrgRole> role(OrgId org, UserId user) {
        return jdbc.sql("SELECT role FROM org_members WHERE org_id = :org AND user_id = :user AND status = 'active'")
                .param("org", org.value())
                .param("user", user.value())
                .query((rs, n) -> OrgRole.parse(rs.getString("role")))
                .optional();
    }

    public List<Member> list(OrgId org, PageRequest page) {
        return jdbc.sql(SELECT + """
                         WHERE m.org_id = :org AND m.status = 'active'
                           AND (CAST(:after AS text) IS NULL OR m.user_id > :after)
                         ORDER BY m.user_id LIMIT :limit
                        """)
                .param("org", org.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query(Members::map)
                .list();
    }

    /** Every active member's email by user id, in one read (for reports that name members). */
    public Map<UserId, String> emails(OrgId org) {
        Map<UserId, String> out = new HashMap<>();
        jdbc.sql("""
                        SELECT m.user_id, u.email FROM org_members m JOIN users u ON u.id = m.user_id
                        WHERE m.org_id = :org AND m.status = 'active'
                        """).param("org", org.value()).query(rs -> {
            out.put(new UserId(rs.getString(1)), rs.getString(2));
        });
        return out;
    }

    /**
     * Locks the organization's owners, in user id order so that concurrent callers cannot deadlock,
     * and counts them, so two demotions cannot both pass.
     */
    public int lockAndCountOwners(OrgId org) {
        return jdbc.sql("""
                        SELECT user_id FROM org_members WHERE org_id = :org AND role = 'owner' AND status = 'active'
                        ORDER BY user_id FOR UPDATE
                        """)
                .param("org", org.value())
                .query(String.class)
                .list()
                .size();
    }

    public void setRole(OrgId org, UserId user, OrgRole role) {
        jdbc.sql("UPDATE org_members SET role = :role WHERE org_id = :org AND user_id = :user")
                .param("org", org.value())
                .param("user", user.value())
                .param("role", role.wire())
                .update();
        changed(org, user);
    }

    public void setDefaultWorkspace(OrgId org, UserId user, WorkspaceId workspace) {
        jdbc.sql("UPDATE org_members SET default_workspace_id = :ws WHERE org_id = :org AND user_id = :user")
                .param("org", org.value())
                .param("user", user.value())
                .param("ws", workspace.value())
                .update();
        changed(org, user);
    }

    /** Moves every member whose default is {@code from} to {@code to}; returns their ids. */
    public List<UserId> moveDefaults(OrgId org, WorkspaceId from, WorkspaceId to) {
        var result = jdbc.sql("""
                        UPDATE org_members SET default_workspace_id = :to
                        WHERE org_id = :org AND default_workspace_id = :from AND status = 'active'
                        RETURNING user_id
                        """)
                .param("org", org.value())
                .param("from", from.value())
                .param("to", to.value())
                .query((rs, n) -> new UserId(rs.getString(1)))
                .list();
        changed(org, null);
        return result;
    }

    public void markRemoved(OrgId org, UserId user, Instant at) {
        jdbc.sql("""
                        UPDATE org_members SET status = 'removed', default_workspace_id = NULL, removed_at = :at
                        WHERE org_id = :org AND user_id = :user
                        """)
                .param("org", org.value())
                .param("user", user.value())
                .param("at", Timestamp.from(at))
                .update();
        changed(org, user);
    }

    public List<Membership> membershipsOf(UserId user) {
        return jdbc.sql("""
                        SELECT o.id, o.name, m.role, m.default_workspace_id
                        FROM org_members m JOIN organizations o ON o.id = m.org_id
                        WHERE m.user_id = :user AND m.status = 'active'
                        ORDER BY o.id
                        """)
                .param("user", user.value())
                .query((rs, n) -> new Membership(
                        new OrgId(rs.getString("id")),
                        rs.getString("name"),
                        OrgRole.parse(rs.getString("role")),
                        new WorkspaceId(rs.getString("default_workspace_id"))))
                .list();
    }

    static Member map(ResultSet rs, int n) throws SQLException {
        @Nullable String ws = rs.getString("default_workspace_id");
        return new Member(
                new UserId(rs.getString("user_id")),
                rs.getString("email"),
                rs.getString("name"),
                OrgRole.parse(rs.getString("role")),
                ws == null ? null : new WorkspaceId(ws),
                rs.getString("status"),
                rs.getTimestamp("joined_at").toInstant());
    }
}
