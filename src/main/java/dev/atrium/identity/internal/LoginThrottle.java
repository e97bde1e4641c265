package dev.atrium.identity.internal;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Limits failed sign-ins per account and per client address in fixed windows. Counters live in
 * PostgreSQL so that every node enforces the same limit.
 */
@Component
public class LoginThrottle {
    private final JdbcClient jdbc;
    private final Duration window;
    private final int perAccount;
    private final int perAddress;

    LoginThrottle(
            JdbcClient jdbc,
            @Value("${atrium.login.window:PT15M}") Duration window,
            @Value("${atrium.login.max-failures-per-account:10}") int perAccount,
            @Value("${atrium.login.max-failures-per-address:50}") int perAddress) {
        this.jdbc = jdbc;
        this.window = window;
        this.perAccount = perAccount;
        this.perAddress = perAddress;
    }

    /** True when either the account or the address has used up its failures in the current window. */
    public boolean blocked(String account, String address, Instant now) {
        Timestamp start = windowStart(now);
        return jdbc.sql("""
                        SELECT EXISTS (
                          SELECT 1 FROM login_failures WHERE window_start = :start AND (
                            (scope = 'account' AND subject = :account AND failures >= :perAccount) OR
                            (scope = 'address' AND subject = :address AND failures >= :perAddress)))
                        """)
                .param("start", start)
                .param("account", account)
                .param("address", address)
                .param("perAccount", perAccount)
                .param("perAddress", perAddress)
                .query(Boolean.class)
                .single();
    }

    public void recordFailure(String account, String address, Instant now) {
        Timestamp start = windowStart(now);
        for (String[] scope : new String[][] {{"account", account}, {"address", address}}) {
            jdbc.sql("""
                            INSERT INTO login_failures (scope, subject, window_start, failures) VALUES (:scope, :subject, :start, 1)
                            ON CONFLICT (scope, subject, window_start) DO UPDATE SET failures = login_failures.failures + 1
                            """)
                    .param("scope", scope[0])
                    .param("subject", scope[1])
                    .param("start", start)
                    .update();
        }
        jdbc.sql("DELETE FROM login_failures WHERE window_start < :old")
                .param("old", Timestamp.from(now.minus(window.multipliedBy(2))))
                .update();
    }

    private Timestamp windowStart(Instant now) {
        long size = window.toMillis();
        return new Timestamp(now.toEpochMilli() / size * size);
    }
}
