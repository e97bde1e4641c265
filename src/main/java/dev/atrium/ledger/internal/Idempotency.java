package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.Idempotent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Arrays;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a credit-moving request once per {@code Idempotency-Key}. The key is claimed by an
 * {@code INSERT … ON CONFLICT DO NOTHING} in the same transaction as the effect: a concurrent
 * request with the same key waits for that transaction, then replays its stored response (same
 * body) or answers 409 {@code idempotency_conflict} (different body). A request that fails leaves
 * no key behind, so it may be retried.
 */
@Component
public class Idempotency {
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    Idempotency(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    @Transactional
    public <T> Idempotent<T> run(
            OrgId org, String operation, @Nullable String key, Object request, Class<T> type, Supplier<T> action) {
        if (key == null) {
            return new Idempotent<>(action.get(), false);
        }
        if (key.isBlank() || key.length() > 255) {
            throw ApiException.invalid("Idempotency-Key", "Idempotency-Key must have 1 to 255 characters.");
        }
        byte[] hash = sha256(operation + "\n" + json.writeValueAsString(request));
        boolean claimed = jdbc.sql("""
                                INSERT INTO idempotency_keys (org_id, operation, key, request_hash, created_at)
                                VALUES (:org, :op, :key, :hash, :at) ON CONFLICT DO NOTHING
                                """)
                        .param("org", org.value())
                        .param("op", operation)
                        .param("key", key)
                        .param("hash", hash)
                        .param("at", Timestamp.from(clock.instant()))
                        .update()
                == 1;
        if (claimed) {
            T value = action.get();
            jdbc.sql(
                            "UPDATE idempotency_keys SET status = 200, response = :response WHERE org_id = :org AND operation = :op AND key = :key")
                    .param("response", json.writeValueAsString(value))
                    .param("org", org.value())
                    .param("op", operation)
                    .param("key", key)
                    .update();
            return new Idempotent<>(value, false);
        }
        record Stored(byte[] hash, @Nullable String response) {}
        Stored stored = jdbc.sql(
                        "SELECT request_hash, response FROM idempotency_keys WHERE org_id = :org AND operation = :op AND key = :key")
                .param("org", org.value())
                .param("op", operation)
                .param("key", key)
                .query((rs, n) -> new Stored(rs.getBytes(1), rs.getString(2)))
                .single();
        if (!Arrays.equals(stored.hash(), hash) || stored.response() == null) {
            throw ApiException.conflict(
                    "idempotency_conflict", "This Idempotency-Key was used with a different request.");
        }
        return new Idempotent<>(json.readValue(stored.response(), type), true);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
