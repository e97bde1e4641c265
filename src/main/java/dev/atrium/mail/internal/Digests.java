package dev.atrium.mail.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Workspaces' weekly-digest settings and the weeks already digested. */
@Component
public class Digests {
    private final JdbcClient jdbc;

    Digests(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public boolean weekly(OrgId org, WorkspaceId ws) {
        return jdbc.sql("SELECT weekly FROM mail_digest_settings WHERE org_id = :org AND workspace_id = :ws")
                .param("org", org.value())
                .param("ws", ws.value())
                .query(Boolean.class)
                .optional()
                .orElse(false);
    }

    public void setWeekly(OrgId org, WorkspaceId ws, boolean weekly, Instant now) {
        jdbc.sql("""
                        INSERT INTO mail_digest_settings (org_id, workspace_id, weekly, updated_at) VALUES (:org, :ws, :weekly, :at)
                        ON CONFLICT (org_id, workspace_id) DO UPDATE SET weekly = EXCLUDED.weekly, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("weekly", weekly)
                .param("at", Timestamp.from(now))
                .update();
    }

    /** A workspace whose admins want the weekly digest. */
    public record Subscribed(OrgId org, WorkspaceId workspace) {}

    public List<Subscribed> subscribed() {
        return jdbc.sql(
                        "SELECT org_id, workspace_id FROM mail_digest_settings WHERE weekly ORDER BY org_id, workspace_id")
                .query((rs, n) -> new Subscribed(new OrgId(rs.getString(1)), new WorkspaceId(rs.getString(2))))
                .list();
    }

    /** Claims the week's digest of a workspace (in the caller's transaction); false when it is claimed already. */
    public boolean claim(OrgId org, WorkspaceId ws, Instant weekStart, Instant now) {
        return jdbc.sql("""
                                INSERT INTO mail_digest_runs (org_id, workspace_id, week_start, queued_at)
                                VALUES (:org, :ws, :week, :now) ON CONFLICT DO NOTHING
                                """)
                        .param("org", org.value())
                        .param("ws", ws.value())
                        .param("week", Timestamp.from(weekStart))
                        .param("now", Timestamp.from(now))
                        .update()
                == 1;
    }
}
