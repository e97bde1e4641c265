package dev.atrium.identity.internal;

import dev.atrium.common.UserId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The user_two_factor and user_recovery_codes tables. */
@Repository
public class TwoFactors {
    private final JdbcClient jdbc;

    TwoFactors(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A person's second factor: the sealed secret, when it was confirmed, the last step used. */
    public record Row(byte[] secret, @Nullable Instant confirmedAt, long lastStep) {}

    public Optional<Row> find(UserId user) {
        return jdbc.sql("SELECT secret, confirmed_at, last_step FROM user_two_factor WHERE user_id = :u")
                .param("u", user.value())
                .query((rs, n) -> new Row(
                        rs.getBytes("secret"),
                        rs.getTimestamp("confirmed_at") == null
                                ? null
                                : rs.getTimestamp("confirmed_at").toInstant(),
                        rs.getLong("last_step")))
                .optional();
    }

    /** Starts (or restarts) an enrolment; false when a confirmed second factor exists. */
    public boolean upsertPending(UserId user, byte[] secret, Instant now) {
        return jdbc.sql("""
                        INSERT INTO user_two_factor (user_id, secret, created_at)
                        VALUES (:u, :s, :at)
                        ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at,
                            last_step = 0
                        WHERE user_two_factor.confirmed_at IS NULL
                        """)
                        .param("u", user.value())
                        .param("s", secret)
                        .param("at", Timestamp.from(now))
                        .update()
                == 1;
    }

    /** Records the use of a time step; false when that step (or a later one) was used already. */
    public boolean useStep(UserId user, long step) {
        return jdbc.sql("UPDATE user_two_factor SET last_step = :s WHERE user_id = :u AND last_step < :s")
                        .param("u", user.value())
                        .param("s", step)
                        .update()
                == 1;
    }

    /** Confirms a pending enrolment; false when it is not pending. */
    public boolean confirm(UserId user, Instant now) {
        return jdbc.sql("UPDATE user_two_factor SET confirmed_at = :at WHERE user_id = :u AND confirmed_at IS NULL")
                        .param("u", user.value())
                        .param("at", Timestamp.from(now))
                        .update()
                == 1;
    }

    public void insertRecoveryCodes(UserId user, List<byte[]> hashes) {
        for (byte[] hash : hashes) {
            jdbc.sql("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (:u, :h)")
                    .param("u", user.value())
                    .param("h", hash)
                    .update();
        }
    }

    /** Uses a recovery code; false when it is not one of the user's unused codes. */
    public boolean useRecoveryCode(UserId user, byte[] hash, Instant now) {
        return jdbc.sql("""
                        UPDATE user_recovery_codes SET used_at = :at
                        WHERE user_id = :u AND code_hash = :h AND used_at IS NULL
                        """)
                        .param("u", user.value())
                        .param("h", hash)
                        .param("at", Timestamp.from(now))
                        .update()
                == 1;
    }

    public int unusedRecoveryCodes(UserId user) {
        return jdbc.sql("SELECT count(*) FROM user_recovery_codes WHERE user_id = :u AND used_at IS NULL")
                .param("u", user.value())
                .query(Integer.class)
                .single();
    }

    public void delete(UserId user) {
        jdbc.sql("DELETE FROM user_two_factor WHERE user_id = :u")
                .param("u", user.value())
                .update();
    }
}
