package dev.atrium.common;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The read replica that reports go to ({@code ATRIUM_REPORTS_DATABASE_URL}): its own read-only pool,
 * and before each report a probe of how far behind the primary it is. A replica that cannot be
 * reached, lags more than {@code atrium.reports.max-lag}, or fails a read sends that report to the
 * primary; one that could not be reached or failed a read is then left alone for {@code
 * atrium.reports.retry-after} (no report waits for its connection timeout meanwhile). Each change between replica and primary is logged
 * once; {@code atrium.reports.reads{source}}, {@code atrium.reports.replica.fallbacks{reason}} and
 * the gauge {@code atrium.reports.replica.lag} count and measure it all.
 */
final class ReportsReplica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReportsReplica.class);

    /**
     * How current the replica's data is, on the replica's clock: {@code clock_timestamp()} when it has
     * replayed all it received while it streams from the primary (or when it is no standby at all),
     * else the commit time of the last transaction it replayed.
     */
    private static final String PROBE = """
            SELECT clock_timestamp() AS now,
                   NOT pg_is_in_recovery()
                     OR (EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                         AND coalesce(pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(), false)) AS current,
                   pg_last_xact_replay_timestamp() AS replayed_at
            """;

    private final HikariDataSource pool;
    private final ReportsRouting routing;
    private final Duration maxLag;
    private final Duration retryAfter;
    private final MeterRegistry meters;
    private final TransactionTemplate readOnly;
    private final AtomicLong lagMillis = new AtomicLong();
    private final AtomicReference<String> state = new AtomicReference<>("replica");
    private volatile long skipUntilNanos = System.nanoTime();
    private volatile String skipReason = "unreachable";

    ReportsReplica(
            HikariDataSource pool,
            ReportsRouting routing,
            Duration maxLag,
            Duration retryAfter,
            MeterRegistry meters,
            PlatformTransactionManager transactions) {
        this.pool = pool;
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
        this.readOnly.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRED);
        this.routing = routing;
        this.maxLag = maxLag;
        this.retryAfter = retryAfter;
        this.meters = meters;
        Gauge.builder("atrium.reports.replica.lag", lagMillis, l -> l.get() / 1000.0)
                .baseUnit("seconds")
                .description("how far behind the primary the reports replica was at its last probe")
                .register(meters);
    }

    /**
     * The instant the replica's data is current as of, when a report may read it now; null when the
     * report must go to the primary (the reason counted and, on a change, logged).
     */
    @Nullable
    Instant choose() {
        if (System.nanoTime() - skipUntilNanos < 0) {
            String reason = skipReason;
            fallback(reason, "the replica failed (" + reason + ") less than " + retryAfter + " ago");
            return null;
        }
        Instant now;
        Instant asOf;
        try (Connection c = pool.getConnection();
                Statement st = c.createStatement()) {
            st.setQueryTimeout((int) Math.max(1, pool.getConnectionTimeout() / 1000));
            try (ResultSet rs = st.executeQuery(PROBE)) {
                rs.next();
                now = rs.getObject("now", OffsetDateTime.class).toInstant();
                OffsetDateTime replayed = rs.getObject("replayed_at", OffsetDateTime.class);
                asOf = rs.getBoolean("current") ? now : replayed == null ? null : replayed.toInstant();
            }
        } catch (SQLException | RuntimeException e) {
            skip("unreachable", "the replica is unreachable (" + why(e) + ")");
            return null;
        }
        if (asOf == null) {
            fallback("lag", "the replica has replayed no transaction yet and is not caught up");
            return null;
        }
        Duration lag = Duration.between(asOf, now);
        lagMillis.set(Math.max(0, lag.toMillis()));
        if (lag.compareTo(maxLag) > 0) {
            fallback("lag", "the replica's data is " + lag + " old, more than " + maxLag);
            return null;
        }
        if (!"replica".equals(state.getAndSet("replica"))) {
            log.info("reports are read from the replica again (its data {} old)", lag);
        }
        meters.counter("atrium.reports.reads", "source", "replica").increment();
        return asOf;
    }

    /**
     * Runs {@code body} in a read-only transaction on a replica connection. Only that transaction's
     * connection comes from the replica: the report's queries join it, while anything that starts a
     * transaction of its own (Spring Session saving the console session when the response is
     * committed, {@code REQUIRES_NEW}) gets a primary connection as usual. A write that joins it fails
     * (read-only), and the report is then read from the primary.
     */
    <T> T run(Supplier<T> body) {
        return routing.on(pool, () -> readOnly.execute(status -> routing.off(body)));
    }

    /**
     * A read on the replica failed: the report is read again from the primary, and the replica is left
     * alone for {@code retry-after} (a lasting failure costs no report two reads).
     */
    void failed(RuntimeException e) {
        skip("error", "a read on the replica failed (" + why(e) + ")");
    }

    private static String why(Exception e) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
        return cause.getMessage() != null
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
    }

    private void skip(String reason, String detail) {
        skipReason = reason;
        skipUntilNanos = System.nanoTime() + retryAfter.toNanos();
        fallback(reason, detail);
    }

    /** A report read on the primary because a transaction was already open on this thread. */
    void onPrimary() {
        meters.counter("atrium.reports.reads", "source", "primary").increment();
    }

    private void fallback(String reason, String detail) {
        meters.counter("atrium.reports.replica.fallbacks", "reason", reason).increment();
        meters.counter("atrium.reports.reads", "source", "primary").increment();
        String was = state.getAndSet(reason);
        if (!reason.equals(was)) {
            log.warn("reports fall back to the primary: {}", detail);
        } else {
            log.debug("report read from the primary: {}", detail);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
