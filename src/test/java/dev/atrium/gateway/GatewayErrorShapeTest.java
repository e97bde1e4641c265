package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every answer under {@code /v1} that is not a success is {@code {"error": {"message", "type",
 * "param", "code"}}}, as OpenAI's are, whatever refused the request: the body limit, routing, the
 * JSON reader, the security chain or the gateway itself.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class GatewayErrorShapeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    Fixtures fixtures;

    private Fixtures.Tenant tenant;
    private String key;

    @BeforeEach
    void setUp() {
        tenant = fixtures.tenant("Errors Co");
        assertThat(fixtures.api()
                        .as(tenant.owner().token())
                        .post(tenant.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        key = fixtures.workspaceKey(tenant, tenant.primaryWorkspaceId());
    }

    @Test
    void theOpenAiSdkReportsTheMessageOfATooLargeBody() {
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .build();
        String huge = "x".repeat(1_100_000);
        Throwable thrown = catchThrowable(() -> client.chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("demo/chat")
                        .addUserMessage(huge)
                        .build()));
        assertThat(thrown).isInstanceOf(OpenAIServiceException.class);
        var e = (OpenAIServiceException) thrown;
        assertThat(e.statusCode()).isEqualTo(413);
        assertThat(e.getMessage()).doesNotContain("no body").contains("exceeds 1048576 bytes");
        assertThat(e.code()).contains("payload_too_large");
    }

    @Test
    void everyRefusalUnderV1HasOpenAisErrorShape() throws Exception {
        String chat = "/v1/chat/completions";
        byte[] ok = JSON.writeValueAsBytes(
                Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        byte[] big = ("{\"model\":\"demo/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1_100_000)
                        + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        // 413 with a declared length (the body limit answers before anything reads it)
        assertShape(send("POST", chat, key, "application/json", big, false), 413, "payload_too_large");
        // 413 for a chunked body that grows past the limit while the gateway reads it
        assertShape(send("POST", chat, key, "application/json", big, true), 413, "payload_too_large");
        // 415, malformed JSON, 404 on an unknown path, 405 on a known one
        assertShape(send("POST", chat, key, "text/plain", ok, false), 415, "unsupported_media_type");
        assertShape(
                send("POST", chat, key, "application/json", "{\"model\":".getBytes(StandardCharsets.UTF_8), false),
                400,
                "invalid_request");
        var unknown = send("POST", "/v1/nothing/here", key, "application/json", ok, false);
        assertShape(unknown, 404, "unknown_url");
        assertThat(message(unknown)).contains("/v1/nothing/here");
        assertShape(send("GET", chat, key, null, null, false), 405, "method_not_allowed");
        // 401 from the security chain, with and without a credential
        assertShape(send("GET", "/v1/models", "atr_ws_not-a-key", null, null, false), 401, "invalid_api_key");
        assertShape(send("GET", "/v1/models", null, null, null, false), 401, "invalid_api_key");
        // the gateway's own refusals: unknown model, missing field, admin key
        assertShape(
                send(
                        "POST",
                        chat,
                        key,
                        "application/json",
                        JSON.writeValueAsBytes(Map.of(
                                "model", "no-such-model", "messages", List.of(Map.of("role", "user", "content", "x")))),
                        false),
                404,
                "model_not_found");
        assertShape(
                send("POST", chat, key, "application/json", "{}".getBytes(StandardCharsets.UTF_8), false),
                400,
                "invalid_request");
        assertShape(
                send("POST", chat, fixtures.adminKey(tenant), "application/json", ok, false), 403, "permission_denied");
        assertShape(send("GET", "/v1/models/nope/nothing", key, null, null, false), 404, "model_not_found");
    }

    private HttpResponse<String> send(
            String method, String path, String bearer, String type, byte[] body, boolean chunked) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + path)).timeout(Duration.ofSeconds(30));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        if (type != null) b.header("Content-Type", type);
        if (body == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else if (chunked)
            b.method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        else b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String message(HttpResponse<String> r) {
        return JSON.readTree(r.body()).path("error").path("message").asString();
    }

    /** OpenAI's shape: exactly message, type, param and code, a readable message, no internals. */
    static void assertShape(HttpResponse<String> r, int status, String code) {
        String what =
                r.request().method() + " " + r.request().uri().getPath() + " -> " + r.statusCode() + " " + r.body();
        assertThat(r.statusCode()).as(what).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/json");
        JsonNode body = JSON.readTree(r.body());
        List<String> top = new ArrayList<>(body.propertyNames());
        assertThat(top).as(what).containsExactly("error");
        JsonNode error = body.path("error");
        assertThat(new ArrayList<>(error.propertyNames()))
                .as(what)
                .containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.path("message").asString()).as(what).isNotBlank();
        assertThat(error.path("type").asString()).as(what).isNotBlank();
        assertThat(error.path("code").asString()).as(what).isEqualTo(code);
        assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("java.");
    }
}
