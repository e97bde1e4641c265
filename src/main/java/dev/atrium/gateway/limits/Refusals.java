package dev.atrium.gateway.limits;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Calls refused by a rate limit or a key's spend limit: counted in memory by workspace, minute and
 * reason (and in the metric {@code atrium.gateway.rate_limited}), written to {@code
 * rate_limit_refusals} every second (a row per workspace, minute and reason), never on the refused
 * request's path.
 */
@Component
public class Refusals {
    private static final Logger log = LoggerFactory.getLogger(Refusals.class);
    private final JdbcClient jdbc;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<Key, LongAdder> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rate-limit-refusals").factory());

    private record Key(OrgId org, WorkspaceId workspace, Instant minute, String reason) {}

    Refusals(JdbcClient jdbc, MeterRegistry meters, Clock clock) {
        this.jdbc = jdbc;
        this.meters = meters;
        this.clock = clock;
        flusher.scheduleWithFixedDelay(this::flushQuietly, 1, 1, TimeUnit.SECONDS);
    }

    void count(OrgId org, WorkspaceId workspace, String reason) {
        Instant minute = clock.instant().truncatedTo(ChronoUnit.MINUTES);
        pending.computeIfAbsent(new Key(org, workspace, minute, reason), k -> new LongAdder())
                .increment();
        Counter.builder("atrium.gateway.rate_limited")
                .description("Gateway calls refused by a rate limit or a key's spend limit")
                .tag("workspace", workspace.value())
                .tag("reason", reason)
                .register(meters)
                .increment();
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.debug("rate limit refusals not written yet: {}", e.toString());
        }
    }

    /** Writes what was counted (also called by tests). */
    public synchronized void flush() {
        List<Object[]> rows = new ArrayList<>();
        for (var e : List.copyOf(pending.entrySet())) {
            long n = e.getValue().sumThenReset();
            if (n == 0) {
                pending.remove(e.getKey(), e.getValue());
                continue;
            }
            Key k = e.getKey();
            rows.add(new Object[] {k.org().value(), k.workspace().value(), Timestamp.from(k.minute()), k.reason(), n});
        }
        if (rows.isEmpty()) return;
        try {
            for (Object[] r : rows) {
                jdbc.sql("""
                                INSERT INTO rate_limit_refusals (org_id, workspace_id, minute, reason, refused)
                                VALUES (?, ?, ?, ?, ?)
                                ON CONFLICT (org_id, workspace_id, minute, reason) DO UPDATE
                                  SET refused = rate_limit_refusals.refused + EXCLUDED.refused
                                """).params(r).update();
            }
        } catch (RuntimeException e) {
            // Counted again at the next flush.
            for (Object[] r : rows) {
                pending.computeIfAbsent(
                                new Key(
                                        new OrgId((String) r[0]),
                                        new WorkspaceId((String) r[1]),
                                        ((Timestamp) r[2]).toInstant(),
                                        (String) r[3]),
                                k -> new LongAdder())
                        .add((Long) r[4]);
            }
            throw e;
        }
    }

    @PreDestroy
    void stop() {
        flusher.shutdownNow();
        flushQuietly();
    }
}
