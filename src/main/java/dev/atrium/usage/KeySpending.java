package dev.atrium.usage;

import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What a workspace key has spent since a time: the credits of its usage events. */
@Component
public class KeySpending {
    private final JdbcClient jdbc;

    KeySpending(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Credits since(OrgId org, WorkspaceId workspace, KeyId key, Instant since) {
        Long micros = jdbc.sql("""
                        SELECT COALESCE(SUM(credits), 0) FROM usage_events
                        WHERE org_id = :org AND workspace_id = :ws AND occurred_at >= :since AND key_id = :key
                        """)
                .param("org", org.value())
                .param("ws", workspace.value())
                .param("since", Timestamp.from(since))
                .param("key", key.value())
                .query(Long.class)
                .single();
        return Credits.ofMicros(micros);
    }
}
