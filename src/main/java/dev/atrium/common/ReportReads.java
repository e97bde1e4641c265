package dev.atrium.common;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Where a report is read: the reports replica when one is configured ({@code ATRIUM_REPORTS_DATABASE_URL})
 * and current enough, else the primary. Callers wrap only the report's reads in it — access checks,
 * names and anything written stay on the primary — and must not be inside a transaction (one already
 * open keeps the read on the primary).
 *
 * <p>With a replica configured, every answer it wraps says how current its data is:
 * {@value #DATA_AS_OF} (ISO-8601, UTC) is an instant the data includes everything committed
 * before, and {@value #DATA_SOURCE} is {@code replica} or {@code primary}. A primary read is as of
 * the moment it was made. Without a replica the headers are not sent and nothing changes.
 */
@Component
public class ReportReads {
    public static final String DATA_AS_OF = "x-atrium-data-as-of";
    public static final String DATA_SOURCE = "x-atrium-data-source";

    private final @Nullable ReportsReplica replica;
    private final Clock clock;

    ReportReads(ObjectProvider<ReportsReplica> replica, Clock clock) {
        this.replica = replica.getIfAvailable();
        this.clock = clock;
    }

    /** Whether a replica is configured. */
    public boolean replicaConfigured() {
        return replica != null;
    }

    /** Reads a report (built in memory) where {@link ReportReads} says, setting the headers on {@code response}. */
    public <T> T read(HttpServletResponse response, Supplier<T> body) {
        ReportsReplica r = replica;
        if (r == null) return body.get();
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            Instant asOf = r.choose();
            if (asOf != null) {
                mark(response, "replica", asOf);
                try {
                    return r.run(body);
                } catch (DataAccessException | TransactionException e) {
                    r.failed(e);
                    // Part of it sent already: the answer ends as any failed stream does.
                    if (response.isCommitted()) throw e;
                    // Not yet sent: the report is read again from the primary (nothing is lost but time).
                    response.resetBuffer();
                }
            }
        } else {
            r.onPrimary();
        }
        mark(response, "primary", clock.instant());
        return body.get();
    }

    /** A report streamed to the response as it is read. */
    @FunctionalInterface
    public interface Streamed {
        void write() throws IOException;
    }

    /**
     * Streams a report where {@link ReportReads} says. The headers are set before the first byte; a
     * replica read that fails before anything was sent is read again from the primary, one that fails
     * later ends the answer as any failed stream does.
     */
    public void stream(HttpServletResponse response, Streamed body) throws IOException {
        try {
            read(response, () -> {
                try {
                    body.write();
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void mark(HttpServletResponse response, String source, Instant asOf) {
        response.setHeader(DATA_SOURCE, source);
        response.setHeader(DATA_AS_OF, asOf.toString());
    }
}
