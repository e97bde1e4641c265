package dev.atrium.usage;

import java.sql.Timestamp;
import java.time.Clock;
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

    @Transactional(propagation = Propagation.MANDATORY)
    public void record(UsageEvent e) {
        jdbc.sql("""
                        INSERT INTO usage_events (org_id, id, workspace_id, user_id, key_id, model, provider, category, operation,
                            input_units, output_units, credits, latency_ms, status, hold_id, request_id, source, occurred_at, recorded_at)
                        VALUES (:org, :id, :ws, :user, :key, :model, :provider, :category, :operation, :in, :out, :credits,
                            :latency, :status, :hold, :request, :source, :occurred, :recorded)
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
                .update();
    }
}
