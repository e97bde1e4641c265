package dev.atrium.usage;

import java.sql.Timestamp;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Writes usage events inside the transaction that settles the operation, so none is lost or doubled. */
@Service
public class UsageRecorder {
    private final JdbcClient jdbc;
    private final Clock clock;

    UsageRecorder(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Appends the event; the hour and day rollups follow in the same transaction (a trigger, see
     * {@code V20__usage_rollups.sql}), so reports never disagree with the events.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(UsageEvent e) {
        insert(e, null);
    }

    /**
     * Appends an ingested event under the client's id; false (and nothing written) when an event
     * with that id exists already.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean recordExternal(UsageEvent e, String externalId) {
        return insert(e, externalId) == 1;
    }

    private int insert(UsageEvent e, @Nullable String externalId) {
        return jdbc.sql("""
                        INSERT INTO usage_events (org_id, id, workspace_id, user_id, key_id, model, provider, category, operation,
                            input_units, output_units, credits, latency_ms, status, hold_id, request_id, source, occurred_at,
                            recorded_at, external_id)
                        VALUES (:org, :id, :ws, :user, :key, :model, :provider, :category, :operation, :in, :out, :credits,
                            :latency, :status, :hold, :request, :source, :occurred, :recorded, :external)
                        ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
                        """)
                .param("org", e.org().value())
                .param("id", e.id())
                .param("ws", e.workspace().value())
                .param("user", e.user() == null ? null : e.user().value())
                .param("key", e.key() == null ? null : e.key().value())
                .param("model", e.model())
                .param("provider", e.provider())
                .param("category", e.category())
                .param("operation", e.operation())
                .param("in", e.inputUnits())
                .param("out", e.outputUnits())
                .param("credits", e.credits().micros())
                .param("latency", (int) Math.min(Integer.MAX_VALUE, e.latencyMs()))
                .param("status", e.status())
                .param("hold", e.holdId())
                .param("request", e.requestId())
                .param("source", e.source())
                .param("occurred", Timestamp.from(e.occurredAt()))
                .param("recorded", Timestamp.from(clock.instant()))
                .param("external", externalId)
                .update();
    }
}
