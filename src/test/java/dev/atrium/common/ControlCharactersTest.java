package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * NUL and other control characters: refused in names and identifiers with a 4xx naming the field
 * (under {@code /api} and {@code /v1}), accepted in free text and stored so it can be read back;
 * never a 500.
 */
@IntegrationTest
class ControlCharactersTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void aModelIdWithANulIsA400InOpenAisShapeOnEveryOperation() {
        var t = fixtures.tenant("Nul Model Co");
        Api owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        Api gateway = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        for (var call : List.of(
                Map.entry(
                        "/v1/chat/completions",
                        Map.<String, Object>of(
                                "model", "a\u0000b", "messages", List.of(Map.of("role", "user", "content", "hi")))),
                Map.entry("/v1/images/generations", Map.<String, Object>of("model", "a\u0000b", "prompt", "a cat")),
                Map.entry(
                        "/v1/audio/speech",
                        Map.<String, Object>of("model", "demo/speech\u0000", "input", "hello", "voice", "alloy")),
                Map.entry(
                        "/v1/chat/completions",
                        Map.<String, Object>of(
                                "model",
                                "demo/chat\u0007",
                                "messages",
                                List.of(Map.of("role", "user", "content", "hi")))))) {
            var r = gateway.post(call.getKey(), call.getValue());
            assertThat(r.status()).as(call + " " + r).isEqualTo(400);
            assertThat(r.json().path("error").path("code").asString()).isEqualTo("invalid_model");
            assertThat(r.json().path("error").path("message").asString()).contains("'model'");
        }
        assertThat(owner.get(t.path() + "/credits/invariant").text("held")).isEqualTo("0");
    }

    @Test
    void namesKeysAndUrlsWithControlCharactersAreRefusedNamingTheField() {
        var t = fixtures.tenant("Nul Names Co");
        Api owner = fixtures.api().as(t.owner().token());
        var provider = owner.put(t.path() + "/providers/openai", Map.of("api_key", "\u0000"));
        assertThat(provider.status()).as(provider.toString()).isEqualTo(422);
        assertThat(provider.body()).contains("api_key");
        var url = owner.put(
                t.path() + "/providers/openai", Map.of("base_url", "https://api.example.com/v1\u0000", "api_key", "k"));
        assertThat(url.status()).as(url.toString()).isEqualTo(422);

        for (String name : List.of("a\u0000b", "tab\there", "line\nbreak", "bell\u0007", "c1\u0085")) {
            var ws = owner.post(t.path() + "/workspaces", Map.of("name", name, "kind", "client"));
            assertThat(ws.status()).as(name + " " + ws).isEqualTo(422);
            assertThat(ws.text("code")).isEqualTo("validation_failed");
            assertThat(ws.body()).contains("name");
        }
        var org = owner.patch(t.path(), Map.of("name", "Acme\u0000"));
        assertThat(org.status()).as(org.toString()).isEqualTo(422);
        var key = owner.post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k\u0000"));
        assertThat(key.status()).as(key.toString()).isEqualTo(422);
        // Ordinary names with accents and symbols are fine.
        assertThat(owner.post(t.path() + "/workspaces", Map.of("name", "Café — Q4 «Ω»", "kind", "client"))
                        .status())
                .isEqualTo(201);
    }

    @Test
    void freeTextWithANulIsAnsweredAndStoredReadably() {
        var t = fixtures.tenant("Nul Text Co");
        Api owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        Api gateway = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        var r = gateway.post(
                "/v1/chat/completions",
                Map.of(
                        "model",
                        "demo/chat",
                        "messages",
                        List.of(Map.of("role", "user", "content", "before\u0000after"))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String conversation = r.header("x-atrium-conversation-id");
        assertThat(conversation).isNotNull();
        var stored = owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations/" + conversation);
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        String content = stored.json().path("messages").path(0).path("content").asString();
        assertThat(content).startsWith("before").endsWith("after").doesNotContain("\u0000");
        var search = owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations?q=before");
        assertThat(search.status()).as(search.toString()).isEqualTo(200);
        var image = gateway.post("/v1/images/generations", Map.of("model", "demo/image", "prompt", "a\u0000cat"));
        assertThat(image.status()).as(image.toString()).isEqualTo(200);
        var speech = gateway.post(
                "/v1/audio/speech", Map.of("model", "demo/speech", "input", "say\u0000this", "voice", "alloy"));
        assertThat(speech.status()).isEqualTo(200);
        var activities = owner.get(t.ws(t.primaryWorkspaceId()) + "/activities");
        assertThat(activities.status()).as(activities.toString()).isEqualTo(200);
        assertThat(activities.body()).contains("\"operation\":\"speech\"").contains("\"operation\":\"image");
    }
}
