package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.atrium.common.OrgId;
import dev.atrium.gateway.internal.ProviderCredentials;
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
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An organization's own provider endpoint and key: used for its calls only, stored encrypted, never
 * shown again; a provider that has neither the installation's credentials nor the organization's
 * offers no models. The installation here has no OpenAI or Anthropic key, whatever the environment.
 */
@IntegrationTest
@TestPropertySource(properties = ProviderCredentialsTest.NO_INSTANCE_KEYS)
class ProviderCredentialsTest {
    /** The installation without OpenAI or Anthropic credentials (and the demo provider without delay). */
    static final String NO_INSTANCE_KEYS = """
            atrium.providers.demo.token-delay=PT0S
            atrium.providers.openai.api-key=
            atrium.providers.openai.base-url=https://api.openai.com/v1
            atrium.providers.anthropic.api-key=
            """;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ProviderCredentials credentials;

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

    @Test
    void baseUrlsThatLeadIntoTheServersOwnNetworkAreRefusedWhenSavedAndWhenCalled() {
        var t = fixtures.tenant("Ssrf Co");
        var owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        int port = upstream.getAddress().getPort();
        for (String url : List.of(
                "http://localhost:" + port + "/v1",
                "http://127.0.0.2:" + port + "/v1",
                "http://[::1]:" + port + "/v1",
                "http://10.0.0.1/v1",
                "http://172.16.5.4/v1",
                "http://192.168.1.1/v1",
                "http://169.254.169.254/latest/meta-data",
                "http://[fd00:ec2::254]/v1",
                "http://0.0.0.0:" + port + "/v1")) {
            var put = owner.put(t.path() + "/providers/openai", Map.of("base_url", url, "api_key", "sk-test"));
            assertThat(put.status()).as(url + " " + put).isEqualTo(422);
            assertThat(put.body()).contains("base_url");
        }
        assertThat(owner.get(t.path() + "/providers").body()).doesNotContain("localhost");

        // A name that resolved elsewhere when saved and now leads to loopback (DNS rebinding), here
        // stored directly: the call is refused before any connection and its hold is voided.
        credentials.put(new OrgId(t.orgId()), "openai", "http://localhost:" + port + "/v1", "sk-rebound");
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        var chat = fixtures.api()
                .as(key)
                .post(
                        "/v1/chat/completions",
                        Map.of("model", "gpt-4o-mini", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(chat.status()).as(chat.toString()).isEqualTo(502);
        assertThat(chat.json().path("error").path("code").asString()).isEqualTo("upstream_address_refused");
        assertThat(authorizations).isEmpty();
        var invariant = owner.get(t.path() + "/credits/invariant");
        assertThat(invariant.text("held")).isEqualTo("0");
        assertThat(invariant.text("spent")).isEqualTo("0");
    }

    private List<String> modelIds(String key) {
        var r = fixtures.api().as(key).get("/v1/models");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> ids = new java.util.ArrayList<>();
        for (JsonNode m : r.json().path("data")) ids.add(m.path("id").asString());
        return ids;
    }

    private static Map<String, Object> hello(String model) {
        return Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "hi")));
    }

    @Test
    void aProviderWithoutCredentialsOffersNoModelsAndIsRefusedAtOnce() {
        var t = fixtures.tenant("No Keys Co");
        var owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());

        List<String> ids = modelIds(key);
        assertThat(ids).contains("demo/chat", "demo/chat-mini", "demo/image", "demo/speech", "demo/transcribe");
        assertThat(ids).allMatch(id -> id.startsWith("demo/"), "only demo models");
        assertThat(fixtures.api().as(key).get("/v1/models/gpt-4o").status()).isEqualTo(404);

        for (String[] c : new String[][] {{"gpt-4o", "openai"}, {"claude-haiku-4-5", "anthropic"}}) {
            long started = System.nanoTime();
            var refused = fixtures.api().as(key).post("/v1/chat/completions", hello(c[0]));
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.json().path("error").path("code").asString()).isEqualTo("provider_not_configured");
            assertThat(refused.json().path("error").path("message").asString())
                    .contains("provider " + c[1] + " is not configured for this organization");
            assertThat(ms).as("answered without trying the provider").isLessThan(2_000);
        }
        var speech = fixtures.api()
                .as(key)
                .post("/v1/audio/speech", Map.of("model", "tts-1", "input", "hi", "voice", "alloy"));
        assertThat(speech.status()).as(speech.toString()).isEqualTo(400);
        assertThat(speech.json().path("error").path("code").asString()).isEqualTo("provider_not_configured");
        // nothing was reserved
        assertThat(jdbc.sql("SELECT count(*) FROM holds WHERE org_id = :org")
                        .param("org", t.orgId())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void storingAnOrganizationsKeyMakesItsProvidersModelsAppear() {
        var t = fixtures.tenant("Bring Keys Co");
        var owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        assertThat(modelIds(key)).doesNotContain("gpt-4o-mini", "claude-haiku-4-5");

        String endpoint = "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1";
        assertThat(owner.put(t.path() + "/providers/openai", Map.of("base_url", endpoint, "api_key", "sk-org"))
                        .status())
                .isEqualTo(200);
        assertThat(modelIds(key)).contains("demo/chat", "gpt-4o", "gpt-4o-mini", "dall-e-3", "whisper-1");
        assertThat(modelIds(key)).doesNotContain("claude-haiku-4-5");
        var chat = fixtures.api().as(key).post("/v1/chat/completions", hello("gpt-4o-mini"));
        assertThat(chat.status()).as(chat.toString()).isEqualTo(200);

        // an Anthropic key of the organization's own: Claude appears; another organization sees none of it
        assertThat(owner.put(t.path() + "/providers/anthropic", Map.of("api_key", "sk-ant-org"))
                        .status())
                .isEqualTo(200);
        assertThat(modelIds(key)).contains("claude-haiku-4-5", "gpt-4o");
        var other = fixtures.tenant("No Keys Either Co");
        assertThat(modelIds(fixtures.workspaceKey(other, other.primaryWorkspaceId())))
                .allMatch(id -> id.startsWith("demo/"));

        // removed again: gone again
        assertThat(owner.delete(t.path() + "/providers/openai").status()).isEqualTo(204);
        assertThat(modelIds(key)).doesNotContain("gpt-4o-mini").contains("claude-haiku-4-5");
    }

    @Test
    void aProviderThatCannotBeReachedIsA502WithoutTheExceptionsText() throws Exception {
        var t = fixtures.tenant("Unreachable Co");
        var owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        int closed;
        try (var socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        owner.put(
                t.path() + "/providers/openai",
                Map.of("base_url", "http://127.0.0.1:" + closed + "/v1", "api_key", "sk-org"));
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        var failed = fixtures.api().as(key).post("/v1/chat/completions", hello("gpt-4o-mini"));
        assertThat(failed.status()).as(failed.toString()).isEqualTo(502);
        assertThat(failed.json().path("error").path("code").asString()).isEqualTo("upstream_unreachable");
        assertThat(failed.json().path("error").path("message").asString())
                .isEqualTo("The provider openai could not be reached.");
        assertThat(failed.body())
                .doesNotContain("Exception")
                .doesNotContain("java.")
                .doesNotContain("127.0.0.1");
    }
}
