package dev.atrium.gateway.provider.anthropic;

import dev.atrium.gateway.provider.ProviderException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Another attempt after a retryable failure (connect error, timeout, 429, 5xx, Anthropic's 529
 * "overloaded"), with exponential backoff and jitter, for as long as nothing reached the client.
 */
final class Retries {
    private static final Logger log = LoggerFactory.getLogger(Retries.class);
    /** A server asking for a longer pause than this is not waited for: the caller is waiting too. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(10);

    private final int maxAttempts;
    private final Duration backoff;

    Retries(int maxAttempts, Duration backoff) {
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    <T> T run(Supplier<T> attempt, BooleanSupplier delivered) {
        for (int n = 1; ; n++) {
            try {
                return attempt.get();
            } catch (ProviderException e) {
                if (!e.retryable() || n >= maxAttempts || delivered.getAsBoolean()) {
                    throw e;
                }
                Duration wait = delay(n, e);
                if (wait == null) {
                    throw e;
                }
                log.warn(
                        "Anthropic attempt {} of {} failed, retrying in {} ms: {}",
                        n,
                        maxAttempts,
                        wait.toMillis(),
                        e.getMessage());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private @Nullable Duration delay(int attempt, ProviderException e) {
        long base = backoff.toNanos() << Math.min(attempt - 1, 16);
        Duration wait =
                Duration.ofNanos((long) (base * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
        if (e instanceof UpstreamStatus status && status.retryAfter != null) {
            if (status.retryAfter.compareTo(MAX_RETRY_AFTER) > 0) {
                return null;
            }
            return wait.compareTo(status.retryAfter) >= 0 ? wait : status.retryAfter;
        }
        return wait;
    }

    /** {@code retry-after} in seconds, as Anthropic sends it with 429 and 529. */
    static @Nullable Duration retryAfter(String header) {
        if (header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.strip())));
        } catch (NumberFormatException notSeconds) {
            return null;
        }
    }

    /** A non-2xx answer; retryable per {@link ProviderException#retryableStatus(int)}. */
    static final class UpstreamStatus extends ProviderException {
        private static final long serialVersionUID = 1L;
        private final transient @Nullable Duration retryAfter;

        UpstreamStatus(String message, int status, String body, @Nullable Duration retryAfter) {
            super(message, status, ProviderException.retryableStatus(status), body, null);
            this.retryAfter = retryAfter;
        }
    }
}
