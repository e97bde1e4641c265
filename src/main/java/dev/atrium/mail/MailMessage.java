package dev.atrium.mail;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A message of the outbox as its organization's owners and admins see it: who, what about, and what
 * became of it. Never its body (an invitation's body holds the secret link).
 */
public record MailMessage(
        String id,
        String kind,
        String recipient,
        String subject,
        Status status,
        int attempts,
        @Nullable String lastError,
        Instant createdAt,
        @Nullable Instant nextAttemptAt,
        @Nullable Instant sentAt) {

    /** {@code pending} (waiting or retrying), {@code sent}, {@code failed} (given up). */
    public enum Status {
        PENDING,
        SENT,
        FAILED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status parse(String wire) {
            return valueOf(wire.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
