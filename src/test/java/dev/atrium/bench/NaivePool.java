package dev.atrium.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The baseline: a hot balance guarded by {@code SELECT … FOR UPDATE}, in plain JDBC on its own
 * tables (schema {@code naive}), with none of Atrium's double-entry postings. A hold locks the row,
 * checks and lowers the balance and inserts a hold row; a capture locks the row again, resolves the
 * hold once and returns the unspent rest. Each is its own durable transaction.
 */
final class NaivePool {
    private final DataSource dataSource;

    NaivePool(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void create(long balance) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS naive");
            s.execute("DROP TABLE IF EXISTS naive.holds, naive.pool");
            s.execute("CREATE TABLE naive.pool (id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))");
            s.execute("""
                    CREATE TABLE naive.holds (
                        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        amount bigint NOT NULL CHECK (amount > 0),
                        captured bigint CHECK (captured IS NULL OR (captured >= 0 AND captured <= amount)),
                        status text NOT NULL CHECK (status IN ('held', 'captured')),
                        created_at timestamptz NOT NULL,
                        resolved_at timestamptz)
                    """);
            s.execute("INSERT INTO naive.pool (id, balance) VALUES (1, " + balance + ")");
        }
    }

    /** Reserves {@code amount}; returns the hold's id, or -1 when the balance lacks it. */
    long hold(long amount) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long balance = lockedBalance(c);
                if (balance < amount) {
                    c.rollback();
                    return -1;
                }
                try (PreparedStatement u =
                        c.prepareStatement("UPDATE naive.pool SET balance = balance - ? WHERE id = 1")) {
                    u.setLong(1, amount);
                    u.executeUpdate();
                }
                long id;
                try (PreparedStatement i = c.prepareStatement(
                        "INSERT INTO naive.holds (amount, status, created_at) VALUES (?, 'held', now()) RETURNING id")) {
                    i.setLong(1, amount);
                    try (ResultSet rs = i.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                }
                c.commit();
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Charges {@code captured} and returns the rest of the hold; false when the hold was not open. */
    boolean capture(long holdId, long captured) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockedBalance(c);
                long amount;
                try (PreparedStatement u = c.prepareStatement(
                        "UPDATE naive.holds SET status = 'captured', captured = ?, "
                                + "resolved_at = now() WHERE id = ? AND status = 'held' AND amount >= ? RETURNING amount")) {
                    u.setLong(1, captured);
                    u.setLong(2, holdId);
                    u.setLong(3, captured);
                    try (ResultSet rs = u.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            return false;
                        }
                        amount = rs.getLong(1);
                    }
                }
                if (amount > captured) {
                    try (PreparedStatement u =
                            c.prepareStatement("UPDATE naive.pool SET balance = balance + ? WHERE id = 1")) {
                        u.setLong(1, amount - captured);
                        u.executeUpdate();
                    }
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    long balance() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT balance FROM naive.pool WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long lockedBalance(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT balance FROM naive.pool WHERE id = 1 FOR UPDATE");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
