package dev.atrium.history.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.history.Activity;
import dev.atrium.history.ActivityView;
import dev.atrium.history.ConversationId;
import dev.atrium.history.Viewer;
import java.sql.Array;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Request records: one per settled AI operation of a workspace. */
@Repository
public class Activities {
    /**
     * An activity is visible to whoever sees everything in the workspace, to the member or key that
     * ran it, and to anyone who sees the shared conversation it belongs to.
     */
    private static final String VISIBLE = "(:all OR a.user_id = :viewerUser OR a.key_id = :viewerKey OR EXISTS ("
            + "SELECT 1 FROM conversations c WHERE c.org_id = a.org_id AND c.workspace_id = a.workspace_id"
            + " AND c.id = a.conversation_id AND c.visibility = 'shared'))";

    private final JdbcClient jdbc;

    Activities(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(Activity a, @Nullable String requestId, Instant at) {
        jdbc.sql("""
                        INSERT INTO activities (org_id, workspace_id, id, operation, model, credits, status, latency_ms,
                            user_id, key_id, conversation_id, media_ids, request_id, created_at)
                        VALUES (:org, :ws, :id, :operation, :model, :credits, :status, :latency, :user, :key,
                            :conversation, string_to_array(:media, ','), :request, :at)
                        """)
                .param("org", a.scope().org().value())
                .param("ws", a.scope().workspace().value())
                .param("id", Ids.next("act_"))
                .param("operation", a.operation())
                .param("model", a.model())
                .param("credits", a.credits().micros())
                .param("status", a.status())
                .param("latency", Math.max(0, a.latencyMs()))
                .param(
                        "user",
                        a.scope().user() == null ? null : a.scope().user().value())
                .param("key", a.scope().key().value())
                .param(
                        "conversation",
                        a.conversation() == null ? null : a.conversation().value())
                .param("media", String.join(",", a.mediaIds()))
                .param("request", requestId)
                .param("at", Timestamp.from(at))
                .update();
    }

    /** Newest first, after the cursor id. */
    public List<ActivityView> list(OrgId org, Viewer v, @Nullable String after, int fetch) {
        String mediaBase = "/api/v1/organizations/" + org.value() + "/workspaces/"
                + v.workspace().value() + "/media/";
        return Conversations.bind(
                        jdbc.sql("SELECT a.id, a.operation, a.model, a.credits, a.status, a.latency_ms, a.user_id,"
                                + " a.key_id, a.conversation_id, a.media_ids, a.created_at FROM activities a"
                                + " WHERE a.org_id = :org AND a.workspace_id = :ws AND " + VISIBLE
                                + (after == null ? "" : " AND a.id < :after")
                                + " ORDER BY a.id DESC LIMIT :fetch"),
                        v)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("after", after == null ? "" : after)
                .param("fetch", fetch)
                .query((rs, n) -> {
                    String user = rs.getString(7);
                    String conversation = rs.getString(9);
                    Array media = rs.getArray(10);
                    List<ActivityView.MediaLink> links = media == null
                            ? List.of()
                            : Arrays.stream((String[]) media.getArray())
                                    .filter(id -> !id.isEmpty())
                                    .map(id -> new ActivityView.MediaLink(id, mediaBase + id))
                                    .toList();
                    return new ActivityView(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            Credits.ofMicros(rs.getLong(4)).toDecimal(),
                            rs.getString(5),
                            rs.getLong(6),
                            user == null ? null : new UserId(user),
                            new KeyId(rs.getString(8)),
                            conversation == null ? null : new ConversationId(conversation),
                            links,
                            rs.getTimestamp(11).toInstant());
                })
                .list();
    }

    /**
     * Whether the viewer sees the activity that produced a media file; empty when no activity
     * records it (made while the workspace recorded no history).
     */
    public java.util.Optional<Boolean> mediaVisible(OrgId org, Viewer v, String mediaId) {
        return Conversations.bind(
                        jdbc.sql("SELECT bool_or(" + VISIBLE + ") FROM activities a WHERE a.org_id = :org"
                                + " AND a.workspace_id = :ws AND a.media_ids @> ARRAY[CAST(:media AS text)]"),
                        v)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("media", mediaId)
                .query((rs, n) -> {
                    boolean visible = rs.getBoolean(1);
                    return rs.wasNull() ? java.util.Optional.<Boolean>empty() : java.util.Optional.of(visible);
                })
                .single();
    }
}
