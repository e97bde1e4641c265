package dev.atrium.gateway.internal;

import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Generated media kept per workspace, served only through the authorized media endpoint. */
@Component
public class MediaStore {
    private final JdbcClient jdbc;
    private final Clock clock;

    MediaStore(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public record Media(String id, String contentType, byte[] bytes) {}

    public String put(OrgId org, WorkspaceId ws, String contentType, byte[] bytes) {
        String id = Ids.next("med_");
        jdbc.sql(
                        "INSERT INTO media (org_id, workspace_id, id, content_type, bytes, created_at) VALUES (:org, :ws, :id, :type, :bytes, :at)")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .param("type", contentType)
                .param("bytes", bytes)
                .param("at", Timestamp.from(clock.instant()))
                .update();
        return id;
    }

    public Optional<Media> get(OrgId org, WorkspaceId ws, String id) {
        return jdbc.sql(
                        "SELECT id, content_type, bytes FROM media WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .query((rs, n) -> new Media(rs.getString(1), rs.getString(2), rs.getBytes(3)))
                .optional();
    }
}
