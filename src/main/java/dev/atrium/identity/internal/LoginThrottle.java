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

    /**
     * Takes one attempt from the account's and the address's allowance, atomically, so that
     * concurrent guesses (on any number of nodes) cannot all slip past a check made before any of
     * them failed. False, with nothing taken, when either allowance is used up. A taken attempt
     * counts as a failure unless {@link #succeeded} gives it back.
     */
    public boolean tryAcquire(String account, String address, Instant now) {
        Timestamp start = windowStart(now);
        if (increment("account", account, start) > perAccount) {
            decrement("account", account, start);
            return false;
        }
        if (increment("address", address, start) > perAddress) {
            decrement("address", address, start);
            decrement("account", account, start);
            return false;
        }
        return true;
    }

    /** The attempt taken at {@code now} succeeded: it does not count as a failure. */
    public void succeeded(String account, String address, Instant now) {
        Timestamp start = windowStart(now);
        decrement("address", address, start);
        decrement("account", account, start);
    }

    /** The attempt taken at {@code now} failed: it stays counted; old windows are forgotten. */
    public void failed(Instant now) {
        jdbc.sql("DELETE FROM login_failures WHERE window_start < :old")
                .param("old", Timestamp.from(now.minus(window.multipliedBy(2))))
                .update();
    }

    private int increment(String scope, String subject, Timestamp start) {
        return jdbc.sql("""
                        INSERT INTO login_failures (scope, subject, window_start, failures) VALUES (:scope, :subject, :start, 1)
                        ON CONFLICT (scope, subject, window_start) DO UPDATE SET failures = login_failures.failures + 1
                        RETURNING failures
                        """)
                .param("scope", scope)
                .param("subject", subject)
                .param("start", start)
                .query(Integer.class)
                .single();
    }

    /** Gives an attempt back; a counter back at zero is removed, so that successes leave no rows. */
    private void decrement(String scope, String subject, Timestamp start) {
        for (String sql : new String[] {
            "UPDATE login_failures SET failures = failures - 1"
                    + " WHERE scope = :scope AND subject = :subject AND window_start = :start AND failures > 0",
            "DELETE FROM login_failures"
                    + " WHERE scope = :scope AND subject = :subject AND window_start = :start AND failures <= 0"
        }) {
            jdbc.sql(sql)
                    .param("scope", scope)
                    .param("subject", subject)
                    .param("start", start)
                    .update();
        }
    }

    private Timestamp windowStart(Instant now) {
        long size = window.toMillis();
        return new Timestamp(now.toEpochMilli() / size * size);
    }
}
