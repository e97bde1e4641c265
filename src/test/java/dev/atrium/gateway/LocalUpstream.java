package dev.atrium.gateway;

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
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real local HTTP server standing in for a provider (OpenAI-compatible or Anthropic), shared by
 * the gateway's end-to-end tests for the life of the JVM (the Spring context that points at it is
 * cached too). Every request is recorded. Each path has a default responder; a test scripts its own
 * answers for requests that carry a unique tag in their body (a prompt, a message), so that tests
 * and concurrent requests do not see each other's scripts. Scripted answers are used in order, the
 * last one repeating (as retries would see them).
 */
final class LocalUpstream implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Writes the answer to one request. Throwing {@link Cut} drops the connection mid-answer. */
    @FunctionalInterface
    interface Responder {
        void respond(Request request, HttpExchange exchange) throws Exception;
    }

    /** Thrown by a responder to drop the connection without ending the response properly. */
    static final class Cut extends IOException {
        private static final long serialVersionUID = 1L;

        Cut() {
            super("connection dropped by the fake upstream");
        }
    }

    /** A request as received. */
    record Request(String method, String path, Headers headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        String header(String name) {
            return headers.getFirst(name);
        }

        boolean mentions(String tag) {
            return text().contains(tag);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Responder> defaults = new ConcurrentHashMap<>();
    private final Map<String, Deque<Responder>> scripts = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    LocalUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:port}. */
    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    LocalUpstream route(String path, Responder responder) {
        defaults.put(path, responder);
        return this;
    }

    /** Answers for the requests whose body contains {@code tag}, in order; the last repeats. */
    LocalUpstream script(String tag, Responder... answers) {
        scripts.computeIfAbsent(tag, t -> new ArrayDeque<>()).addAll(List.of(answers));
        return this;
    }

    /** The requests received whose body contains {@code tag}. */
    List<Request> requestsWith(String tag) {
        return requests.stream().filter(r -> r.mentions(tag)).toList();
    }

    /** Sleeps up to {@code duration}, returning early when the server closes. */
    void pause(Duration duration) throws InterruptedException {
        closing.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Request request = new Request(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders(),
                exchange.getRequestBody().readAllBytes());
        requests.add(request);
        Responder responder = scripted(request);
        if (responder == null) responder = defaults.get(request.path());
        if (responder == null) {
            responder = json(404, "{\"error\":{\"message\":\"no route for " + request.path() + "\"}}");
        }
        try {
            responder.respond(request, exchange);
        } catch (Cut cut) {
            throw cut; // the server closes the connection without finishing the response
        } catch (IOException e) {
            // the client went away while we were writing
        } catch (Exception e) {
            throw new IOException(e);
        }
        exchange.close();
    }

    private Responder scripted(Request request) {
        String text = request.text();
        for (var e : scripts.entrySet()) {
            if (text.contains(e.getKey())) {
                Deque<Responder> queue = e.getValue();
                synchronized (queue) {
                    return queue.size() > 1 ? queue.poll() : queue.peek();
                }
            }
        }
        return null;
    }

    static Responder json(int status, String body) {
        return bytes(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static Responder bytes(int status, String contentType, byte[] body) {
        return (request, exchange) -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    /** Starts an event stream: status 200 and its headers, flushed. */
    static OutputStream startSse(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.flush();
        return out;
    }

    static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
