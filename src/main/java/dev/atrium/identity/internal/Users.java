package dev.atrium.identity.internal;

import dev.atrium.common.UserId;
import dev.atrium.identity.User;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The users table. */
@Repository
public class Users {
    private final JdbcClient jdbc;

    Users(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts a user; false when the email is taken. */
    public boolean insert(User user, String passwordHash) {
        return jdbc.sql("""
                        INSERT INTO users (id, email, name, password_hash, created_at)
                        VALUES (:id, :email, :name, :hash, :at)
                        ON CONFLICT (email) DO NOTHING
                        """)
                        .param("id", user.id().value())
                        .param("email", user.email())
                        .param("name", user.name())
                        .param("hash", passwordHash)
                        .param("at", java.sql.Timestamp.from(user.createdAt()))
                        .update()
                == 1;
    }

    public Optional<User> find(UserId id) {
        return jdbc.sql("SELECT id, email, name, created_at FROM users WHERE id = :id")
                .param("id", id.value())
                .query(Users::map)
                .optional();
    }

    public Optional<User> findByEmail(String email) {
        return jdbc.sql("SELECT id, email, name, created_at FROM users WHERE email = :email")
                .param("email", email)
                .query(Users::map)
                .optional();
    }

    /** Replaces the user's password hash; false when there is no such user. */
    public boolean updatePassword(UserId id, String passwordHash) {
        return jdbc.sql("UPDATE users SET password_hash = :hash WHERE id = :id")
                        .param("id", id.value())
                        .param("hash", passwordHash)
                        .update()
                == 1;
    }

    public Optional<String> passwordHash(UserId id) {
        return jdbc.sql("SELECT password_hash FROM users WHERE id = :id")
                .param("id", id.value())
                .query(String.class)
                .optional();
    }

    public boolean any() {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM users)")
                .query(Boolean.class)
                .single();
    }

    static User map(ResultSet rs, int row) throws SQLException {
        return new User(
                new UserId(rs.getString("id")),
                rs.getString("email"),
                rs.getString("name"),
                rs.getTimestamp("created_at").toInstant());
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        var ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
