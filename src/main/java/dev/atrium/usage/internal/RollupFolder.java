package dev.atrium.usage.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves pending rollup deltas ({@code usage_rollup_pending}, appended by the trigger on
 * {@code usage_events}, V91) into the hour, day and month rows of both rollup tables.
 *
 * <p>One statement deletes up to {@code atrium.usage.fold.batch} pending rows and adds their sums to
 * the rollups; its transaction commits both or neither, so every pending row is applied exactly once,
 * also across a crash. One folder works at a time across all Atrium instances on a database (a
 * transaction-level advisory lock); the others find the lock taken and wait for their next turn. The
 * folder loops while a fold comes back full, then sleeps {@code atrium.usage.fold.interval}.
 *
 * <p>Rollup rows are written by the folder alone, always in one order (member table, then workspace
 * table; hour, day, month; then by key), so no ingesting transaction waits for another's rollup rows.
 */
@Component
public class RollupFolder implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RollupFolder.class);

    /** The advisory lock of the fold: one folder at a time on a database. */
    private static final long LOCK = 0x6174_7269_756d_0001L;

    /** Deleted pending rows after which the folder, once caught up, vacuums the pending table. */
    private static final long VACUUM_AFTER = 50_000;

    /**
     * Deletes up to {@code :limit} pending rows and adds them to the rollups; returns how many it
     * deleted. Data-modifying CTEs all run to completion in the statement's one snapshot.
     */
    private static final String FOLD = """
            WITH d AS (
              DELETE FROM usage_rollup_pending
              WHERE ctid = ANY (ARRAY(SELECT ctid FROM usage_rollup_pending LIMIT :limit))
              RETURNING org_id, bucket_start, workspace_id, user_id, model, category,
                        event_count, input_units, output_units, credits, error_count, latency_sum_ms),
            g AS (
              SELECT g.n, g.grain, d.org_id AS o, date_trunc(g.grain, d.bucket_start, 'UTC') AS b,
                     d.workspace_id AS w, d.user_id AS usr, d.model AS m, d.category AS c,
                     sum(d.event_count)::bigint AS en, sum(d.input_units)::bigint AS i, sum(d.output_units)::bigint AS ou,
                     sum(d.credits)::bigint AS cr, sum(d.error_count)::bigint AS er, sum(d.latency_sum_ms)::bigint AS l
              FROM d CROSS JOIN (VALUES (1, 'hour'), (2, 'day'), (3, 'month')) AS g (n, grain)
              GROUP BY g.n, g.grain, o, b, w, usr, m, c),
            by_member AS (
              INSERT INTO usage_rollups AS u (org_id, grain, bucket_start, workspace_id, user_id, model, category,
                                              event_count, input_units, output_units, credits, error_count, latency_sum_ms)
              SELECT o, grain, b, w, usr, m, c, en, i, ou, cr, er, l FROM g
              ORDER BY n, o, b, w, usr, m, c
              ON CONFLICT (org_id, grain, bucket_start, workspace_id, user_id, model, category) DO UPDATE SET
                event_count    = u.event_count + EXCLUDED.event_count,
                input_units    = u.input_units + EXCLUDED.input_units,
                output_units   = u.output_units + EXCLUDED.output_units,
                credits        = u.credits + EXCLUDED.credits,
                error_count    = u.error_count + EXCLUDED.error_count,
                latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms),
            by_workspace AS (
              INSERT INTO usage_rollups_ws AS u (org_id, grain, bucket_start, workspace_id, model, category,
                                                 event_count, input_units, output_units, credits, error_count, latency_sum_ms)
              SELECT o, grain, b, w, m, c, sum(en), sum(i), sum(ou), sum(cr), sum(er), sum(l) FROM g
              GROUP BY n, grain, o, b, w, m, c
              ORDER BY n, o, b, w, m, c
              ON CONFLICT (org_id, grain, bucket_start, workspace_id, model, category) DO UPDATE SET
                event_count    = u.event_count + EXCLUDED.event_count,
                input_units    = u.input_units + EXCLUDED.input_units,
                output_units   = u.output_units + EXCLUDED.output_units,
                credits        = u.credits + EXCLUDED.credits,
                error_count    = u.error_count + EXCLUDED.error_count,
                latency_sum_ms = u.latency_sum_ms + EXCLUDED.latency_sum_ms)
            SELECT count(*) FROM d
            """;

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final int batch;
    private final Duration interval;
    private final boolean enabled;
    private final Object wake = new Object();
    /**
     * Rows deleted from the pending table since it was last vacuumed. Until vacuum reclaims them, a
     * report's look at the pending rows of its range walks their index entries and heap tuples too
     * (autovacuum may take a minute to come by).
     */
    private final AtomicLong deadSinceVacuum = new AtomicLong();

    private volatile boolean running;
    private Thread worker;

    RollupFolder(
            DataSource dataSource,
            JdbcClient jdbc,
            PlatformTransactionManager transactions,
            @Value("${atrium.usage.fold.batch:200000}") int batch,
            @Value("${atrium.usage.fold.interval:200ms}") Duration interval,
            @Value("${atrium.usage.fold.enabled:true}") boolean enabled) {
        if (batch < 1) throw new IllegalArgumentException("atrium.usage.fold.batch must be at least 1");
        if (interval.isNegative() || interval.isZero())
            throw new IllegalArgumentException("atrium.usage.fold.interval must be positive");
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.batch = batch;
        this.interval = interval;
        this.enabled = enabled;
    }

    /**
     * One fold of up to the batch size: the number of pending rows applied, 0 when there were none or
     * (with {@code wait} false) another folder holds the lock.
     */
    public long foldOnce(boolean wait) {
        Long n = tx.execute(s -> {
            if (wait) {
                jdbc.sql("SELECT pg_advisory_xact_lock(:k)")
                        .param("k", LOCK)
                        .query()
                        .singleRow();
            } else if (!jdbc.sql("SELECT pg_try_advisory_xact_lock(:k)")
                    .param("k", LOCK)
                    .query(Boolean.class)
                    .single()) {
                return 0L;
            }
            return jdbc.sql(FOLD).param("limit", batch).query(Long.class).single();
        });
        return n == null ? 0 : n;
    }

    /**
     * Folds until no pending row committed before the call is left (waiting for another folder if one
     * is at work): afterwards the rollup tables alone hold those events' sums.
     */
    public void foldAll() {
        long n;
        while ((n = foldOnce(true)) > 0) folded(n);
        vacuumIfDrained();
    }

    private void folded(long n) {
        deadSinceVacuum.addAndGet(n);
    }

    /** Vacuums the pending table once the folder has caught up after deleting many rows. */
    private void vacuumIfDrained() {
        if (deadSinceVacuum.get() < VACUUM_AFTER) return;
        deadSinceVacuum.set(0);
        // Outside a transaction (VACUUM cannot run in one); it takes no lock that writers or the fold need.
        // Only an optimization: if it cannot run, autovacuum still will.
        try {
            jdbc.sql("VACUUM usage_rollup_pending").update();
        } catch (DataAccessException e) {
            log.warn("Vacuuming the pending usage rollups failed; autovacuum will", e);
        }
    }

    /** Folding held off until {@link #close}. */
    public interface Pause extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds off every folder on the database (takes the fold's lock on a connection of its own, waiting
     * for a fold at work to finish) until the returned pause is closed: events written meanwhile stay
     * pending. For maintenance on the rollup tables, and for tests of reports over pending deltas.
     */
    public Pause pause() {
        try {
            Connection c = dataSource.getConnection();
            try {
                c.setAutoCommit(false);
                try (var st = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    st.setLong(1, LOCK);
                    st.execute();
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            return () -> {
                try (c) {
                    c.rollback();
                } catch (SQLException e) {
                    throw new IllegalStateException("Could not release the fold lock", e);
                }
            };
        } catch (SQLException e) {
            throw new IllegalStateException("Could not take the fold lock", e);
        }
    }

    private void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void work() {
        long backoff = interval.toMillis();
        while (running) {
            try {
                long n = foldOnce(false);
                folded(n);
                if (n >= batch) continue; // more is waiting
                vacuumIfDrained();
                backoff = interval.toMillis();
            } catch (RuntimeException e) {
                if (!running) break;
                log.warn("Folding usage rollups failed; retrying", e);
                backoff = Math.min(Math.max(backoff * 2, 1000), 30_000);
            }
            synchronized (wake) {
                try {
                    if (running) wake.wait(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void start() {
        if (running || !enabled) return;
        running = true;
        worker = Thread.ofPlatform().name("usage-rollup-folder").daemon(true).start(this::work);
    }

    @Override
    public synchronized void stop() {
        if (!running) return;
        running = false;
        wakeUp();
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Stops after the web server and the ledger's workers: events written by in-flight requests
        // are still folded (and what is left stays pending, to be folded after the next start).
        return Integer.MAX_VALUE - 8192;
    }
}
