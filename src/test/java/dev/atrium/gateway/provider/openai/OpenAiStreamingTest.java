package dev.atrium.gateway.provider.openai;

import static dev.atrium.gateway.provider.openai.FakeUpstream.chunk;
import static dev.atrium.gateway.provider.openai.FakeUpstream.event;
import static dev.atrium.gateway.provider.openai.FakeUpstream.sse;
import static dev.atrium.gateway.provider.openai.FakeUpstream.startSse;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class OpenAiStreamingTest {
    static final String PATH = "/v1/chat/completions";
    static final String USAGE = event("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}");
    static final String DONE = "data: [DONE]\n\n";

    FakeUpstream upstream;
    OpenAiProvider provider;
    final List<ObjectNode> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        FakeUpstream.warmUp();
        upstream = new FakeUpstream();
        provider = OpenAiProviderTest.provider(upstream.baseUrl(), "sk-test");
    }

    @AfterEach
    void stop() {
        provider.close();
        upstream.close();
    }

    static ProviderCall call(Duration firstByte, Duration idle) {
        return new ProviderCall("gpt-up", null, null, Duration.ofSeconds(1), firstByte, idle);
    }

    static ProviderCall call() {
        return call(Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    void stream(ProviderCall call) {
        provider.streamChat(call, body("{\"model\":\"gpt-up\",\"messages\":[],\"stream\":true}"), received::add);
    }

    List<String> contents() {
        return received.stream()
                .map(c ->
                        c.path("choices").path(0).path("delta").path("content").asString(""))
                .toList();
    }

    @Test
    void chunksArriveInOrderWithTheFinalUsageAndUsageIsRequestedUpstream() throws Exception {
        upstream.on(PATH, sse(chunk(1, "Hel"), chunk(2, "lo"), chunk(3, "!"), USAGE, DONE));
        ObjectNode request = body("{\"model\":\"gpt-up\",\"messages\":[],\"stream_options\":{\"other\":1}}");

        provider.streamChat(call(), request, received::add);

        assertThat(contents()).containsExactly("Hel", "lo", "!", "");
        assertThat(received.getLast().path("usage").path("completion_tokens").intValue())
                .isEqualTo(3);
        var sent = upstream.take();
        assertThat(sent.header("Accept")).isEqualTo("text/event-stream");
        assertThat(sent.json().path("stream").booleanValue()).isTrue();
        assertThat(sent.json().path("stream_options").path("include_usage").booleanValue())
                .isTrue();
        assertThat(sent.json().path("stream_options").path("other").intValue()).isEqualTo(1);
        assertThat(request.has("stream")).as("caller's request untouched").isFalse();
    }

    @Test
    void commentsKeepAlivesCrLfAndEventsSplitAcrossWritesAreHandled() {
        String chunk = chunk(1, "héllo wörld");
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        int cut = chunk.indexOf("é") + 1; // in the middle of a two-byte character
        upstream.on(PATH, exchange -> {
            OutputStream out = startSse(exchange);
            write(out, ": OPENROUTER PROCESSING\n\n");
            out.write(bytes, 0, cut);
            out.flush();
            out.write(bytes, cut, bytes.length - cut);
            out.flush();
            write(
                    out,
                    "event: message\r\ndata: {\"choices\":[{\"index\":0,\"delta\":\r\ndata: {\"content\":\"2\"}}]}\r\n\r\n");
            write(out, ":\n\r" + USAGE.replace("\n", "\r"));
            write(out, DONE);
        });

        stream(call());

        assertThat(contents()).containsExactly("héllo wörld", "2", "");
    }

    @Test
    void nothingAfterDoneIsDelivered() {
        upstream.on(PATH, sse(chunk(1, "a"), DONE + chunk(2, "after")));
        stream(call());
        assertThat(contents()).containsExactly("a");
    }

    @Test
    void aStreamCutAfterSomeChunksThrowsAfterDeliveringThemAndIsNotRetried() {
        upstream.on(PATH, sse(chunk(1, "a"), chunk(2, "b"), chunk(3, "c")));

        var e = catchThrowableOfType(ProviderException.class, () -> stream(call()));

        assertThat(contents()).containsExactly("a", "b", "c");
        assertThat(e.status()).isZero();
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("without [DONE]").contains("3 chunk");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void aStalledStreamIsCutAfterTheIdleTimeout() {
        upstream.on(PATH, exchange -> {
            OutputStream out = startSse(exchange);
            write(out, chunk(1, "a") + chunk(2, "b"));
            upstream.pause(Duration.ofSeconds(10));
        });
        long start = System.nanoTime();

        var e = catchThrowableOfType(
                ProviderException.class, () -> stream(call(Duration.ofSeconds(2), Duration.ofMillis(200))));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(contents()).containsExactly("a", "b");
        assertThat(e.status()).isZero();
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("stalled");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void noFirstChunkWithinTheFirstByteTimeoutIsRetriedThenFails() {
        upstream.on(PATH, exchange -> {
            OutputStream out = startSse(exchange); // headers at once, as vLLM and Ollama do
            write(out, ": keep-alive\n\n"); // does not count as a first chunk
            upstream.pause(Duration.ofSeconds(10));
        });
        long start = System.nanoTime();

        var e = catchThrowableOfType(
                ProviderException.class, () -> stream(call(Duration.ofMillis(200), Duration.ofSeconds(5))));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(e.status()).isZero();
        assertThat(e.retryable()).isTrue();
        assertThat(upstream.count()).isEqualTo(3);
        assertThat(received).isEmpty();
    }

    @Test
    void aStreamThatEndsBeforeAnyChunkIsRetried() {
        upstream.on(PATH, sse(), sse(chunk(1, "ok"), DONE));
        stream(call());
        assertThat(contents()).containsExactly("ok");
        assertThat(upstream.count()).isEqualTo(2);
    }

    @Test
    void anErrorAnswerBeforeTheStreamIsRetriedLikeAnyCall() {
        upstream.on(
                PATH, FakeUpstream.json(503, "{\"error\":{\"message\":\"overloaded\"}}"), sse(chunk(1, "ok"), DONE));
        stream(call());
        assertThat(contents()).containsExactly("ok");
        assertThat(upstream.count()).isEqualTo(2);
    }

    @Test
    void anErrorEventInsideTheStreamThrowsWithItsCode() {
        upstream.on(PATH, sse(chunk(1, "a"), event("{\"error\":{\"message\":\"model crashed\",\"code\":502}}")));

        var e = catchThrowableOfType(ProviderException.class, () -> stream(call()));

        assertThat(e.status()).isEqualTo(502);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("model crashed");
        assertThat(contents()).containsExactly("a");
    }

    @Test
    void aMalformedEventCutsTheStream() {
        upstream.on(PATH, sse(chunk(1, "a"), event("{not json"), DONE));
        var e = catchThrowableOfType(ProviderException.class, () -> stream(call()));
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("malformed");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void aThrowingSinkStopsTheStreamAndClosesTheUpstreamConnection() throws Exception {
        var connectionClosed = new CountDownLatch(1);
        upstream.on(PATH, exchange -> {
            OutputStream out = startSse(exchange);
            try {
                for (int i = 1; i <= 500; i++) {
                    write(out, chunk(i, "x"));
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                connectionClosed.countDown();
            }
        });
        var gone = new IllegalStateException("client disconnected");

        assertThatThrownBy(() -> provider.streamChat(call(), body("{\"messages\":[]}"), chunk -> {
                    received.add(chunk);
                    if (received.size() == 2) {
                        throw gone;
                    }
                }))
                .isSameAs(gone);

        assertThat(connectionClosed.await(3, TimeUnit.SECONDS))
                .as("upstream saw the connection closed")
                .isTrue();
        assertThat(received).hasSize(2);
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void aCompletedStreamLeavesItsConnectionForTheNextCall() throws Exception {
        upstream.on(PATH, sse(chunk(1, "a"), USAGE, DONE));
        stream(call());
        stream(call());
        assertThat(upstream.take().remote()).isEqualTo(upstream.take().remote());
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
