package dev.atrium.gateway.provider.anthropic;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atrium.gateway.provider.ProviderCall;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local HTTP server speaking Anthropic's Messages wire format: it records every request and
 * answers with the replies scripted for it, in order (JSON bodies, SSE streams, delays, cuts).
 */
final class FakeAnthropic implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final long CREATED = 1_700_000_000L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(CREATED), ZoneOffset.UTC);
    static final String MODEL = "claude-sonnet-4-5";

    /** One request as the server received it. */
    record Received(String method, String path, Headers headers, JsonNode body) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** Writes one answer. */
    @FunctionalInterface
    interface Reply {
        void write(HttpExchange exchange) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
    final List<Received> requests = new CopyOnWriteArrayList<>();

    FakeAnthropic() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeAnthropic reply(Reply... scripted) {
        replies.addAll(List.of(scripted));
        return this;
    }

    /** A provider whose configured base URL is this server, with fast retries. */
    AnthropicProvider provider(int maxAttempts) {
        return new AnthropicProvider(
                new AnthropicSettings(baseUrl(), "sk-ant-test", "2023-06-01", 4096, maxAttempts, Duration.ofMillis(5)),
                CLOCK);
    }

    AnthropicProvider provider() {
        return provider(3);
    }

    static ProviderCall call() {
        return timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    static ProviderCall timeouts(Duration firstByte, Duration idle) {
        return new ProviderCall(MODEL, null, null, Duration.ofSeconds(2), firstByte, idle);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders(),
                    body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body)));
            Reply reply = replies.poll();
            if (reply == null) {
                json(500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"no reply scripted\"}}")
                        .write(exchange);
                return;
            }
            reply.write(exchange);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    static Reply json(int status, String body) {
        return json(status, body, new String[0]);
    }

    static Reply json(int status, String body, String... headerPairs) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            for (int i = 0; i + 1 < headerPairs.length; i += 2) {
                exchange.getResponseHeaders().set(headerPairs[i], headerPairs[i + 1]);
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    static Reply error(int status, String type, String message) {
        return json(status, errorJson(type, message));
    }

    static String errorJson(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}";
    }

    /** An SSE stream of the given events, flushed one by one, then the end of the body. */
    static Reply sse(String... events) {
        return exchange -> {
            OutputStream out = startSse(exchange);
            for (String event : events) {
                send(out, event);
            }
        };
    }

    static OutputStream startSse(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.getResponseHeaders().set("cache-control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void send(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One SSE event as Anthropic writes it: the event name, and the same name as the data's type. */
    static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    static String messageStart(String id, int inputTokens) {
        return event(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id
                        + "\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":" + inputTokens + ",\"output_tokens\":1}}}");
    }

    static String textStart(int index) {
        return event(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":" + index
                        + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    static String textDelta(int index, String text) {
        return event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"text_delta\",\"text\":"
                        + JSON.writeValueAsString(text) + "}}");
    }

    static String blockStop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    static String messageDelta(String stopReason, int outputTokens) {
        return event(
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                        + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
    }

    static String messageStop() {
        return event("message_stop", "{\"type\":\"message_stop\"}");
    }

    static String ping() {
        return event("ping", "{\"type\":\"ping\"}");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
