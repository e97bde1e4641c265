package dev.atrium.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code ATRIUM_DATABASE_URL} (+ {@code _USER}, {@code _PASSWORD}) points Atrium at an external PostgreSQL 14+. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${atrium.database.url:}'.isBlank()")
class ExternalDatabaseConfiguration {

    @Bean(destroyMethod = "close")
    DataSource dataSource(
            @Value("${atrium.database.url}") String url,
            @Value("${atrium.database.user:}") String user,
            @Value("${atrium.database.password:}") String password,
            @Value("${atrium.database.pool-size:20}") int poolSize,
            @Value("${atrium.database.connect-timeout:2s}") java.time.Duration connectTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.startsWith("jdbc:") ? url : "jdbc:" + url);
        if (!user.isBlank()) config.setUsername(user);
        if (!password.isBlank()) config.setPassword(password);
        DatabasePool.configure(config, poolSize, connectTimeout);
        config.setPoolName("atrium");
        return new HikariDataSource(config);
    }
}
