package dev.atrium.mail.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Who receives which email, read from the membership tables: active members only, each address once.
 * A read-only view for a background sender that acts for no caller (the facades' lists require one).
 */
@Component
public class Recipients {
    private final JdbcClient jdbc;

    Recipients(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A person to write to. */
    public record Person(String email, String name) {}

    /**
     * An alert's recipients: the organization's owners, admins and billing members, and, when the
     * alert is about a workspace, that workspace's admins.
     */
    public List<Person> forAlert(OrgId org, @Nullable WorkspaceId workspace) {
        return jdbc.sql("""
                        SELECT u.email, min(u.name) FROM users u
                        WHERE u.id IN (
                          SELECT m.user_id FROM org_members m
                          WHERE m.org_id = :org AND m.status = 'active' AND m.role IN ('owner', 'admin', 'billing')
                          UNION
                          SELECT w.user_id FROM workspace_members w
                          JOIN org_members m ON m.org_id = w.org_id AND m.user_id = w.user_id AND m.status = 'active'
                          WHERE w.org_id = :org AND w.workspace_id = :ws AND w.role = 'admin')
                        GROUP BY u.email ORDER BY u.email
                        """)
                .param("org", org.value())
                .param("ws", workspace == null ? "" : workspace.value())
                .query((rs, n) -> new Person(rs.getString(1), rs.getString(2)))
                .list();
    }

    /** A workspace's admins (active members of the organization). */
    public List<Person> workspaceAdmins(OrgId org, WorkspaceId workspace) {
        return jdbc.sql("""
                        SELECT u.email, u.name FROM workspace_members w
                        JOIN org_members m ON m.org_id = w.org_id AND m.user_id = w.user_id AND m.status = 'active'
                        JOIN users u ON u.id = w.user_id
                        WHERE w.org_id = :org AND w.workspace_id = :ws AND w.role = 'admin' ORDER BY u.email
                        """)
                .param("org", org.value())
                .param("ws", workspace.value())
                .query((rs, n) -> new Person(rs.getString(1), rs.getString(2)))
                .list();
    }

    /** A user to notify about their own account, and the organization their notice is listed under. */
    public record Account(Person person, OrgId org) {}

    /**
     * The user and the organization they joined first (their notices are listed in its outbox);
     * empty when they belong to none.
     */
    public Optional<Account> account(UserId user) {
        return jdbc.sql("""
                        SELECT u.email, u.name, m.org_id FROM users u
                        JOIN org_members m ON m.user_id = u.id AND m.status = 'active'
                        WHERE u.id = :user ORDER BY m.joined_at, m.org_id LIMIT 1
                        """)
                .param("user", user.value())
                .query((rs, n) -> new Account(new Person(rs.getString(1), rs.getString(2)), new OrgId(rs.getString(3))))
                .optional();
    }
}
