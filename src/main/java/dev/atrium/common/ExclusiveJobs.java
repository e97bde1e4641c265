package dev.atrium.common;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.zip.CRC32C;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Background jobs that run on one node at a time, however many nodes share the database.
 *
 * <p>Every node schedules every job; each run first takes the job's PostgreSQL session-level
 * advisory lock ({@code pg_try_advisory_lock}) on a connection of its own, held for the run. A node
 * that finds the lock taken skips that run: another node is doing the work. When the node running
 * a job stops or dies, its connection closes and PostgreSQL releases the lock, so another node
 * takes the job over at its next scheduled run (within the job's interval). Two runs of one job
 * never overlap while the lock's connection lives; the jobs are also written to be safe if they
 * did (rows claimed with {@code FOR UPDATE SKIP LOCKED}, conditional updates), which covers a
 * connection lost mid-run.
 *
 * <p>Counted in metrics as {@code atrium.jobs.runs} and {@code atrium.jobs.skipped}, by job.
 */
@Component
public class ExclusiveJobs {
    private static final Logger log = LoggerFactory.getLogger(ExclusiveJobs.class);
    /** The advisory lock's first key: the namespace of job locks (the second is the job's hash). */
    private static final int NAMESPACE = 0x4a4f4253; // "JOBS"

    private final DataSource dataSource;
    private final MeterRegistry meters;

    ExclusiveJobs(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.meters = meters;
    }

    /**
     * Runs {@code work} unless another node (or thread) runs {@code job} right now.
     *
     * @return true when it ran here, false when it was skipped (or the database could not be reached)
     */
    public boolean run(String job, Runnable work) {
        int key = key(job);
        try (Connection lock = dataSource.getConnection()) {
            if (!lock.getAutoCommit()) lock.setAutoCommit(true);
            if (!tryLock(lock, key)) {
                meters.counter("atrium.jobs.skipped", "job", job).increment();
                return false;
            }
            try {
                meters.counter("atrium.jobs.runs", "job", job).increment();
                work.run();
                return true;
            } finally {
                unlock(lock, key, job);
            }
        } catch (SQLException e) {
            log.warn("background job {} skipped: its lock could not be taken ({})", job, e.getMessage());
            return false;
        }
    }

    private static boolean tryLock(Connection c, int key) throws SQLException {
        try (var st = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            st.setInt(1, NAMESPACE);
            st.setInt(2, key);
            try (var rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c, int key, String job) {
        try (var st = c.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            st.setInt(1, NAMESPACE);
            st.setInt(2, key);
            st.execute();
        } catch (SQLException e) {
            // The connection is gone, and with it the lock.
            log.debug("unlocking background job {} failed: {}", job, e.getMessage());
        }
    }

    static int key(String job) {
        var crc = new CRC32C();
        crc.update(job.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
