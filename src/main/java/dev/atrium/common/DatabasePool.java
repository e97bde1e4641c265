package dev.atrium.common;

import com.zaxxer.hikari.HikariConfig;
import java.time.Duration;

/**
 * The connection pool's settings that decide how an outage looks to callers: a request that finds
 * no connection gives up after {@code connectTimeout} (and answers 503) instead of waiting 30 s,
 * and a new connection to an unreachable server is abandoned just as soon.
 */
final class DatabasePool {
    private DatabasePool() {}

    static HikariConfig configure(HikariConfig config, int poolSize, Duration connectTimeout) {
        long millis = Math.max(250, connectTimeout.toMillis());
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(millis);
        config.setValidationTimeout(Math.min(1000, millis));
        // pgjdbc's own bound on opening a socket and logging in, in seconds.
        config.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, (millis + 999) / 1000)));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return config;
    }
}
