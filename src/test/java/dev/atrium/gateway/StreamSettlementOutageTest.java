package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.ProxiedAtrium;
import dev.atrium.support.TcpProxy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * PostgreSQL becomes unreachable while a stream relays (an in-test TCP proxy drops every connection
 * and refuses new ones), so the stream's settlement fails when it ends. The client still receives
 * its whole answer; once the database is back, the output is charged, exactly once, with its usage
 * event, long before the hold would expire.
 */
class StreamSettlementOutageTest {

    @Test
    void aStreamWhoseSettlementMeetsAnOutageIsChargedOnceTheDatabaseReturns() throws Exception {
        try (var atrium = new ProxiedAtrium(
                "stream-outage-test",
                "100",
                "--atrium.providers.demo.token-delay=PT0.05S",
                "--atrium.gateway.settle-retry-interval=PT0.5S")) {
            TcpProxy proxy = atrium.proxy();
            String base = atrium.base();
            String token = atrium.token();
            Api api = atrium.owner();
            String org = atrium.org();
            String orgId = org.substring(org.lastIndexOf('/') + 1);
            // Read straight from PostgreSQL, past the proxy.
            JdbcClient db = JdbcClient.create(atrium.database());

            HttpRequest chat = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"demo/chat\",\"stream\":true,\"max_tokens\":40,"
                                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}"))
                    .build();
            var response = HttpClient.newHttpClient().send(chat, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            int chunks = 0;
            boolean done = false;
            try (var lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.startsWith("data: ")) continue;
                    if (line.equals("data: [DONE]")) {
                        done = true;
                        break;
                    }
                    assertThat(line).doesNotContain("\"error\"");
                    if (++chunks == 1) proxy.cut(); // the database goes away mid-stream
                }
            }
            assertThat(done).as("the client receives the whole answer").isTrue();
            assertThat(chunks).isGreaterThan(3);
            List<Map<String, Object>> holds = db.sql("SELECT status, amount, captured FROM holds WHERE org_id = :org")
                    .param("org", orgId)
                    .query()
                    .listOfRows();
            assertThat(holds).hasSize(1);
            assertThat(holds.getFirst().get("status"))
                    .as("not settled during the outage")
                    .isEqualTo("held");

            Thread.sleep(1500); // a retry or two meets the outage too
            proxy.restore();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!"captured"
                    .equals(db.sql("SELECT status FROM holds WHERE org_id = :org")
                            .param("org", orgId)
                            .query(String.class)
                            .single())) {
                assertThat(System.nanoTime())
                        .as("charged within 20 s of the database's return")
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
            long captured = db.sql("SELECT captured FROM holds WHERE org_id = :org")
                    .param("org", orgId)
                    .query(Long.class)
                    .single();
            assertThat(captured).isPositive();
            var events = db.sql("SELECT status, credits, output_units FROM usage_events WHERE org_id = :org")
                    .param("org", orgId)
                    .query()
                    .listOfRows();
            assertThat(events).hasSize(1);
            assertThat(events.getFirst().get("status")).isEqualTo("ok");
            assertThat(((Number) events.getFirst().get("credits")).longValue()).isEqualTo(captured);
            assertThat(((Number) events.getFirst().get("output_units")).longValue())
                    .isGreaterThanOrEqualTo(chunks - 1);
            assertThat(db.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                            .param("org", orgId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(1L);
            Thread.sleep(1500); // no retry charges it again
            var invariant = api.get(org + "/credits/invariant");
            assertThat(invariant.json().path("conserved").asBoolean())
                    .as(invariant.toString())
                    .isTrue();
            assertThat(invariant.text("held")).isEqualTo("0");
            assertThat(db.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                            .param("org", orgId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(1L);
        }
    }
}
