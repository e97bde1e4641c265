package dev.atrium.history.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.ConversationId;
import dev.atrium.history.MessageView;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The messages of conversations, numbered from 1 within each. */
@Repository
public class Messages {
    private final JdbcClient jdbc;

    Messages(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A message to store; the model, tokens and credits are those of an assistant reply. */
    public record NewMessage(
            String role,
            String content,
            @Nullable String model,
            long inputTokens,
            long outputTokens,
            Credits credits,
            String status) {}

    public void append(
            OrgId org, WorkspaceId ws, ConversationId id, int firstSeq, List<NewMessage> messages, Instant at) {
        int seq = firstSeq;
        for (NewMessage m : messages) {
            jdbc.sql("""
                            INSERT INTO messages (org_id, workspace_id, conversation_id, seq, role, content, model,
                                input_tokens, output_tokens, credits, status, created_at)
                            VALUES (:org, :ws, :id, :seq, :role, :content, :model, :in, :out, :credits, :status, :at)
                            """)
                    .param("org", org.value())
                    .param("ws", ws.value())
                    .param("id", id.value())
                    .param("seq", seq++)
                    .param("role", m.role())
                    .param("content", m.content())
                    .param("model", m.model())
                    .param("in", m.inputTokens())
                    .param("out", m.outputTokens())
                    .param("credits", m.credits().micros())
                    .param("status", m.status())
                    .param("at", Timestamp.from(at))
                    .update();
        }
    }

    public List<MessageView> of(OrgId org, WorkspaceId ws, ConversationId id) {
        return jdbc.sql("SELECT seq, role, content, model, input_tokens, output_tokens, credits, status, created_at"
                        + " FROM messages WHERE org_id = :org AND workspace_id = :ws AND conversation_id = :id"
                        + " ORDER BY seq")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .query((rs, n) -> new MessageView(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        Credits.ofMicros(rs.getLong(7)).toDecimal(),
                        rs.getString(8),
                        rs.getTimestamp(9).toInstant()))
                .list();
    }
}
