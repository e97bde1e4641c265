package dev.atrium.common;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health of the database ({@code database} in {@code /actuator/health} and the readiness group):
 * down when a trivial query has not answered within {@code atrium.database.health-timeout} (500 ms),
 * so the health endpoint itself answers within a second during an outage.
 */
@Component("database")
class DatabaseHealth implements HealthIndicator {
    private final DataSource dataSource;
    private final Duration timeout;

    DatabaseHealth(DataSource dataSource, @Value("${atrium.database.health-timeout:500ms}") Duration timeout) {
        this.dataSource = dataSource;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        CompletableFuture<Boolean> check = new CompletableFuture<>();
        Thread.ofVirtual().name("database-health").start(() -> {
            try (Connection c = dataSource.getConnection()) {
                check.complete(c.isValid(1));
            } catch (Throwable e) {
                check.completeExceptionally(e);
            }
        });
        try {
            return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? Health.up().build()
                    : Health.down()
                            .withDetail("error", "the database did not validate a connection")
                            .build();
        } catch (TimeoutException e) {
            return Health.down()
                    .withDetail("error", "no answer within " + timeout.toMillis() + " ms")
                    .build();
        } catch (ExecutionException e) {
            return Health.down()
                    .withDetail("error", e.getCause().getClass().getSimpleName())
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().build();
        }
    }
}
