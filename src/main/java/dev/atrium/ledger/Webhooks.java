package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.OutboundGuard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Webhooks: signed POSTs of events, retried with exponential backoff, every attempt logged.
 * Signature: {@code X-Atrium-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))}
 * with {@code X-Atrium-Timestamp}. A delivery is leased while it is being sent, so several nodes
 * never send the same attempt twice.
 */
@Service
public class Webhooks {
    public static final Set<String> EVENTS = Set.of("*", "alert.threshold", "alert.pool_low");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final Clock clock;
    private final HttpClient http;
    private final int maxAttempts;
    private final Duration baseBackoff;
    private final OutboundGuard guard;

    Webhooks(
            JdbcClient jdbc,
            Clock clock,
            OutboundGuard guard,
            @Value("${atrium.webhooks.max-attempts:8}") int maxAttempts,
            @Value("${atrium.webhooks.backoff:PT10S}") Duration baseBackoff) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.baseBackoff = baseBackoff;
        this.guard = guard;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A webhook as listed; {@code secret} only in the creation response. */
    public record Webhook(
            String id,
            String url,
            List<String> events,
            @Nullable String secret,
            Instant createdAt) implements java.io.Serializable {}

    public record Delivery(
            String id,
            String webhookId,
            String event,
            String status,
            int attempts,
            @Nullable Integer lastStatus,
            @Nullable String lastError,
            Instant createdAt,
            Instant nextAttemptAt,
            @Nullable Instant deliveredAt) {}

