package dev.atrium.gateway.provider.openai;

import static dev.atrium.gateway.provider.openai.FakeUpstream.bytes;
import static dev.atrium.gateway.provider.openai.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.gateway.provider.AiProvider.Audio;
import dev.atrium.gateway.provider.AiProvider.Upload;
import dev.atrium.gateway.provider.ProviderCall;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OpenAiProviderTest {
    static final JsonMapper JSON = JsonMapper.shared();
    static final String COMPLETION = """
            {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-up",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""";

    FakeUpstream upstream;
    OpenAiProvider provider;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        provider = provider(upstream.baseUrl(), "sk-test");
    }

    @AfterEach
    void stop() {
        provider.close();
        upstream.close();
    }

    static OpenAiProvider provider(String baseUrl, String key) {
        return new OpenAiProvider(JSON, baseUrl, key, 3, Duration.ofMillis(10));
    }

    static ProviderCall call() {
        return new ProviderCall(
                "gpt-up", null, null, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    static ObjectNode body(String json) {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void theInstallationIsConfiguredWithAKeyOrAnEndpointOfItsOwn() {
        try (var none = provider("https://api.openai.com/v1/", " ");
                var keyed = provider("https://api.openai.com/v1", "sk-x");
                var ollama = provider("http://ollama:11434/v1", "")) {
            assertThat(none.configured()).isFalse();
            assertThat(keyed.configured()).isTrue();
            assertThat(ollama.configured()).isTrue();
        }
    }

    @Test
    void chatForwardsTheBodyWithTheKeyAndReturnsTheUpstreamJson() throws Exception {
        upstream.on("/v1/chat/completions", json(200, COMPLETION));
        ObjectNode request = body("""
                {"model":"gpt-up","messages":[{"role":"user","content":"Hi"}],"temperature":0.2,
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}""");

        JsonNode response = provider.chat(call(), request);

        assertThat(response).isEqualTo(JSON.readTree(COMPLETION));
        var received = upstream.take();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.header("Authorization")).isEqualTo("Bearer sk-test");
        assertThat(received.header("Content-Type")).isEqualTo("application/json");
        assertThat(received.json()).isEqualTo(request);
    }

    @Test
    void noAuthorizationHeaderWithoutAKey() throws Exception {
        try (var keyless = provider(upstream.baseUrl() + "/", "")) {
            upstream.on("/v1/chat/completions", json(200, COMPLETION));
            keyless.chat(call(), body("{\"messages\":[]}"));
            assertThat(upstream.take().header("Authorization")).isNull();
        }
    }

    @Test
    void theCallsOwnBaseUrlAndKeyOverrideTheConfiguredOnes() throws Exception {
        try (var organization = new FakeUpstream()) {
            organization.on("/v1/chat/completions", json(200, COMPLETION));
            var call = new ProviderCall(
                    "gpt-org",
                    "sk-org",
                    organization.baseUrl(),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1));

            provider.chat(call, body("{\"model\":\"x\",\"messages\":[]}"));

            var received = organization.take();
            assertThat(received.header("Authorization")).isEqualTo("Bearer sk-org");
            assertThat(received.json().path("model").stringValue()).isEqualTo("gpt-org");
            assertThat(upstream.count()).isZero();
        }
    }

    @Test
    void nonStreamingChatDoesNotAskForAStream() throws Exception {
        upstream.on("/v1/chat/completions", json(200, COMPLETION));
        provider.chat(call(), body("{\"messages\":[],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
        var sent = upstream.take().json();
        assertThat(sent.has("stream")).isFalse();
        assertThat(sent.has("stream_options")).isFalse();
    }

    @Test
    void connectionsAreReusedBetweenCalls() throws Exception {
        upstream.on("/v1/chat/completions", json(200, COMPLETION));
        provider.chat(call(), body("{\"messages\":[]}"));
        provider.chat(call(), body("{\"messages\":[]}"));
        assertThat(upstream.take().remote()).isEqualTo(upstream.take().remote());
    }

    @Test
    void imagesAskedForByUrlAreFetchedAsBase64() throws Exception {
        upstream.on(
                "/v1/images/generations",
                json(200, "{\"created\":1,\"data\":[{\"b64_json\":\"iVBORw0KGgo=\",\"revised_prompt\":\"a cat\"}]}"));
        ObjectNode request = body("{\"prompt\":\"a cat\",\"size\":\"1024x1024\",\"response_format\":\"url\"}");

        JsonNode response = provider.images(call(), request);

        assertThat(response.path("data").path(0).path("b64_json").stringValue()).isEqualTo("iVBORw0KGgo=");
        var sent = upstream.take().json();
        assertThat(sent.path("response_format").stringValue()).isEqualTo("b64_json");
        assertThat(sent.path("model").stringValue()).isEqualTo("gpt-up");
        assertThat(request.path("response_format").stringValue())
                .as("caller's request untouched")
                .isEqualTo("url");
    }

    @Test
    void imagesReturnedAsUrlsAreDownloadedIntoBase64WithoutTheKey() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};
        upstream.on(
                "/v1/images/generations",
                json(200, "{\"created\":1,\"data\":[{\"url\":\"" + upstream.baseUrl() + "/files/cat.png\"}]}"));
        upstream.on("/v1/files/cat.png", bytes(200, "image/png", png));

        JsonNode response = provider.images(call(), body("{\"prompt\":\"a cat\"}"));

        JsonNode item = response.path("data").path(0);
        assertThat(Base64.getDecoder().decode(item.path("b64_json").stringValue()))
                .isEqualTo(png);
        assertThat(item.has("url")).isFalse();
        upstream.take();
        var download = upstream.take();
        assertThat(download.method()).isEqualTo("GET");
        assertThat(download.header("Authorization")).isNull();
    }

    @Test
    void speechReturnsTheBytesAndTheUpstreamContentType() throws Exception {
        byte[] audio = {'I', 'D', '3', 4, 0, (byte) 0xfb, (byte) 0x90};
        upstream.on("/v1/audio/speech", bytes(200, "audio/mpeg", audio));

        Audio result = provider.speech(call(), body("{\"input\":\"Hello\",\"voice\":\"alloy\"}"));

        assertThat(result.bytes()).isEqualTo(audio);
        assertThat(result.contentType()).isEqualTo("audio/mpeg");
        var sent = upstream.take().json();
        assertThat(sent.path("input").stringValue()).isEqualTo("Hello");
        assertThat(sent.path("model").stringValue()).isEqualTo("gpt-up");
    }

    @Test
    void transcriptionSendsTheFileAndFieldsAsMultipart() throws Exception {
        upstream.on("/v1/audio/transcriptions", json(200, "{\"text\":\"Bonjour\",\"duration\":2.5}"));
        byte[] wav = new byte[3000];
        for (int i = 0; i < wav.length; i++) {
            wav[i] = (byte) (i * 31); // every byte value, CR and LF included
        }
        var upload = new Upload("voice \"1\".wav", "audio/wav", wav);

        JsonNode result = provider.transcribe(
                call(),
                upload,
                Map.of("model", "whisper-ish", "language", "fr", "prompt", "Élodie, café", "response_format", "text"));

        assertThat(result.path("text").stringValue()).isEqualTo("Bonjour");
        var received = upstream.take();
        Map<String, MultipartForm.Part> parts = MultipartForm.parse(received.header("Content-Type"), received.body());
        assertThat(parts.get("file").bytes()).isEqualTo(wav);
        assertThat(parts.get("file").filename()).isEqualTo("voice %221%22.wav");
        assertThat(parts.get("file").contentType()).isEqualTo("audio/wav");
        assertThat(parts.get("model").text()).isEqualTo("gpt-up");
        assertThat(parts.get("language").text()).isEqualTo("fr");
        assertThat(parts.get("prompt").text()).isEqualTo("Élodie, café");
        assertThat(parts.get("response_format").text()).isEqualTo("json");
        assertThat(received.header("Authorization")).isEqualTo("Bearer sk-test");
    }
}
