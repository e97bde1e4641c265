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

    /** Stores the messages numbered from {@code firstSeq}, with one statement. */
    public void append(
            OrgId org, WorkspaceId ws, ConversationId id, int firstSeq, List<NewMessage> messages, Instant at) {
        if (messages.isEmpty()) return;
        StringBuilder sql = new StringBuilder("""
                INSERT INTO messages (org_id, workspace_id, conversation_id, seq, role, content, model,
                    input_tokens, output_tokens, credits, status, created_at)
                VALUES """);
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) sql.append(", ");
            sql.append("(:org, :ws, :id, :seq%1$d, :role%1$d, :content%1$d, :model%1$d, :in%1$d, :out%1$d,"
                            .formatted(i))
                    .append(" :credits%1$d, :status%1$d, :at)".formatted(i));
        }
        var statement = jdbc.sql(sql.toString())
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("at", Timestamp.from(at));
        for (int i = 0; i < messages.size(); i++) {
            NewMessage m = messages.get(i);
            statement = statement
                    .param("seq" + i, firstSeq + i)
                    .param("role" + i, m.role())
                    .param("content" + i, m.content())
                    .param("model" + i, m.model())
                    .param("in" + i, m.inputTokens())
                    .param("out" + i, m.outputTokens())
                    .param("credits" + i, m.credits().micros())
                    .param("status" + i, m.status());
        }
        statement.update();
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
