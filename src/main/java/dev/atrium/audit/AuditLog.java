package dev.atrium.audit;

import dev.atrium.common.AuditEventId;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.RequestIds;
import dev.atrium.identity.Caller;
import java.sql.Timestamp;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Records administrative actions inside the caller's transaction, and lists them newest first. */
@Service
public class AuditLog {
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /** Appends an event; it commits or rolls back with the action it records. */
    @Transactional(propagation = Propagation.MANDATORY)
    public AuditEventId record(
            OrgId org,
            Caller actor,
            String action,
            String targetType,
            String targetId,
            @Nullable Object before,
            @Nullable Object after) {
        return record(org, actor.actorType(), actor.actorId(), action, targetType, targetId, before, after);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public AuditEventId record(
            OrgId org,
            String actorType,
            String actorId,
            String action,
            String targetType,
            String targetId,
            @Nullable Object before,
            @Nullable Object after) {
        AuditEventId id = AuditEventId.next();
        jdbc.sql("""
                        INSERT INTO audit_events (org_id, id, actor_type, actor_id, action, target_type, target_id,
                                                  before, after, request_id, created_at)
                        VALUES (:org, :id, :actorType, :actorId, :action, :targetType, :targetId,
                                CAST(:before AS jsonb), CAST(:after AS jsonb), :requestId, :at)
                        """)
                .param("org", org.value())
                .param("id", id.value())
                .param("actorType", actorType)
                .param("actorId", actorId)
                .param("action", action)
                .param("targetType", targetType)
                .param("targetId", targetId)
                .param("before", before == null ? null : json.writeValueAsString(before))
                .param("after", after == null ? null : json.writeValueAsString(after))
                .param("requestId", RequestIds.current())
                .param("at", Timestamp.from(clock.instant()))
                .update();
        return id;
    }

    /** Newest first; {@code after} is the last id of the previous page. Optional filters by action and actor. */
    @Transactional(readOnly = true)
    public Page<AuditEvent> list(
            OrgId org, PageRequest page, @Nullable String action, @Nullable String actorId, @Nullable String targetId) {
        var rows = jdbc.sql("""
                        SELECT id, actor_type, actor_id, action, target_type, target_id, before::text AS before,
                               after::text AS after, request_id, created_at
                        FROM audit_events
                        WHERE org_id = :org
                          AND (CAST(:after AS text) IS NULL OR id < :after)
                          AND (CAST(:action AS text) IS NULL OR action = :action)
                          AND (CAST(:actor AS text) IS NULL OR actor_id = :actor)
                          AND (CAST(:target AS text) IS NULL OR target_id = :target)
                        ORDER BY id DESC
                        LIMIT :limit
                        """)
                .param("org", org.value())
                .param("after", page.after())
                .param("action", action)
                .param("actor", actorId)
                .param("target", targetId)
                .param("limit", page.fetchSize())
                .query((rs, n) -> new AuditEvent(
                        new AuditEventId(rs.getString("id")),
                        rs.getString("actor_type"),
                        rs.getString("actor_id"),
                        rs.getString("action"),
                        rs.getString("target_type"),
                        rs.getString("target_id"),
                        parse(rs.getString("before")),
                        parse(rs.getString("after")),
                        rs.getString("request_id"),
                        rs.getTimestamp("created_at").toInstant()))
                .list();
        return Page.of(rows, page, e -> e.id().value());
    }

    private @Nullable JsonNode parse(@Nullable String text) {
        return text == null ? null : json.readTree(text);
    }
}
