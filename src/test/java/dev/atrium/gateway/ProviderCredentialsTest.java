package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** An organization's own provider endpoint and key: used for its calls only, stored encrypted, never shown again. */
@IntegrationTest
class ProviderCredentialsTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private HttpServer upstream;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/v1/chat/completions", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.getRequestBody().readAllBytes();
            byte[] body = """
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"from the org's own endpoint"},
                                 "finish_reason":"stop"}],
                     "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}
                    """.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void stop() {
        upstream.stop(0);
    }

    @Test
    void anOrganizationsOwnKeyAndEndpointServeItsCallsAndTheKeyIsStoredEncrypted() {
        var t = fixtures.tenant("Own Key Co");
        var owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        String secret = "sk-org-own-" + java.util.UUID.randomUUID();
        var put = owner.put(
                t.path() + "/providers/openai",
                Map.of("base_url", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1", "api_key", secret));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.body()).doesNotContain(secret).contains(secret.substring(secret.length() - 4));

        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        var chat = fixtures.api()
                .as(key)
                .post(
                        "/v1/chat/completions",
                        Map.of("model", "gpt-4o-mini", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(chat.status()).as(chat.toString()).isEqualTo(200);
        assertThat(chat.json()
                        .path("choices")
                        .get(0)
                        .path("message")
                        .path("content")
                        .asString())
                .isEqualTo("from the org's own endpoint");
        assertThat(authorizations).containsExactly("Bearer " + secret);

        assertThat(owner.get(t.path() + "/providers").body()).doesNotContain(secret);
        String stored = jdbc.sql("SELECT row_to_json(p)::text FROM provider_credentials p WHERE org_id = :org")
                .param("org", t.orgId())
                .query(String.class)
                .single();
        assertThat(stored).doesNotContain(secret);
        assertThat(owner.get(t.path() + "/audit-events").body()).doesNotContain(secret);

        // another organization's calls never use it, and members cannot see or change it
        var other = fixtures.tenant("Other Co");
        assertThat(fixtures.api()
                        .as(other.owner().token())
                        .get(t.path() + "/providers")
                        .status())
                .isEqualTo(404);
        var member = fixtures.addMember(t, "member", null);
        assertThat(fixtures.api()
                        .as(member.token())
                        .get(t.path() + "/providers")
                        .status())
                .isEqualTo(403);
        assertThat(owner.put(t.path() + "/providers/openai", Map.of("base_url", "ftp://x"))
                        .status())
                .isEqualTo(422);
        assertThat(owner.delete(t.path() + "/providers/openai").status()).isEqualTo(204);
        assertThat(owner.delete(t.path() + "/providers/openai").status()).isEqualTo(404);
    }
}
