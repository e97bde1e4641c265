package dev.atrium.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@code ATRIUM_REPORTS_DATABASE_URL} (+ {@code _USER}, {@code _PASSWORD}, defaulting to the
 * primary's) names a read replica of the primary (a streaming standby) for reports: the
 * application's {@code dataSource} is wrapped in a {@link ReportsRouting}, and {@link ReportReads}
 * sends the report read paths to the replica. Unset, nothing here exists and every read goes to the
 * primary as before.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${atrium.reports.database.url:}'.isBlank()")
class ReportsReplicaConfiguration {

    @Bean
    static BeanPostProcessor reportsRouting() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (name.equals("dataSource")
                        && bean instanceof DataSource primary
                        && !(bean instanceof ReportsRouting)) {
                    return new ReportsRouting(primary);
                }
                return bean;
            }
        };
    }

    @Bean(destroyMethod = "close")
    ReportsReplica reportsReplica(
            DataSource dataSource,
            MeterRegistry meters,
            PlatformTransactionManager transactions,
            @Value("${atrium.reports.database.url}") String url,
            @Value("${atrium.reports.database.user:${atrium.database.user:}}") String user,
            @Value("${atrium.reports.database.password:${atrium.database.password:}}") String password,
            @Value("${atrium.reports.database.pool-size:10}") int poolSize,
            @Value("${atrium.reports.database.connect-timeout:1s}") Duration connectTimeout,
            @Value("${atrium.reports.max-lag:30s}") Duration maxLag,
            @Value("${atrium.reports.retry-after:5s}") Duration retryAfter)
            throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.startsWith("jdbc:") ? url : "jdbc:" + url);
        if (!user.isBlank()) config.setUsername(user);
        if (!password.isBlank()) config.setPassword(password);
        DatabasePool.configure(config, poolSize, connectTimeout);
        config.setReadOnly(true);
        // A replica that is down at start must not stop the node: reports go to the primary meanwhile.
        config.setInitializationFailTimeout(-1);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setPoolName("atrium-reports");
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        return new ReportsReplica(
                new HikariDataSource(config),
                dataSource.unwrap(ReportsRouting.class),
                maxLag,
                retryAfter,
                meters,
                transactions);
    }
}
