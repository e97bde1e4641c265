package dev.atrium.identity.internal;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Throttles failed sign-ins with growing delays, never a lock. Each subject (an account, a client
 * address, a known device) has an allowance of free failures; from the last of them on, each
 * failure makes the next attempt wait: {@code base-delay}, then twice as long each time, at most
 * {@code max-delay}. An attempt after the delay is checked as usual, so the right password then
 * succeeds. A subject's failures are forgotten {@code forget-after} its last one. Counters live in
 * PostgreSQL so that every node applies the same delays.
 */
@Component
public class LoginThrottle {
    private final JdbcClient jdbc;
    private final int perAccount;
    private final int perAddress;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Duration forgetAfter;

    LoginThrottle(
            JdbcClient jdbc,
            @Value("${atrium.login.free-failures-per-account:5}") int perAccount,
            @Value("${atrium.login.free-failures-per-address:50}") int perAddress,
            @Value("${atrium.login.base-delay:PT1S}") Duration baseDelay,
            @Value("${atrium.login.max-delay:PT15M}") Duration maxDelay,
            @Value("${atrium.login.forget-after:PT24H}") Duration forgetAfter) {
        this.jdbc = jdbc;
        this.perAccount = Math.max(1, perAccount);
        this.perAddress = Math.max(1, perAddress);
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
        this.forgetAfter = forgetAfter;
    }

    /** What an attempt is counted against. */
    public record Subject(String scope, String subject) {
        public static Subject account(String account) {
            return new Subject("account", account);
        }

        public static Subject address(String address) {
            return new Subject("address", address);
        }

        public static Subject device(String device) {
            return new Subject("device", device);
        }

        /** A person's second-factor codes (by user id): not reset by a right password. */
        public static Subject secondFactor(String userId) {
            return new Subject("second_factor", userId);
        }
    }

    /** A subject's count once this attempt is counted, and the delay it imposes if it fails. */
    public record Counted(
            Subject subject, int failures, @Nullable Instant blockedUntil) {}

    /** An attempt let through ({@code retryAfter} null), or refused until its subjects' delays are over. */
    public record Attempt(List<Counted> counted, @Nullable Duration retryAfter) {
        public boolean refused() {
            return retryAfter != null;
        }
    }

    /**
     * Counts one attempt against every subject, atomically (the rows are locked in the order given),
     * so that concurrent guesses (on any number of nodes) cannot all slip past a check made before any
     * of them failed. Refused, with nothing counted, while any subject is within its delay. A counted
     * attempt stays a failure unless {@link #succeeded} gives it back.
     */
    @Transactional
    public Attempt tryAcquire(List<Subject> subjects, Instant now) {
        Timestamp at = Timestamp.from(now);
        Instant forgotten = now.minus(forgetAfter);
        List<Counted> counted = new ArrayList<>();
        Instant refusedUntil = null;
        for (Subject s : subjects) {
            jdbc.sql("""
                            INSERT INTO login_throttle (scope, subject, failures, last_failure_at)
                            VALUES (:scope, :subject, 0, :at) ON CONFLICT (scope, subject) DO NOTHING
                            """)
                    .param("scope", s.scope())
                    .param("subject", s.subject())
                    .param("at", at)
                    .update();
            Row row = jdbc.sql("""
                            SELECT failures, blocked_until, last_failure_at FROM login_throttle
                            WHERE scope = :scope AND subject = :subject FOR UPDATE
                            """)
                    .param("scope", s.scope())
                    .param("subject", s.subject())
                    .query((rs, n) -> new Row(
                            rs.getInt("failures"),
                            rs.getTimestamp("blocked_until") == null
                                    ? null
                                    : rs.getTimestamp("blocked_until").toInstant(),
                            rs.getTimestamp("last_failure_at").toInstant()))
                    .single();
            boolean forget = row.lastFailureAt().isBefore(forgotten);
            int failures = forget ? 0 : row.failures();
            Instant blocked = forget ? null : row.blockedUntil();
            if (blocked != null && blocked.isAfter(now)) {
                if (refusedUntil == null || blocked.isAfter(refusedUntil)) refusedUntil = blocked;
                continue;
            }
            int after = failures + 1;
            int free = free(s);
            counted.add(new Counted(s, after, after >= free ? now.plus(delay(after - free)) : null));
        }
        if (refusedUntil != null) {
            long millis = Duration.between(now, refusedUntil).toMillis();
            // Nothing was counted: the rows inserted or read above are left as they were.
            return new Attempt(List.of(), Duration.ofSeconds(Math.max(1, (millis + 999) / 1000)));
        }
        for (Counted c : counted) {
            jdbc.sql("""
                            UPDATE login_throttle SET failures = :failures, blocked_until = :blocked, last_failure_at = :at
                            WHERE scope = :scope AND subject = :subject
                            """)
                    .param("failures", c.failures())
                    .param("blocked", c.blockedUntil() == null ? null : Timestamp.from(c.blockedUntil()))
                    .param("at", at)
                    .param("scope", c.subject().scope())
                    .param("subject", c.subject().subject())
                    .update();
        }
        return new Attempt(counted, null);
    }

    /**
     * The attempt succeeded. An account's or device's failures are forgotten (only its owner could
     * succeed); an address gets back just this attempt, so that signing in to one's own account
     * does not lift the delay of an address that guesses others' passwords.
     */
    @Transactional
    public void succeeded(Attempt attempt) {
        for (Counted c : attempt.counted()) {
            if (c.subject().scope().equals("address")) {
                jdbc.sql("""
                                UPDATE login_throttle SET failures = greatest(failures - 1, 0),
                                  blocked_until = CASE WHEN failures - 1 < :free THEN NULL ELSE blocked_until END
                                WHERE scope = :scope AND subject = :subject
                                """)
                        .param("free", perAddress)
                        .param("scope", c.subject().scope())
                        .param("subject", c.subject().subject())
                        .update();
            } else {
                jdbc.sql("DELETE FROM login_throttle WHERE scope = :scope AND subject = :subject")
                        .param("scope", c.subject().scope())
                        .param("subject", c.subject().subject())
                        .update();
            }
        }
    }

    /**
     * The attempt failed: it stays counted. Returns the subjects it put under a delay, and forgets
     * subjects whose last failure is old and whose delay is over.
     */
    public List<Counted> failed(Attempt attempt, Instant now) {
        Timestamp old = Timestamp.from(now.minus(forgetAfter));
        jdbc.sql("DELETE FROM login_throttle WHERE last_failure_at < :old"
                        + " AND (blocked_until IS NULL OR blocked_until < :old)")
                .param("old", old)
                .update();
        return attempt.counted().stream().filter(c -> c.blockedUntil() != null).toList();
    }

    private int free(Subject s) {
        return s.scope().equals("address") ? perAddress : perAccount;
    }

    /** The wait after the {@code n}-th failure beyond the allowance (from 0): doubling, capped. */
    private Duration delay(int n) {
        Duration d = baseDelay;
        for (int i = 0; i < n && d.compareTo(maxDelay) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    private record Row(int failures, @Nullable Instant blockedUntil, Instant lastFailureAt) {}
}
