package dev.atrium.gateway.provider;

import org.jspecify.annotations.Nullable;

/**
 * An upstream failure. {@code status} is the upstream's HTTP status when it answered (0 for a
 * connection error or timeout); {@code retryable} marks connect errors, 429 and 5xx.
 */
public class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final boolean retryable;
    private final @Nullable String upstreamBody;
    private final boolean timedOut;

    public ProviderException(
            String message, int status, boolean retryable, @Nullable String upstreamBody, @Nullable Throwable cause) {
        this(message, status, retryable, upstreamBody, cause, false);
    }

    /** {@code timedOut}: the upstream was too slow (rather than unreachable or broken). */
    public ProviderException(
            String message,
            int status,
            boolean retryable,
            @Nullable String upstreamBody,
            @Nullable Throwable cause,
            boolean timedOut) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
        this.upstreamBody = upstreamBody;
        this.timedOut = timedOut;
    }

    /** Whether this failure, or one it wraps, is the upstream being too slow. */
    public boolean timedOut() {
        for (Throwable t = this; t != null; t = t.getCause()) {
            if (t instanceof ProviderException p && p.timedOut) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    public @Nullable String upstreamBody() {
        return upstreamBody;
    }

    /** Connect errors, 429 and 5xx are worth another attempt (before anything reached the client). */
    public static boolean retryableStatus(int status) {
        return status == 0 || status == 429 || status >= 500;
    }
}
