package dev.atrium.gateway.internal;

import dev.atrium.workspace.Retention;
import dev.atrium.workspace.WorkspaceDeleted;
import dev.atrium.workspace.WorkspaceService;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Generated media is history (DESIGN §1): erased with its workspace, inside the deleting
 * transaction, and after the workspace's {@code retention_days} like the rest of its history.
 */
@Component
class MediaErasure {
    private final JdbcClient jdbc;
    private final WorkspaceService workspaces;
    private final Clock clock;

    MediaErasure(JdbcClient jdbc, WorkspaceService workspaces, Clock clock) {
        this.jdbc = jdbc;
        this.workspaces = workspaces;
        this.clock = clock;
    }

    @EventListener
    void on(WorkspaceDeleted event) {
        jdbc.sql("DELETE FROM media WHERE org_id = :org AND workspace_id = :ws")
                .param("org", event.org().value())
                .param("ws", event.workspace().value())
                .update();
    }

    @Scheduled(fixedDelayString = "${atrium.history.retention-interval:PT1H}", initialDelayString = "PT30S")
    void sweep() {
        for (Retention r : workspaces.retentions()) {
            jdbc.sql("DELETE FROM media WHERE org_id = :org AND workspace_id = :ws AND created_at < :cutoff")
                    .param("org", r.org().value())
                    .param("ws", r.workspace().value())
                    .param("cutoff", Timestamp.from(clock.instant().minus(Duration.ofDays(r.days()))))
                    .update();
        }
    }
}
