package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.JSON;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.call;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.error;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Non-streaming calls: Anthropic messages back as OpenAI chat completions; errors, retries and timeouts. */
class AnthropicChatTest {
    private static final ObjectNode HELLO =
            (ObjectNode) JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    private FakeAnthropic upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeAnthropic();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    static String message(String stopReason, String content, String usage) {
        return """
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
                 "content":%s,"stop_reason":"%s","stop_sequence":null,"usage":%s}""".formatted(content, stopReason, usage);
    }

    /** Re-read through JSON so that numbers compare by value whatever node type built them. */
    private static JsonNode normalized(JsonNode node) {
        return JSON.readTree(JSON.writeValueAsString(node));
    }

    @Test
    void messageBecomesChatCompletionFieldByField() {
        upstream.reply(
                json(
                        200,
                        message(
                                "end_turn",
                                "[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"thinking\",\"thinking\":\"hm\",\"signature\":\"s\"},"
                                        + "{\"type\":\"text\",\"text\":\", world\"}]",
                                "{\"input_tokens\":12,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":30,\"output_tokens\":7}")));

        JsonNode completion = upstream.provider().chat(call(), HELLO);

        assertThat(completion.path("id").asString()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(completion.path("object").asString()).isEqualTo("chat.completion");
        assertThat(completion.path("created").asLong()).isEqualTo(FakeAnthropic.CREATED);
        assertThat(completion.path("model").asString()).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(completion.path("choices")).hasSize(1);
        JsonNode choice = completion.path("choices").get(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asString()).isEqualTo("Hello, world");
        assertThat(choice.path("message").path("refusal").isNull()).isTrue();
        assertThat(choice.path("message").has("tool_calls")).isFalse();
        assertThat(choice.path("logprobs").isNull()).isTrue();
        assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
        JsonNode usage = completion.path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(142);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(7);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(149);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(30);
        assertThat(normalized(completion)).isEqualTo(JSON.readTree("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion","created":1700000000,
                 "model":"claude-sonnet-4-5-20250929",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world","refusal":null},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":142,"completion_tokens":7,"total_tokens":149,
                          "prompt_tokens_details":{"cached_tokens":30}}}"""));
    }

    @ParameterizedTest
    @CsvSource({
        "end_turn, stop",
        "stop_sequence, stop",
        "max_tokens, length",
        "tool_use, tool_calls",
        "refusal, content_filter",
        "pause_turn, stop"
    })
    void stopReasonMapsToFinishReason(String stopReason, String finishReason) {
        upstream.reply(json(
                200,
                message(
                        stopReason,
                        "[{\"type\":\"text\",\"text\":\"x\"}]",
                        "{\"input_tokens\":3,\"output_tokens\":1}")));
        JsonNode completion = upstream.provider().chat(call(), HELLO);
        assertThat(completion.path("choices").get(0).path("finish_reason").asString())
                .isEqualTo(finishReason);
        assertThat(completion.path("usage").has("prompt_tokens_details")).isFalse();
    }

    @Test
    void toolUseBecomesToolCallsWithJsonStringArguments() {
        upstream.reply(json(
                200,
                message(
                        "tool_use",
                        "[{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"weather\",\"input\":{\"city\":\"Paris\",\"days\":2}}]",
                        "{\"input_tokens\":40,\"output_tokens\":20}")));
        JsonNode message =
                upstream.provider().chat(call(), HELLO).path("choices").get(0).path("message");
        assertThat(message.path("content").isNull()).isTrue();
        assertThat(message.path("tool_calls")).hasSize(1);
        JsonNode toolCall = message.path("tool_calls").get(0);
        assertThat(toolCall.path("id").asString()).isEqualTo("toolu_01A");
        assertThat(toolCall.path("type").asString()).isEqualTo("function");
        assertThat(toolCall.path("function").path("name").asString()).isEqualTo("weather");
        assertThat(JSON.readTree(toolCall.path("function").path("arguments").asString()))
                .isEqualTo(JSON.readTree("{\"city\":\"Paris\",\"days\":2}"));
    }

    @Test
    void overloaded529IsRetriedUntilItSucceeds() {
        upstream.reply(
                error(529, "overloaded_error", "Overloaded"),
                error(529, "overloaded_error", "Overloaded"),
                json(
                        200,
                        message(
                                "end_turn",
                                "[{\"type\":\"text\",\"text\":\"at last\"}]",
                                "{\"input_tokens\":3,\"output_tokens\":2}")));
        JsonNode completion = upstream.provider(3).chat(call(), HELLO);
        assertThat(completion
                        .path("choices")
                        .get(0)
                        .path("message")
                        .path("content")
                        .asString())
                .isEqualTo("at last");
        assertThat(upstream.requests).hasSize(3);
        assertThat(upstream.requests.get(2).body())
                .isEqualTo(upstream.requests.get(0).body());
    }

    @Test
    void overloadedOnEveryAttemptFailsRetryableWithAnthropicsMessage() {
        upstream.reply(
                error(529, "overloaded_error", "Overloaded"),
                error(529, "overloaded_error", "Overloaded"),
                error(529, "overloaded_error", "Overloaded"));
        assertThatThrownBy(() -> upstream.provider(3).chat(call(), HELLO))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(529);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("529").contains("overloaded_error: Overloaded");
                    assertThat(e.upstreamBody()).isEqualTo(FakeAnthropic.errorJson("overloaded_error", "Overloaded"));
                });
        assertThat(upstream.requests).hasSize(3);
    }

    @Test
    void clientErrorsAreNotRetried() {
        upstream.reply(error(400, "invalid_request_error", "max_tokens: must be at least 1"));
        assertThatThrownBy(() -> upstream.provider(3).chat(call(), HELLO))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("invalid_request_error: max_tokens: must be at least 1");
                });
        assertThat(upstream.requests).hasSize(1);
    }

    @Test
    void rateLimitWithShortRetryAfterIsRetriedButALongOneIsNot() {
        upstream.reply(
                json(429, FakeAnthropic.errorJson("rate_limit_error", "slow down"), "retry-after", "0"),
                json(
                        200,
                        message(
                                "end_turn",
                                "[{\"type\":\"text\",\"text\":\"ok\"}]",
                                "{\"input_tokens\":1,\"output_tokens\":1}")),
                json(429, FakeAnthropic.errorJson("rate_limit_error", "slow down"), "retry-after", "120"));
        var provider = upstream.provider(3);
        assertThat(provider.chat(call(), HELLO)
                        .path("choices")
                        .get(0)
                        .path("message")
                        .path("content")
                        .asString())
                .isEqualTo("ok");
        assertThatThrownBy(() -> provider.chat(call(), HELLO)).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.retryable()).isTrue();
        });
        assertThat(upstream.requests).hasSize(3);
    }

    @Test
    void noAnswerWithinTheFirstByteTimeoutIsARetryableTimeout() {
        upstream.reply(exchange -> Thread.sleep(3_000));
        long started = System.nanoTime();
        assertThatThrownBy(() -> upstream.provider(1)
                        .chat(FakeAnthropic.timeouts(Duration.ofMillis(300), Duration.ofSeconds(5)), HELLO))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("no answer within");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void connectionRefusedIsRetryableWithStatusZero() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var call = new ProviderCall(
                FakeAnthropic.MODEL,
                null,
                "http://127.0.0.1:" + closedPort,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        assertThatThrownBy(() -> upstream.provider(2).chat(call, HELLO))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).startsWith("Anthropic: connection failed (");
                });
    }

    @Test
    void imagesSpeechAndTranscriptionAreRefused() {
        AiProvider provider = upstream.provider();
        assertUnsupported(() -> provider.images(call(), JSON.createObjectNode()), "image generation");
        assertUnsupported(() -> provider.speech(call(), JSON.createObjectNode()), "text to speech");
        assertUnsupported(
                () -> provider.transcribe(call(), new AiProvider.Upload("a.wav", "audio/wav", new byte[0]), Map.of()),
                "transcription");
        assertThat(provider.id()).isEqualTo("anthropic");
        assertThat(upstream.requests).isEmpty();
    }

    private static void assertUnsupported(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String what) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.code()).isEqualTo("unsupported_by_provider");
            assertThat(e.getMessage()).isEqualTo("Anthropic does not offer " + what + ".");
        });
    }
}
