package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import dev.atrium.support.Api;
import dev.atrium.support.TcpProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.FileSystemUtils;

/**
 * PostgreSQL becomes unreachable while a stream relays (an in-test TCP proxy drops every connection
 * and refuses new ones), so the stream's settlement fails when it ends. The client still receives
 * its whole answer; once the database is back, the output is charged, exactly once, with its usage
 * event, long before the hold would expire.
 */
class StreamSettlementOutageTest {
    private static final String SETUP_TOKEN = "atr_setup_stream-outage-test";

    @Test
    void aStreamWhoseSettlementMeetsAnOutageIsChargedOnceTheDatabaseReturns() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "stream-outage-");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .start();
                TcpProxy proxy = new TcpProxy(postgres.getPort());
                var app = new SpringApplicationBuilder(AtriumApplication.class)
                        .run(
                                "--server.port=0",
                                "--atrium.data-dir=" + dataDir,
                                "--atrium.database.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres",
                                "--atrium.database.user=postgres",
                                "--atrium.database.pool-size=5",
                                "--atrium.setup-token=" + SETUP_TOKEN,
                                "--atrium.providers.demo.token-delay=PT0.05S",
                                "--atrium.gateway.settle-retry-interval=PT0.5S")) {
            String base = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
            Api anonymous = new Api(base, null);
            var setup = anonymous
                    .withHeader("X-Setup-Token", SETUP_TOKEN)
                    .post(
                            "/api/v1/setup",
                            Map.of(
                                    "email", "stream-outage@example.com",
                                    "password", "a long enough password",
                                    "name", "Outage",
                                    "organization_name", "Stream Outage Co"));
            assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
            String token = setup.text("token");
            Api api = anonymous.as(token);
            String orgId = setup.json().path("organization").path("id").asString();
            String org = "/api/v1/organizations/" + orgId;
            assertThat(api.post(org + "/credits/grants", Map.of("amount", "100", "kind", "promotional"))
                            .status())
                    .isEqualTo(201);
            // Read straight from PostgreSQL, past the proxy.
            JdbcClient db = JdbcClient.create(postgres.getPostgresDatabase());

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
        } finally {
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }
}
