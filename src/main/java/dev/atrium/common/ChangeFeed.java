package dev.atrium.common;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Changes that every node must honour at once (a revoked key, a changed role or policy, an admin's
 * change of a workspace's funding), told through PostgreSQL itself: {@link #publish} sends a
 * {@code NOTIFY} on one channel, delivered to every node's listening connection when the
 * publishing transaction commits (and never when it rolls back), typically within milliseconds.
 *
 * <p>A message is a topic and a key ({@code "key.revoked"}, {@code "kid_…"}). Subscribers get the
 * keys of their topic on the feed's thread, in commit order; they must only drop or mark what they
 * cache, not block. When the listening connection is lost, messages sent meanwhile are missed: on
 * reconnecting, every {@link #onResync} callback runs, so caches drop everything they hold. While
 * the connection is down those callbacks run too (once), since nothing can be trusted to be fresh.
 *
 * <p>Caches subscribe with {@link #subscribeAtCommit}: their listener also runs on this node the
 * moment the publishing transaction commits, on the committing thread, so that the request which
 * made a change is answered only once this node honours it (other nodes follow within milliseconds).
 */
@Component
public class ChangeFeed implements SmartLifecycle {
    public static final String CHANNEL = "atrium_changes";
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final Duration pollInterval;
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<String>>> atCommit = new ConcurrentHashMap<>();
    private final List<Runnable> resyncs = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    private volatile @Nullable Thread thread;
    private volatile @Nullable Connection listening;

    ChangeFeed(
            DataSource dataSource,
            JdbcClient jdbc,
            @Value("${atrium.changes.poll-interval:PT0.25S}") Duration pollInterval) {
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.pollInterval = pollInterval;
    }

    /**
     * Tells every node (this one included) that {@code key} changed under {@code topic}: within the
     * caller's transaction if one is open (sent at its commit), at once otherwise.
     */
    public void publish(String topic, String key) {
        if (topic.indexOf(' ') >= 0) throw new IllegalArgumentException("a topic has no spaces: " + topic);
        jdbc.sql("SELECT pg_notify('" + CHANNEL + "', :payload)")
                .param("payload", topic + " " + key)
                .query((rs, n) -> 1)
                .list();
        List<Consumer<String>> local = atCommit.get(topic);
        if (local == null) return;
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    deliver(local, topic, key);
                }
            });
        } else {
            deliver(local, topic, key);
        }
    }

    /** Calls {@code listener} with the key of every message of {@code topic}, on the feed's thread. */
    public void subscribe(String topic, Consumer<String> listener) {
        subscribers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /**
     * Like {@link #subscribe}, and also calls {@code listener} on this node as soon as a transaction
     * of this node that published to {@code topic} commits (or at once when published outside a
     * transaction), on the publishing thread; the message then arrives again from PostgreSQL. For
     * listeners that drop cached entries: running twice must do no harm.
     */
    public void subscribeAtCommit(String topic, Consumer<String> listener) {
        atCommit.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
        subscribe(topic, listener);
    }

    /** Calls {@code action} whenever messages may have been missed: caches start over. */
    public void onResync(Runnable action) {
        resyncs.add(action);
    }

    /** Whether the feed is listening now (messages from other nodes reach this one). */
    public boolean listening() {
        return listening != null;
    }

    private void run() {
        boolean missed = false;
        while (running) {
            try (Connection c = connect()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                listening = c;
                if (missed) resync();
                missed = true;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notes = pg.getNotifications((int) pollInterval.toMillis());
                    if (notes == null) {
                        // No message: check the connection is alive, so a cut one is noticed soon.
                        if (!c.isValid(2)) throw new SQLException("change feed connection lost");
                        continue;
                    }
                    for (PGNotification n : notes) dispatch(n.getParameter());
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) break;
                listening = null;
                log.warn("change feed disconnected ({}); caches start over and it reconnects", e.toString());
                resync();
                sleep();
            } finally {
                listening = null;
            }
        }
    }

    private Connection connect() throws SQLException {
        // Unwrapped: with a reports replica, the data source is the primary's pool behind a ReportsRouting.
        @Nullable
        HikariDataSource h =
                dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
        if (h != null && h.getJdbcUrl() != null) {
            // A connection of its own, outside the pool: it stays open for the life of the node.
            var props = new java.util.Properties();
            if (h.getUsername() != null) props.setProperty("user", h.getUsername());
            if (h.getPassword() != null) props.setProperty("password", h.getPassword());
            props.setProperty("connectTimeout", "2");
            props.setProperty("tcpKeepAlive", "true");
            props.setProperty("ApplicationName", "atrium-change-feed");
            Connection c = DriverManager.getConnection(h.getJdbcUrl(), props);
            c.setAutoCommit(true);
            return c;
        }
        return dataSource.getConnection();
    }

    private void dispatch(String payload) {
        int space = payload.indexOf(' ');
        if (space < 0) return;
        String topic = payload.substring(0, space);
        List<Consumer<String>> listeners = subscribers.get(topic);
        if (listeners == null) return;
        deliver(listeners, topic, payload.substring(space + 1));
    }

    private static void deliver(List<Consumer<String>> listeners, String topic, String key) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(key);
            } catch (RuntimeException e) {
                log.warn("change listener failed on {} {}", topic, key, e);
            }
        }
    }

    private void resync() {
        for (Runnable r : resyncs) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("change feed resync action failed", e);
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(Math.max(100, pollInterval.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void start() {
        if (running) return;
        running = true;
        thread = Thread.ofPlatform().daemon().name("change-feed").start(this::run);
    }

    @Override
    public synchronized void stop() {
        running = false;
        Thread t = thread;
        Connection c = listening;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
