package dev.atrium.identity.internal;

import dev.atrium.common.UserId;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Devices where a user has signed in: a browser or client that presents the device cookie of an
 * earlier successful sign-in is throttled on its own, apart from its account and address.
 */
@Component
public class Devices {
    /** How long a device stays known without signing in. */
    public static final Duration LIFETIME = Duration.ofDays(180);

    private final JdbcClient jdbc;

    Devices(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The user a device belongs to, if it is known and not stale. */
    public Optional<UserId> owner(byte[] hash, Instant now) {
        return jdbc.sql("SELECT user_id FROM known_devices WHERE token_hash = :hash AND last_used_at > :stale")
                .param("hash", hash)
                .param("stale", Timestamp.from(now.minus(LIFETIME)))
                .query((rs, n) -> new UserId(rs.getString(1)))
                .optional();
    }

    /** True when the user has signed in from some device that is not stale: a later unknown one is news. */
    public boolean any(UserId user, Instant now) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM known_devices WHERE user_id = :user AND last_used_at > :stale)")
                .param("user", user.value())
                .param("stale", Timestamp.from(now.minus(LIFETIME)))
                .query(Boolean.class)
                .single();
    }

    public void remember(byte[] hash, UserId user, Instant now) {
        jdbc.sql("""
                        INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES (:hash, :user, :at, :at)
                        ON CONFLICT (token_hash) DO UPDATE SET last_used_at = excluded.last_used_at
                        """)
                .param("hash", hash)
                .param("user", user.value())
                .param("at", Timestamp.from(now))
                .update();
        jdbc.sql("DELETE FROM known_devices WHERE user_id = :user AND last_used_at < :stale")
                .param("user", user.value())
                .param("stale", Timestamp.from(now.minus(LIFETIME)))
                .update();
    }
}
