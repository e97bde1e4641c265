package dev.atrium.gateway.provider.openai;

import dev.atrium.gateway.provider.ProviderException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attempts an upstream call again after a retryable {@link ProviderException}, with exponential
 * backoff (base, 2×base, 4×base … plus up to 20 % jitter, at most 10 s). Whether a failure is
 * retryable is the attempt's own call: a stream stops being retryable once it has delivered output.
 */
record Retries(int maxAttempts, Duration backoff) {
    private static final Logger log = LoggerFactory.getLogger(Retries.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    Retries {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-attempts must be at least 1");
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("retry-backoff must not be negative");
        }
    }

    <T> T run(String operation, Supplier<T> attempt) {
        for (int n = 1; ; n++) {
            try {
                return attempt.get();
            } catch (ProviderException e) {
                if (!e.retryable() || n >= maxAttempts) {
                    throw e;
                }
                Duration wait = delayAfter(n);
                log.info(
                        "openai {}: attempt {}/{} failed ({}), retrying in {} ms",
                        operation,
                        n,
                        maxAttempts,
                        e.getMessage(),
                        wait.toMillis());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The pause after the {@code failed}-th attempt. */
    Duration delayAfter(int failed) {
        long base = backoff.toNanos();
        long exponential = base << Math.min(failed - 1, 20);
        long capped = exponential < 0 ? MAX_BACKOFF.toNanos() : Math.min(exponential, MAX_BACKOFF.toNanos());
        long jitter = capped == 0 ? 0 : ThreadLocalRandom.current().nextLong(capped / 5 + 1);
        return Duration.ofNanos(capped + jitter);
    }
}