    @Transactional
    public Webhook create(OrgId org, String url, List<String> events) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("url", "url must be an http or https URL.");
        }
        if (uri.getScheme() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null
                || url.length() > 2000) {
            throw ApiException.invalid("url", "url must be an http or https URL.");
        }
        guard.requirePublic("url", uri);
        if (events.isEmpty() || !EVENTS.containsAll(events)) {
            throw ApiException.invalid("events", "events must list some of " + EVENTS + ".");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String id = Ids.next("wh_");
        Instant now = clock.instant();
        jdbc.sql("""
                        INSERT INTO webhooks (org_id, id, url, events, secret, status, created_at)
                        VALUES (:org, :id, :url, CAST(:events AS text[]), :secret, 'active', :at)
                        """)
                .param("org", org.value())
                .param("id", id)
                .param("url", url)
                .param(
                        "events",
                        "{"
                                + String.join(
                                        ",",
                                        events.stream()
                                                .map(e -> "\"" + e + "\"")
                                                .toList()) + "}")
                .param("secret", secret)
                .param("at", Timestamp.from(now))
                .update();
        return new Webhook(id, url, List.copyOf(events), secret, now);
    }

    @Transactional(readOnly = true)
    public List<Webhook> list(OrgId org) {
        return jdbc.sql(
                        "SELECT id, url, events, created_at FROM webhooks WHERE org_id = :org AND status = 'active' ORDER BY id")
                .param("org", org.value())
                .query((rs, n) -> new Webhook(
                        rs.getString(1),
                        rs.getString(2),
                        events(rs.getArray(3)),
                        null,
                        rs.getTimestamp(4).toInstant()))
                .list();
    }

    @Transactional
    public void delete(OrgId org, String id) {
        if (jdbc.sql("UPDATE webhooks SET status = 'deleted' WHERE org_id = :org AND id = :id AND status = 'active'")
                        .param("org", org.value())
                        .param("id", id)
                        .update()
                == 0) {
            throw ApiException.notFound("webhook");
        }
    }

    @Transactional(readOnly = true)
    public List<Delivery> deliveries(OrgId org, String webhookId, int limit) {
        if (jdbc.sql("SELECT count(*) FROM webhooks WHERE org_id = :org AND id = :id")
                        .param("org", org.value())
                        .param("id", webhookId)
                        .query(Long.class)
                        .single()
                == 0) {
            throw ApiException.notFound("webhook");
        }
        return jdbc.sql("""
                        SELECT id, webhook_id, event, status, attempts, last_status, last_error, created_at, next_attempt_at,
                               delivered_at
                        FROM webhook_deliveries WHERE org_id = :org AND webhook_id = :hook ORDER BY id DESC LIMIT :limit
                        """)
                .param("org", org.value())
                .param("hook", webhookId)
                .param("limit", limit)
                .query((rs, n) -> {
                    int last = rs.getInt("last_status");
                    Integer lastStatus = rs.wasNull() ? null : last;
                    Timestamp delivered = rs.getTimestamp("delivered_at");
                    return new Delivery(
                            rs.getString("id"),
                            rs.getString("webhook_id"),
                            rs.getString("event"),
                            rs.getString("status"),
                            rs.getInt("attempts"),
                            lastStatus,
                            rs.getString("last_error"),
                            rs.getTimestamp("created_at").toInstant(),
                            rs.getTimestamp("next_attempt_at").toInstant(),
                            delivered == null ? null : delivered.toInstant());
                })
                .list();
    }

    /** Queues an event for every webhook of the organization that subscribes to it (inside the caller's transaction). */
    @Transactional
    public int enqueue(OrgId org, String event, String payload) {
        return jdbc.sql("""
                        INSERT INTO webhook_deliveries (org_id, id, webhook_id, event, payload, status, next_attempt_at, created_at)
                        SELECT org_id, 'whd_' || md5(random()::text || clock_timestamp()::text || id), id, :event, :payload,
                               'pending', :now, :now
                        FROM webhooks WHERE org_id = :org AND status = 'active' AND (:event = ANY(events) OR '*' = ANY(events))
                        """)
                .param("org", org.value())
                .param("event", event)
                .param("payload", payload)
                .param("now", Timestamp.from(clock.instant()))
                .update();
    }

    private record Due(String org, String id, String url, String secret, String event, String payload, int attempts) {}

    /**
     * Sends due deliveries; returns how many were attempted. Each endpoint gets its deliveries in
     * the order they were queued: only an endpoint's oldest pending delivery is taken, so a delivery
     * being retried holds back the later ones to that endpoint (not to others). Safe on several
     * nodes: a taken delivery is leased (its next attempt moved two minutes ahead) and stays
     * pending, so no other node takes it or anything queued after it meanwhile.
     */
    public int deliverDue(int limit) {
        Instant now = clock.instant();
        List<Due> due = jdbc.sql("""
                        UPDATE webhook_deliveries d SET next_attempt_at = :lease
                        FROM webhooks w
                        WHERE w.org_id = d.org_id AND w.id = d.webhook_id AND (d.org_id, d.id) IN (
                          SELECT p.org_id, p.id FROM webhook_deliveries p
                          WHERE p.status = 'pending' AND p.next_attempt_at <= :now
                            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                            WHERE e.org_id = p.org_id AND e.webhook_id = p.webhook_id
                                              AND e.status = 'pending' AND e.seq < p.seq)
                          ORDER BY p.next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING d.org_id, d.id, w.url, w.secret, d.event, d.payload, d.attempts
                        """)
                .param("lease", Timestamp.from(now.plusSeconds(120)))
                .param("now", Timestamp.from(now))
                .param("limit", limit)
                .query((rs, n) -> new Due(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getInt(7)))
                .list();
        for (Due d : due) {
            send(d);
        }
        return due.size();
    }

    private void send(Due d) {
        Integer status = null;
        String error = null;
        try {
            // Checked again at each delivery: the name may resolve elsewhere than when it was saved.
            guard.check(URI.create(d.url()));
            String timestamp = Long.toString(clock.instant().getEpochSecond());
            HttpRequest request = HttpRequest.newBuilder(URI.create(d.url()))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Atrium-Webhooks/1")
                    .header("X-Atrium-Event", d.event())
                    .header("X-Atrium-Delivery", d.id())
                    .header("X-Atrium-Timestamp", timestamp)
                    .header("X-Atrium-Signature", "sha256=" + sign(d.secret(), timestamp + "." + d.payload()))
                    .POST(HttpRequest.BodyPublishers.ofString(d.payload()))
                    .build();
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status < 200 || status >= 300) error = "HTTP " + status;
        } catch (OutboundGuard.Refused e) {
            error = "refused: the URL " + e.getMessage();
        } catch (java.io.IOException | IllegalArgumentException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        int attempts = d.attempts() + 1;
        Instant now = clock.instant();
        boolean ok = error == null;
        String next = ok ? "delivered" : attempts >= maxAttempts ? "failed" : "pending";
        Instant retryAt = now.plus(baseBackoff.multipliedBy(1L << Math.min(attempts - 1, 16)));
        jdbc.sql("""
                        UPDATE webhook_deliveries SET status = :status, attempts = :attempts, last_status = :code,
                          last_error = :error, next_attempt_at = :next, delivered_at = :delivered
                        WHERE org_id = :org AND id = :id
                        """)
                .param("status", next)
                .param("attempts", attempts)
                .param("code", status)
                .param("error", error == null ? null : error.substring(0, Math.min(error.length(), 500)))
                .param("next", Timestamp.from(ok ? now : retryAt))
                .param("delivered", ok ? Timestamp.from(now) : null)
                .param("org", d.org())
                .param("id", d.id())
                .update();
    }

    /** Hex HMAC-SHA256 of {@code message} under {@code secret}. */
    public static String sign(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> events(Array array) throws SQLException {
        return Arrays.asList((String[]) array.getArray());
    }
}
