package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.atrium.common.OrgId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** Threshold alerts fire once per threshold and period, audited and delivered to signed, retried webhooks. */
@IntegrationTest
@TestPropertySource(properties = {"atrium.jobs.enabled=false", "atrium.webhooks.backoff=PT0S"})
class AlertsAndWebhooksTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Alerts alerts;

    @Autowired
    Webhooks webhooks;

    private HttpServer receiver;
    private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(Map.of(
                    "body", body,
                    "signature", String.valueOf(exchange.getRequestHeaders().getFirst("X-Atrium-Signature")),
                    "timestamp", String.valueOf(exchange.getRequestHeaders().getFirst("X-Atrium-Timestamp")),
                    "event", String.valueOf(exchange.getRequestHeaders().getFirst("X-Atrium-Event"))));
            int status = failuresToServe.getAndDecrement() > 0 ? 503 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void budgetThresholdsFireOncePerPeriodAndReachASignedWebhookAfterRetries() {
        var t = fixtures.tenant("Alert Co");
        var api = fixtures.api().as(t.owner().token());
        OrgId org = new OrgId(t.orgId());
        String ws = fixtures.workspace(t, "Client");
        api.post(t.path() + "/credits/grants", Map.of("amount", "1000"));
        api.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        api.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "100"));
        var hook = api.post(
                t.path() + "/webhooks",
                Map.of(
                        "url",
                        "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                        "events",
                        List.of("alert.threshold")));
        assertThat(hook.status()).as(hook.toString()).isEqualTo(201);
        String secret = hook.text("secret");
        assertThat(api.put(t.ws(ws) + "/alerts", Map.of("thresholds_percent", List.of(80, 50, 100)))
                        .json()
                        .path("thresholds_percent")
                        .toString())
                .isEqualTo("[50,80,100]");

        var hold = api.post(t.ws(ws) + "/holds", Map.of("amount", "60", "category", "chat"));
        api.post(t.ws(ws) + "/holds/" + hold.text("id") + "/capture", Map.of("amount", "60"));
        var fired = alerts.evaluate(org);
        assertThat(fired).extracting(m -> m.get("threshold_percent")).containsExactly(50);
        assertThat(alerts.evaluate(org)).as("once per threshold and period").isEmpty();

        var second = api.post(t.ws(ws) + "/holds", Map.of("amount", "25", "category", "image"));
        api.post(t.ws(ws) + "/holds/" + second.text("id") + "/capture", Map.of("amount", "25"));
        assertThat(alerts.evaluate(org))
                .extracting(m -> m.get("threshold_percent"))
                .containsExactly(80);

        failuresToServe.set(2);
        for (int i = 0; i < 5; i++) webhooks.deliverDue(50);
        // two alerts; the first attempts answered 503 and were retried
        assertThat(received).hasSizeGreaterThanOrEqualTo(4);
        var deliveries = api.get(t.path() + "/webhooks/" + hook.text("id") + "/deliveries")
                .json()
                .path("data");
        assertThat(deliveries.size()).isEqualTo(2);
        deliveries.forEach(d -> assertThat(d.path("status").asString()).isEqualTo("delivered"));
        assertThat(deliveries
                        .valueStream()
                        .mapToInt(d -> d.path("attempts").asInt())
                        .sum())
                .isEqualTo(4);
        for (var r : received) {
            String expected = "sha256=" + Webhooks.sign(secret, r.get("timestamp") + "." + r.get("body"));
            assertThat(r.get("signature")).isEqualTo(expected);
            assertThat(r.get("event")).isEqualTo("alert.threshold");
        }
        var audit = api.get(t.path() + "/audit-events?action=alert.threshold")
                .json()
                .path("data");
        assertThat(audit.size()).isEqualTo(2);
    }

    @Test
    void aPoolBelowItsLowMarkFiresOnce() {
        var t = fixtures.tenant("Low Pool Co");
        var api = fixtures.api().as(t.owner().token());
        OrgId org = new OrgId(t.orgId());
        api.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        assertThat(api.put(t.path() + "/credits/alerts", Map.of("pool_below", "50"))
                        .text("pool_below"))
                .isEqualTo("50");
        assertThat(alerts.evaluate(org)).isEmpty();
        var hold = api.post(t.ws(t.primaryWorkspaceId()) + "/holds", Map.of("amount", "60", "category", "speech"));
        assertThat(hold.status()).isEqualTo(201);
        assertThat(alerts.evaluate(org)).extracting(m -> m.get("type")).containsExactly("alert.pool_low");
        assertThat(alerts.evaluate(org)).isEmpty();
    }

    @Test
    void webhookAndAlertSettingsAreValidated() {
        var t = fixtures.tenant("Validation Co");
        var api = fixtures.api().as(t.owner().token());
        assertThat(api.post(t.path() + "/webhooks", Map.of("url", "ftp://x")).text("code"))
                .isEqualTo("validation_failed");
        assertThat(api.post(t.path() + "/webhooks", Map.of("url", "http://127.0.0.1/x", "events", List.of("nope")))
                        .status())
                .isEqualTo(422);
        assertThat(api.put(t.ws(t.primaryWorkspaceId()) + "/alerts", Map.of("thresholds_percent", List.of(0)))
                        .status())
                .isEqualTo(422);
        // Webhooks never reach the server's own network: loopback (except the test's allowed
        // 127.0.0.1), private, link-local and metadata addresses are refused when saved.
        for (String url : List.of(
                "http://localhost:8080/hook",
                "http://127.0.0.2/hook",
                "http://[::1]/hook",
                "http://10.0.0.1/hook",
                "http://192.168.0.1/hook",
                "http://169.254.169.254/latest/meta-data",
                "http://[fd00::1]/hook")) {
            var refused = api.post(t.path() + "/webhooks", Map.of("url", url, "events", List.of("*")));
            assertThat(refused.status()).as(url + " " + refused).isEqualTo(422);
            assertThat(refused.body()).contains("url");
        }
        var list = api.get(t.path() + "/webhooks");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain("whsec_");
    }
}
