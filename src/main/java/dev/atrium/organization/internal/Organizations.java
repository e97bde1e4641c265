package dev.atrium.organization.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.organization.Organization;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The organizations table. */
@Repository
public class Organizations {
    private final JdbcClient jdbc;

    Organizations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(Organization org, UserId createdBy) {
        jdbc.sql("""
                        INSERT INTO organizations (id, name, primary_workspace_id, created_by, created_at)
                        VALUES (:id, :name, :primary, :by, :at)
                        """)
                .param("id", org.id().value())
                .param("name", org.name())
                .param("primary", org.primaryWorkspaceId().value())
                .param("by", createdBy.value())
                .param("at", Timestamp.from(org.createdAt()))
                .update();
    }

    public Optional<Organization> find(OrgId id) {
        return jdbc.sql("SELECT id, name, primary_workspace_id, created_at FROM organizations WHERE id = :id")
                .param("id", id.value())
                .query(Organizations::map)
                .optional();
    }

    public void rename(OrgId id, String name) {
        jdbc.sql("UPDATE organizations SET name = :name WHERE id = :id")
                .param("id", id.value())
                .param("name", name)
                .update();
    }

    static Organization map(ResultSet rs, int n) throws SQLException {
        return new Organization(
                new OrgId(rs.getString("id")),
                rs.getString("name"),
                new WorkspaceId(rs.getString("primary_workspace_id")),
                rs.getTimestamp("created_at").toInstant());
    }
}
