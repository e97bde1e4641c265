package dev.atrium.common;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The application's {@code DataSource} when a reports replica is configured: the primary's pool,
 * except inside {@link #on}, where connections come from the replica's pool. Every repository and
 * transaction manager keeps using this one data source, so the report code is the same whichever
 * server answers it; only the few read paths that {@link ReportReads} wraps ever reach the replica,
 * and there only through the one read-only transaction {@link ReportsReplica#run} begins (see there).
 */
final class ReportsRouting extends DelegatingDataSource implements AutoCloseable {
    private final ThreadLocal<@Nullable DataSource> route = new ThreadLocal<>();

    ReportsRouting(DataSource primary) {
        super(primary);
    }

    /** Runs {@code body} with this thread's new connections taken from {@code replica}. */
    <T> T on(DataSource replica, Supplier<T> body) {
        DataSource before = route.get();
        route.set(replica);
        try {
            return body.get();
        } finally {
            if (before == null) route.remove();
            else route.set(before);
        }
    }

    /** Runs {@code body} with this thread's new connections taken from the primary again. */
    <T> T off(Supplier<T> body) {
        DataSource before = route.get();
        route.remove();
        try {
            return body.get();
        } finally {
            if (before != null) route.set(before);
        }
    }

    private DataSource current() {
        DataSource replica = route.get();
        return replica != null ? replica : obtainTargetDataSource();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return current().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return current().getConnection(username, password);
    }

    /** Closes the primary's pool, as the {@code dataSource} bean's destroy method did before wrapping. */
    @Override
    public void close() throws Exception {
        if (obtainTargetDataSource() instanceof AutoCloseable pool) pool.close();
    }
}
