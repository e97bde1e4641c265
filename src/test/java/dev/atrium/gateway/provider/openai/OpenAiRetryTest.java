package dev.atrium.gateway.provider.openai;

import static dev.atrium.gateway.provider.openai.FakeUpstream.json;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.COMPLETION;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.body;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiRetryTest {
    static final String PATH = "/v1/chat/completions";
    FakeUpstream upstream;
    OpenAiProvider provider;

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

    @Test
    void rateLimitedAndUnavailableAnswersAreRetriedUntilSuccess() {
        upstream.on(
                PATH,
                json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}"),
                json(503, "{\"error\":{\"message\":\"overloaded\"}}"),
                json(200, COMPLETION));

        var response = provider.chat(call(), body("{\"messages\":[]}"));

        assertThat(response.path("usage").path("total_tokens").intValue()).isEqualTo(11);
        assertThat(upstream.count()).isEqualTo(3);
    }

    @Test
    void aBadRequestIsNotRetriedAndCarriesTheUpstreamError() {
        String error = "{\"error\":{\"message\":\"Unknown parameter: 'foo'.\",\"type\":\"invalid_request_error\"}}";
        upstream.on(PATH, json(400, error));

        var e = catchThrowableOfType(ProviderException.class, () -> provider.chat(call(), body("{\"foo\":1}")));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.retryable()).isFalse();
        assertThat(e.upstreamBody()).isEqualTo(error);
        assertThat(e.getMessage()).contains("400").contains("Unknown parameter: 'foo'.");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void retriesStopAfterTheConfiguredAttemptsWithTheLastStatus() {
        upstream.on(PATH, json(500, "{\"error\":{\"message\":\"boom\"}}"), json(502, "bad gateway"));

        var e = catchThrowableOfType(ProviderException.class, () -> provider.chat(call(), body("{}")));

        assertThat(e.status()).isEqualTo(502);
        assertThat(e.retryable()).isTrue();
        assertThat(e.upstreamBody()).isEqualTo("bad gateway");
        assertThat(upstream.count()).isEqualTo(3);
    }

    @Test
    void aRefusedConnectionIsRetriedThenFailsWithStatusZero() throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (var nowhere = new OpenAiProvider(
                OpenAiProviderTest.JSON, "http://127.0.0.1:" + closedPort + "/v1", "", 3, Duration.ofMillis(50))) {
            long start = System.nanoTime();

            var e = catchThrowableOfType(ProviderException.class, () -> nowhere.chat(call(), body("{}")));

            assertThat(e.status()).isZero();
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("unreachable");
            // two pauses between three attempts: 50 ms then 100 ms
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
    }

    @Test
    void noResponseWithinTheFirstByteTimeoutIsRetriedThenFails() {
        upstream.on(PATH, exchange -> upstream.pause(Duration.ofSeconds(10)));
        var call = new ProviderCall(
                "gpt-up", null, null, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(1));
        long start = System.nanoTime();

        var e = catchThrowableOfType(ProviderException.class, () -> provider.chat(call, body("{}")));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(e.status()).isZero();
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("first-byte");
        assertThat(upstream.count()).isEqualTo(3);
    }

    @Test
    void aSlowResponseThatArrivesInTimeSucceedsAfterATimedOutAttempt() {
        upstream.on(PATH, exchange -> upstream.pause(Duration.ofSeconds(10)), json(200, COMPLETION));
        var call = new ProviderCall(
                "gpt-up", null, null, Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(1));

        var response = provider.chat(call, body("{}"));

        assertThat(response.path("id").stringValue()).isEqualTo("chatcmpl-1");
        assertThat(upstream.count()).isEqualTo(2);
    }

    @Test
    void aResponseBodyThatStallsHalfwayIsRetried() {
        byte[] completion = COMPLETION.getBytes(StandardCharsets.UTF_8);
        upstream.on(
                PATH,
                exchange -> {
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, completion.length);
                    exchange.getResponseBody().write(completion, 0, completion.length / 2);
                    exchange.getResponseBody().flush();
                    upstream.pause(Duration.ofSeconds(10));
                },
                json(200, COMPLETION));
        var call = new ProviderCall(
                "gpt-up", null, null, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(200));

        var response = provider.chat(call, body("{}"));

        assertThat(response.path("id").stringValue()).isEqualTo("chatcmpl-1");
        assertThat(upstream.count()).isEqualTo(2);
    }

    @Test
    void aBodyThatIsNotJsonIsAnErrorThatIsNotRetried() {
        upstream.on(PATH, FakeUpstream.bytes(200, "text/html", "<html>proxy login</html>".getBytes()));
        var e = catchThrowableOfType(ProviderException.class, () -> provider.chat(call(), body("{}")));
        assertThat(e.retryable()).isFalse();
        assertThat(e.upstreamBody()).contains("proxy login");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void backoffDoublesPerAttempt() {
        var retries = new Retries(5, Duration.ofMillis(100));
        assertThat(retries.delayAfter(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(120));
        assertThat(retries.delayAfter(2)).isBetween(Duration.ofMillis(200), Duration.ofMillis(240));
        assertThat(retries.delayAfter(3)).isBetween(Duration.ofMillis(400), Duration.ofMillis(480));
        assertThat(retries.delayAfter(60)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
    }
}
