package dev.atrium.gateway.internal;

import dev.atrium.workspace.WorkspaceDeleted;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** A deleted workspace's generated media goes with it, inside the deleting transaction (DESIGN §1). */
@Component
class MediaErasure {
    private final JdbcClient jdbc;

    MediaErasure(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventListener
    void on(WorkspaceDeleted event) {
        jdbc.sql("DELETE FROM media WHERE org_id = :org AND workspace_id = :ws")
                .param("org", event.org().value())
                .param("ws", event.workspace().value())
                .update();
    }
}
