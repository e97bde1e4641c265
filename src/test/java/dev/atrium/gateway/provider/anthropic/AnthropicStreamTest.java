package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.JSON;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.blockStop;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.call;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.error;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.event;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.messageDelta;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.messageStart;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.messageStop;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.ping;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.send;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.sse;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.startSse;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.textDelta;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.textStart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.gateway.provider.ProviderException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Streaming: Anthropic's event sequence → the exact OpenAI chunk sequence, and every way a stream can end. */
class AnthropicStreamTest {
    private static final ObjectNode HELLO = (ObjectNode)
            JSON.readTree("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    private FakeAnthropic upstream;
    private final List<JsonNode> chunks = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeAnthropic();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private void collect(ObjectNode chunk) {
        chunks.add(JSON.readTree(JSON.writeValueAsString(chunk)));
    }

    private static String chunk(String id, String delta, String finishReason) {
        return """
                {"id":"%s","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5",
                 "choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}""".formatted(id, delta, finishReason == null ? "null" : "\"" + finishReason + "\"");
    }

    private static String usageChunk(String id, int prompt, int completion) {
        return """
                {"id":"%s","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","choices":[],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}""".formatted(id, prompt, completion, prompt + completion);
    }

    private void assertChunks(String... expected) {
        assertThat(chunks).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(chunks.get(i)).as("chunk %d", i).isEqualTo(JSON.readTree(expected[i]));
        }
    }

