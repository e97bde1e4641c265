package dev.atrium.common;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * While PostgreSQL cannot be reached, every request answers 503 with {@code Retry-After} at once, as
 * problem+json; under {@code /v1} the gateway's error filter, which runs outside this one, gives it
 * OpenAI's shape like any other error. The
 * pool gives up on a connection after {@code atrium.database.connect-timeout} (2 s), so nothing
 * waits longer than that; the server needs nothing to recover when the database returns.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 6)
public class DatabaseOutage extends OncePerRequestFilter {
    /** Seconds a client is asked to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 2;

    public static final String MESSAGE = "The database is unavailable; try again shortly.";
    private static final Logger log = LoggerFactory.getLogger(DatabaseOutage.class);

    private final JsonMapper json;

    DatabaseOutage(JsonMapper json) {
        this.json = json;
    }

    /** Whether {@code error} (or a cause) says the database could not be reached or went away. */
    public static boolean isOutage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof DataAccessResourceFailureException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            // The database went away inside a transaction, whose rollback then failed too: the
            // rollback's failure hides the one that says why.
            if (t instanceof TransactionSystemException tx
                    && tx.getApplicationException() != null
                    && isOutage(tx.getApplicationException())) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
                if (state.startsWith("08") || state.startsWith("57P0")) return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (ServletException | RuntimeException e) {
            if (!isOutage(e) || response.isCommitted()) throw e;
            log.warn("database unavailable, answered 503: {}", e.toString());
            response.resetBuffer();
            write(response, json);
        }
    }

    /** Writes the 503 answer as problem+json. */
    private static void write(HttpServletResponse response, JsonMapper json) throws IOException {
        response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
        response.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        response.setContentType("application/problem+json");
        json.writeValue(
                response.getOutputStream(),
                ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, "database_unavailable", MESSAGE));
    }
}
