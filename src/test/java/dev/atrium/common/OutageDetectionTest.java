package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.TransactionSystemException;

class OutageDetectionTest {

    @Test
    void aFailedRollbackAfterTheDatabaseWentAwayIsAnOutage() {
        // The pool hands out a connection whose socket is gone: the statement fails, then the rollback.
        var rollback = new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
        assertThat(DatabaseOutage.isOutage(rollback)).isFalse();
        rollback.initApplicationException(new DataAccessResourceFailureException(
                "An I/O error occurred while sending to the backend.",
                new SQLException("An I/O error occurred while sending to the backend.", "08006")));
        assertThat(DatabaseOutage.isOutage(rollback)).isTrue();
    }

    @Test
    void aFailedRollbackAfterAnOrdinaryErrorIsNot() {
        var rollback = new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
        rollback.initApplicationException(new IllegalStateException("a bug"));
        assertThat(DatabaseOutage.isOutage(rollback)).isFalse();
    }
}
