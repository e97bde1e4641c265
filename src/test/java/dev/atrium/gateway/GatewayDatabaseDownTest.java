package dev.atrium.gateway;

import static dev.atrium.gateway.GatewayErrorShapeTest.assertShape;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * With the database gone, {@code /v1} still answers in OpenAI's shape (503, no exception text),
 * whether the failure comes while the caller is authenticated or inside the gateway; what needs
 * only the node's caches is still answered. Its own application: the test stops that application's
 * database.
 */
@IntegrationTest
@TestPropertySource(properties = {"atrium.providers.demo.token-delay=PT0S", "atrium.gateway.test=database-down"})
@DirtiesContext
class GatewayDatabaseDownTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    DataSource dataSource;

    @Test
    void withTheDatabaseGoneV1AnswersA503InOpenAisShape() throws Exception {
        var t = fixtures.tenant("Outage Co");
        fixtures.api().as(t.owner().token()).post(t.path() + "/credits/grants", Map.of("amount", "10"));
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        String unseen = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest models = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/models"))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30))
                .build();
        assertThat(http.send(models, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);

        // The database out of reach: every connection attempt fails, here at once (in a real outage,
        // after the pool's connection timeout).
        ((HikariDataSource) dataSource).close();

        // A key this node has not seen yet must be read: the failure comes while authenticating.
        HttpRequest unseenModels = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/models"))
                .header("Authorization", "Bearer " + unseen)
                .timeout(Duration.ofSeconds(30))
                .build();
        var down = http.send(unseenModels, HttpResponse.BodyHandlers.ofString());
        assertShape(down, 503, "database_unavailable");
        assertThat(down.headers().firstValue("Retry-After")).contains("2");
        // The model list of a key it has seen comes from its caches alone.
        assertThat(http.send(models, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        HttpRequest chat = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"demo/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        var chatDown = http.send(chat, HttpResponse.BodyHandlers.ofString());
        assertShape(chatDown, 503, "database_unavailable");
        assertThat(chatDown.headers().firstValue("Retry-After")).contains("2");
    }
}
