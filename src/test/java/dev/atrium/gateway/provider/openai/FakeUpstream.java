package dev.atrium.gateway.provider.openai;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local OpenAI-compatible server for tests: each path answers with queued responders in order
 * (the last one repeats) and records every request.
 */
final class FakeUpstream implements AutoCloseable {

    /** Writes the response to one request. */
    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange) throws Exception;
    }

    /** A request as received. */
    record Recorded(String method, String path, Headers headers, byte[] body, InetSocketAddress remote) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JsonMapper.shared().readTree(body);
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private static boolean warm;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Deque<Responder>> responders = new ConcurrentHashMap<>();
    private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    FakeUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    FakeUpstream on(String path, Responder... answers) {
        responders.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(answers));
        return this;
    }

    /** The next recorded request (waits a little for it). */
    Recorded take() throws InterruptedException {
        Recorded r = requests.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request reached the fake upstream");
        }
        return r;
    }

    List<Recorded> received() {
        return new ArrayList<>(requests);
    }

    int count() {
        return requests.size();
    }

    /** Sleeps up to {@code duration}, returning early when the server closes. */
    void pause(Duration duration) throws InterruptedException {
        closing.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            requests.add(new Recorded(
                    exchange.getRequestMethod(),
                    path,
                    exchange.getRequestHeaders(),
                    body,
                    exchange.getRemoteAddress()));
            Responder responder;
            Deque<Responder> queue = responders.get(path);
            synchronized (this) {
                responder = queue == null ? null : queue.size() > 1 ? queue.poll() : queue.peek();
            }
            if (responder == null) {
                json(404, "{\"error\":{\"message\":\"no responder for " + path + "\"}}")
                        .respond(exchange);
                return;
            }
            responder.respond(exchange);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    static Responder json(int status, String body) {
        return bytes(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static Responder bytes(int status, String contentType, byte[] body) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    /** An event stream written in the given pieces, each flushed on its own, then ended. */
    static Responder sse(String... pieces) {
        return exchange -> {
            OutputStream out = startSse(exchange);
            for (String piece : pieces) {
                out.write(piece.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
    }

    static OutputStream startSse(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.flush();
        return out;
    }

    static String event(String data) {
        return "data: " + data + "\n\n";
    }

    static String chunk(int i, String content) {
        return event("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\"" + content + "\"},\"finish_reason\":null}],\"n\":" + i + "}");
    }

    /**
     * One call of each kind per JVM before timing-sensitive tests: the first request through a
     * cold HTTP client and server spends a few hundred milliseconds loading classes, which would
     * otherwise count against their short first-byte timeouts.
     */
    static synchronized void warmUp() throws Exception {
        if (warm) {
            return;
        }
        try (var upstream = new FakeUpstream();
                var provider = OpenAiProviderTest.provider(upstream.baseUrl(), "sk-warm")) {
            upstream.on("/v1/chat/completions", json(200, OpenAiProviderTest.COMPLETION));
            provider.chat(OpenAiProviderTest.call(), OpenAiProviderTest.body("{}"));
            upstream.on("/v1/chat/completions", sse(chunk(1, "warm"), "data: [DONE]\n\n"));
            provider.streamChat(OpenAiProviderTest.call(), OpenAiProviderTest.body("{}"), chunk -> {});
        }
        warm = true;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
