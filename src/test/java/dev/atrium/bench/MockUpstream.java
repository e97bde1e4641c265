package dev.atrium.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local OpenAI-compatible upstream: {@code POST /v1/chat/completions} (non-streaming) answers a
 * small completion with usage after a fixed latency. Each request is handled on its own virtual
 * thread, so any number may wait at once.
 *
 * <p>The benchmark tags each request with {@code "user":"bench-<n>"}; the mock records how long it
 * held the request (from its handler starting to its answer being sent), so the client can also
 * subtract the upstream's own time, jitter included, from each request's latency.
 */
final class MockUpstream implements AutoCloseable {
    private static final byte[] USER_TAG = "\"user\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},\
            "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}""".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final long latencyNanos;
    /** Tag → nanoseconds the mock held that request. */
    private final ConcurrentMap<String, Long> served = new ConcurrentHashMap<>();

    private final AtomicLong requests = new AtomicLong();

    MockUpstream(long latencyNanos) throws IOException {
        this.latencyNanos = latencyNanos;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
        server.setExecutor(executor);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    long requests() {
        return requests.get();
    }

    /** How long the mock held the tagged request, or -1 if it has not (yet) answered it; forgets it. */
    long takeServedNanos(String tag) {
        Long nanos = served.remove(tag);
        return nanos == null ? -1 : nanos;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            requests.incrementAndGet();
            String tag = tag(body);
            long wake = start + latencyNanos;
            long left;
            while ((left = wake - System.nanoTime()) > 0) {
                try {
                    Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            // Recorded before the answer leaves, so that it is there when the client reads the answer.
            if (tag != null) served.put(tag, System.nanoTime() - start);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, ANSWER.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ANSWER);
            }
        }
    }

    /** The value of the first {@code "user":"…"} in the body (the benchmark's request tag), or null. */
    private static String tag(byte[] body) {
        outer:
        for (int i = 0; i + USER_TAG.length < body.length; i++) {
            for (int j = 0; j < USER_TAG.length; j++) {
                if (body[i + j] != USER_TAG[j]) continue outer;
            }
            int from = i + USER_TAG.length;
            int to = from;
            while (to < body.length && body[to] != '"') to++;
            return new String(body, from, to - from, StandardCharsets.US_ASCII);
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
