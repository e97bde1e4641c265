package dev.atrium.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With no {@code ATRIUM_DATABASE_URL}, Atrium runs its own PostgreSQL under the data directory,
 * kept across restarts. Kept apart from anything that injects JDBC beans to avoid a cycle with Flyway.
 *
 * <p>The server must not outlive this process: a start first stops a server an earlier, killed run
 * left on the directory, and a watchdog ends the server if this process dies without stopping it
 * ({@code atrium.database.embedded.watchdog}, on by default); see {@link EmbeddedPostgresGuard}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${atrium.database.url:}'.isBlank()")
class EmbeddedDatabaseConfiguration {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    /** Where the embedded server keeps its data. */
    record EmbeddedDirectory(Path path, boolean ephemeral) {}

    @Bean
    EmbeddedDirectory embeddedDirectory(
            DataDirectory dataDirectory, @Value("${atrium.database.embedded.ephemeral:false}") boolean ephemeral)
            throws IOException {
        Path dir = ephemeral
                ? Files.createTempDirectory(dataDirectory.root(), "postgres-")
                : dataDirectory.resolve("postgres");
        Files.createDirectories(dir);
        return new EmbeddedDirectory(dir, ephemeral);
    }

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(
            EmbeddedDirectory directory, @Value("${atrium.database.embedded.port:0}") int port) throws IOException {
        Path dir = directory.path();
        boolean ephemeral = directory.ephemeral();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(ephemeral)
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", ephemeral ? "off" : "on")
                .setServerConfig("synchronous_commit", ephemeral ? "off" : "on")
                .setServerConfig("full_page_writes", ephemeral ? "off" : "on");
        if (port > 0) {
            builder.setPort(port);
        }
        // A server an earlier run left behind (its JVM was killed) would hold the directory.
        EmbeddedPostgresGuard.stopLeftover(dir);
        EmbeddedPostgres postgres = builder.start();
        log.info("Embedded PostgreSQL started on port {} with data in {}", postgres.getPort(), dir);
        return postgres;
    }

    /**
     * Ends the embedded server if this process dies without stopping it. Destroyed before the
     * server's bean on a clean shutdown, which then stops the server itself.
     */
    @Bean(destroyMethod = "close")
    Watchdog embeddedPostgresWatchdog(
            EmbeddedPostgres postgres,
            EmbeddedDirectory directory,
            @Value("${atrium.database.embedded.watchdog:true}") boolean enabled) {
        return new Watchdog(enabled ? EmbeddedPostgresGuard.watch(directory.path()) : null);
    }

    /** The watchdog process, if one runs. */
    record Watchdog(@Nullable Process process) implements AutoCloseable {
        @Override
        public void close() {
            if (process != null) process.destroy();
        }
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(
            EmbeddedPostgres postgres,
            @Value("${atrium.database.pool-size:20}") int poolSize,
            @Value("${atrium.database.connect-timeout:2s}") java.time.Duration connectTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        DatabasePool.configure(config, poolSize, connectTimeout);
        config.setPoolName("atrium-embedded");
        return new HikariDataSource(config);
    }
}
