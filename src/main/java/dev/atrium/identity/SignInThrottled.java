package dev.atrium.identity;

import dev.atrium.common.ApiException;
import java.time.Duration;
import org.springframework.http.HttpStatus;

/** 429 {@code too_many_attempts}: no attempt is checked before {@link #retryAfter()} has passed. */
public class SignInThrottled extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    public SignInThrottled(Duration retryAfter) {
        super(
                HttpStatus.TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Too many failed sign-in attempts. Try again in " + retryAfter.toSeconds() + " seconds.");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