    @Test
    void eventSequenceBecomesTheExactChunkSequence() {
        upstream.reply(sse(
                messageStart("msg_01", 25),
                textStart(0),
                ping(),
                textDelta(0, "Hello"),
                textDelta(0, ", world"),
                blockStop(0),
                messageDelta("end_turn", 12),
                messageStop()));

        upstream.provider().streamChat(call(), HELLO, this::collect);

        assertChunks(
                chunk("msg_01", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_01", "{\"content\":\"Hello\"}", null),
                chunk("msg_01", "{\"content\":\", world\"}", null),
                chunk("msg_01", "{}", "stop"),
                usageChunk("msg_01", 25, 12));
        JsonNode last = chunks.getLast();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(25);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
        assertThat(last.path("usage").path("total_tokens").asInt()).isEqualTo(37);
    }

    @ParameterizedTest
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "max_tokens, length", "tool_use, tool_calls"})
    void stopReasonMapsToTheFinishChunk(String stopReason, String finishReason) {
        upstream.reply(sse(
                messageStart("msg_02", 5),
                textStart(0),
                textDelta(0, "x"),
                blockStop(0),
                messageDelta(stopReason, 1),
                messageStop()));
        upstream.provider().streamChat(call(), HELLO, this::collect);
        assertThat(chunks.get(chunks.size() - 2)
                        .path("choices")
                        .get(0)
                        .path("finish_reason")
                        .asString())
                .isEqualTo(finishReason);
    }

    @Test
    void cacheTokensCountAsPromptTokensInTheUsageChunk() {
        upstream.reply(sse(event("message_start", """
                        {"type":"message_start","message":{"id":"msg_03","type":"message","role":"assistant",
                         "model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,
                         "usage":{"input_tokens":4,"cache_creation_input_tokens":10,"cache_read_input_tokens":200,"output_tokens":1}}}""".replace("\n", "")), messageDelta("end_turn", 9), messageStop()));
        upstream.provider().streamChat(call(), HELLO, this::collect);
        assertThat(chunks.getLast().path("usage")).isEqualTo(JSON.readTree("""
                {"prompt_tokens":214,"completion_tokens":9,"total_tokens":223,"prompt_tokens_details":{"cached_tokens":200}}"""));
    }

    @Test
    void toolUseStreamsAsToolCallDeltas() {
        upstream.reply(sse(
                messageStart("msg_04", 30),
                textStart(0),
                textDelta(0, "Checking."),
                blockStop(0),
                event("content_block_start", """
                        {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"weather","input":{}}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": "}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}}"""),
                blockStop(1),
                messageDelta("tool_use", 40),
                messageStop()));
        upstream.provider().streamChat(call(), HELLO, this::collect);
        assertChunks(
                chunk("msg_04", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_04", "{\"content\":\"Checking.\"}", null),
                chunk("msg_04", """
                        {"tool_calls":[{"index":0,"id":"toolu_9","type":"function","function":{"name":"weather","arguments":""}}]}""", null),
                chunk(
                        "msg_04",
                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \"}}]}",
                        null),
                chunk(
                        "msg_04",
                        "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}",
                        null),
                chunk("msg_04", "{}", "tool_calls"),
                usageChunk("msg_04", 30, 40));
    }

    @Test
    void errorEventAfterOutputFailsWithoutRetryAfterTheDeliveredChunks() {
        upstream.reply(sse(
                messageStart("msg_05", 8),
                textStart(0),
                textDelta(0, "Par"),
                event(
                        "error",
                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        assertThatThrownBy(() -> upstream.provider(3).streamChat(call(), HELLO, this::collect))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(529);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("overloaded_error: Overloaded");
                    assertThat(e.upstreamBody()).contains("overloaded_error");
                });
        assertChunks(
                chunk("msg_05", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_05", "{\"content\":\"Par\"}", null));
        assertThat(upstream.requests).hasSize(1);
    }

    @Test
    void errorEventBeforeAnyOutputIsRetried() {
        upstream.reply(
                sse(event(
                        "error",
                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")),
                sse(
                        messageStart("msg_06", 3),
                        textStart(0),
                        textDelta(0, "ok"),
                        blockStop(0),
                        messageDelta("end_turn", 1),
                        messageStop()));
        upstream.provider(3).streamChat(call(), HELLO, this::collect);
        assertThat(upstream.requests).hasSize(2);
        assertChunks(
                chunk("msg_06", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_06", "{\"content\":\"ok\"}", null),
                chunk("msg_06", "{}", "stop"),
                usageChunk("msg_06", 3, 1));
    }

    @Test
    void overloaded529StatusIsRetriedBeforeTheStreamStarts() {
        upstream.reply(
                error(529, "overloaded_error", "Overloaded"),
                sse(messageStart("msg_07", 3), messageDelta("end_turn", 0), messageStop()));
        upstream.provider(3).streamChat(call(), HELLO, this::collect);
        assertThat(upstream.requests).hasSize(2);
        assertChunks(
                chunk("msg_07", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_07", "{}", "stop"),
                usageChunk("msg_07", 3, 0));
    }

    @Test
    void streamEndingBeforeMessageStopFailsAfterTheDeliveredChunks() {
        upstream.reply(sse(messageStart("msg_08", 6), textStart(0), textDelta(0, "Hel")));
        assertThatThrownBy(() -> upstream.provider(3).streamChat(call(), HELLO, this::collect))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("ended before message_stop");
                });
        assertChunks(
                chunk("msg_08", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_08", "{\"content\":\"Hel\"}", null));
        assertThat(upstream.requests).hasSize(1);
    }

    @Test
    void brokenConnectionMidStreamFailsAfterTheDeliveredChunks() throws Exception {
        try (TruncatingServer server = new TruncatingServer(
                messageStart("msg_09", 6) + textStart(0) + textDelta(0, "Hel") + textDelta(0, "lo"))) {
            var call = new dev.atrium.gateway.provider.ProviderCall(
                    FakeAnthropic.MODEL,
                    null,
                    server.baseUrl(),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
            assertThatThrownBy(() -> upstream.provider(3).streamChat(call, HELLO, this::collect))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.status()).isZero();
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.getMessage()).startsWith("Anthropic stream cut");
                    });
            assertThat(server.connections()).isEqualTo(1);
        }
        assertChunks(
                chunk("msg_09", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("msg_09", "{\"content\":\"Hel\"}", null),
                chunk("msg_09", "{\"content\":\"lo\"}", null));
    }

    @Test
    void silenceLongerThanTheIdleTimeoutCutsTheStream() {
        upstream.reply(exchange -> {
            OutputStream out = startSse(exchange);
            send(out, messageStart("msg_10", 6));
            send(out, textStart(0));
            send(out, textDelta(0, "Hel"));
            Thread.sleep(10_000);
        });
        long started = System.nanoTime();
        assertThatThrownBy(() -> upstream.provider(3)
                        .streamChat(
                                FakeAnthropic.timeouts(Duration.ofSeconds(5), Duration.ofMillis(300)),
                                HELLO,
                                this::collect))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage())
                            .isEqualTo("Anthropic stream cut: no event within the idle timeout PT0.3S");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(chunks).hasSize(2);
        assertThat(upstream.requests).hasSize(1);
    }

    @Test
    void noFirstEventWithinTheFirstByteTimeoutIsRetryable() {
        upstream.reply(exchange -> {
            startSse(exchange).flush();
            Thread.sleep(10_000);
        });
        assertThatThrownBy(() -> upstream.provider(1)
                        .streamChat(
                                FakeAnthropic.timeouts(Duration.ofMillis(400), Duration.ofSeconds(5)),
                                HELLO,
                                this::collect))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage())
                            .isEqualTo("Anthropic stream cut: no event within the first-byte timeout PT0.4S");
                });
        assertThat(chunks).isEmpty();
    }

    @Test
    void clientGoneClosesTheUpstreamPromptlyAndSurfacesTheSinksException() throws Exception {
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        upstream.reply(exchange -> {
            OutputStream out = startSse(exchange);
            send(out, messageStart("msg_11", 6));
            send(out, textStart(0));
            try {
                for (int i = 0; i < 500; i++) {
                    send(out, textDelta(0, "word "));
                    Thread.sleep(10);
                }
            } catch (IOException closedByClient) {
                upstreamClosed.countDown();
            }
        });
        RuntimeException clientGone = new IllegalStateException("client went away");
        assertThatThrownBy(() -> upstream.provider(3).streamChat(call(), HELLO, chunk -> {
                    collect(chunk);
                    if (chunks.size() == 3) {
                        throw clientGone;
                    }
                }))
                .isSameAs(clientGone);
        assertThat(upstreamClosed.await(3, TimeUnit.SECONDS))
                .as("upstream connection closed")
                .isTrue();
        assertThat(upstream.requests).hasSize(1);
    }
}
