package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.ProxiedAtrium;
import dev.atrium.support.TcpProxy;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL becomes unreachable while Atrium runs (an in-test TCP proxy between them drops every
 * connection and refuses new ones), then comes back. During the outage every answer comes fast, as
 * 503 with {@code Retry-After} in its API's shape, and health says the database is down; afterwards
 * Atrium serves again by itself, and the ledger holds exactly what the answered calls were charged.
 */
class DatabaseOutageTest {
    private static final Map<String, Object> CHAT =
            Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "Hello")));

    @Test
    void anOutageAnswers503FastInEachApisShapeAndServiceResumesWithNothingLostOrChargedTwice() throws Exception {
        try (var atrium = new ProxiedAtrium("outage-test", "100")) {
            TcpProxy proxy = atrium.proxy();
            Api anonymous = atrium.anonymous();
            Api api = atrium.owner();
            String org = atrium.org();

            BigDecimal charged = BigDecimal.ZERO;
            int answered = 0;
            for (int i = 0; i < 5; i++) {
                var r = api.post("/v1/chat/completions", CHAT);
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                charged = charged.add(new BigDecimal(r.header("x-atrium-credits-charged")));
                answered++;
            }

            proxy.cut();

            long started = System.nanoTime();
            var credits = api.get(org + "/credits");
            Duration apiTook = Duration.ofNanos(System.nanoTime() - started);
            assertThat(credits.status()).as(credits.toString()).isEqualTo(503);
            assertThat(credits.header("Content-Type")).startsWith("application/problem+json");
            assertThat(credits.text("code")).isEqualTo("database_unavailable");
            assertThat(credits.header("Retry-After")).isEqualTo("2");
            assertThat(apiTook).isLessThan(Duration.ofMillis(3000));

            started = System.nanoTime();
            var chat = api.post("/v1/chat/completions", CHAT);
            Duration chatTook = Duration.ofNanos(System.nanoTime() - started);
            assertThat(chat.status()).as(chat.toString()).isEqualTo(503);
            assertThat(chat.json().path("error").path("code").asString()).isEqualTo("database_unavailable");
            assertThat(chat.json().path("error").path("message").asString()).doesNotContain("Exception");
            assertThat(chat.header("Retry-After")).isEqualTo("2");
            assertThat(chatTook).isLessThan(Duration.ofMillis(3000));

            started = System.nanoTime();
            var health = anonymous.get("/actuator/health");
            Duration healthTook = Duration.ofNanos(System.nanoTime() - started);
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.text("status")).isEqualTo("DOWN");
            assertThat(healthTook).isLessThan(Duration.ofMillis(1000));
            assertThat(anonymous.get("/actuator/health/liveness").status()).isEqualTo(200);
            assertThat(anonymous.get("/actuator/health/readiness").status()).isEqualTo(503);

            System.out.printf(
                    "outage: /api answered 503 in %d ms, /v1 in %d ms, health in %d ms%n",
                    apiTook.toMillis(), chatTook.toMillis(), healthTook.toMillis());
            proxy.restore();
            long restored = System.nanoTime();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (anonymous.get("/actuator/health").status() != 200) {
                assertThat(System.nanoTime()).as("healthy again within 15 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            System.out.printf(
                    "outage: healthy %d ms after the database returned%n", (System.nanoTime() - restored) / 1_000_000);
            for (int i = 0; i < 5; i++) {
                var r = api.post("/v1/chat/completions", CHAT);
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                charged = charged.add(new BigDecimal(r.header("x-atrium-credits-charged")));
                answered++;
            }

            var invariant = api.get(org + "/credits/invariant");
            assertThat(invariant.json().path("conserved").asBoolean())
                    .as(invariant.toString())
                    .isTrue();
            assertThat(new BigDecimal(invariant.text("spent"))).isEqualByComparingTo(charged);
            // No hold is left open; what is held is the node's credit lease (returned at shutdown or when idle).
            assertThat(new BigDecimal(invariant.text("open_holds"))).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(new BigDecimal(invariant.text("held")))
                    .isEqualByComparingTo(new BigDecimal(invariant.text("leased")));
            assertThat(answered).isEqualTo(10);
        }
    }
}
