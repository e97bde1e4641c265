package dev.atrium.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With no {@code ATRIUM_DATABASE_URL}, Atrium runs its own PostgreSQL under the data directory,
 * kept across restarts. Kept apart from anything that injects JDBC beans to avoid a cycle with Flyway.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${atrium.database.url:}'.isBlank()")
class EmbeddedDatabaseConfiguration {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(
            DataDirectory dataDirectory,
            @Value("${atrium.database.embedded.ephemeral:false}") boolean ephemeral,
            @Value("${atrium.database.embedded.port:0}") int port)
            throws IOException {
        Path dir = ephemeral
                ? Files.createTempDirectory(dataDirectory.root(), "postgres-")
                : dataDirectory.resolve("postgres");
        Files.createDirectories(dir);
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
        EmbeddedPostgres postgres = builder.start();
        log.info("Embedded PostgreSQL started on port {} with data in {}", postgres.getPort(), dir);
        return postgres;
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
