package dev.atrium.history;

import static dev.atrium.history.HistoryRecordingTest.msg;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * POOL-LEAK: 32 client threads alternate between two workspaces over a Hikari pool of 4
 * connections while a fifth of the requests are abandoned mid-way (the client resets the socket
 * before or while the answer is written, or gives up after a few milliseconds). A request that
 * leaves a connection in a bad state (an open transaction, a session setting, an unread result)
 * would hand the next request of the other workspace its data: no response, complete or partial,
 * may ever contain the other workspace's id, marker word or conversation ids.
 *
 * <p>{@value #DEFAULT_REQUESTS} requests by default; {@code -Datrium.heavy=true} runs the full
 * 100,000 (or {@code -Datrium.pool-leak.requests=N}).
 */
@IntegrationTest
@TestPropertySource(
        properties = {
            "atrium.database.pool-size=4",
            "atrium.providers.demo.token-delay=PT0.001S",
            "atrium.login.free-failures-per-address=100000"
        })
class HistoryPoolLeakTest {
    static final int DEFAULT_REQUESTS = 6_000;
    static final int THREADS = 32;
    static final int SEEDED = 12;

    @Autowired
    Fixtures fixtures;

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    /** One side of the test: a workspace, its key, its marker word and conversations. */
    record Side(String org, String ws, String key, String marker, List<String> conversations) {}

    @Test
    void noResponseEverCarriesTheOtherWorkspacesData() throws Exception {
        int total = Integer.getInteger(
                "atrium.pool-leak.requests", Boolean.getBoolean("atrium.heavy") ? 100_000 : DEFAULT_REQUESTS);
        var t = fixtures.tenant("Pool Leak");
        var owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000000"))
                        .status())
                .isEqualTo(201);
        Side a = side(t, fixtures.workspace(t, "Client A"), "aardvarkalpha");
        Side b = side(t, fixtures.workspace(t, "Client B"), "bisonbravo");
        Side[] sides = {a, b};

        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        int port =
                Integer.parseInt(fixtures.baseUrl().substring(fixtures.baseUrl().lastIndexOf(':') + 1));
        AtomicLong issued = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong abandoned = new AtomicLong();
        ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int thread = 0; thread < THREADS; thread++) {
            int th = thread;
            futures.add(pool.submit(() -> {
                var random = ThreadLocalRandom.current();
                for (long n = issued.getAndIncrement(); n < total; n = issued.getAndIncrement()) {
                    Side own = sides[(int) ((n + th) & 1)];
                    Side other = own == a ? b : a;
                    Call call = call(t, own, random.nextInt(100));
                    try {
                        String body;
                        if (random.nextInt(100) < 20) {
                            body = abandon(http, port, call, random);
                            abandoned.incrementAndGet();
                        } else {
                            var r = http.send(request(call).build(), HttpResponse.BodyHandlers.ofString());
                            body = r.body();
                            if (r.statusCode() != 200) failures.add(call.path + " " + r.statusCode() + " " + body);
                            else if (!call.expect.isEmpty() && !body.contains(call.expect(own))) {
                                failures.add(call.path + " lacks its own data: " + body);
                            }
                            completed.incrementAndGet();
                        }
                        String leak = leak(body, other);
                        if (leak != null) leaks.add(call.path + " of " + own.ws + " carried " + leak + ": " + body);
                    } catch (IOException e) {
                        failures.add(call.path + " " + e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        for (var f : futures) f.get(30, TimeUnit.MINUTES);
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                "POOL-LEAK: %d requests (%d completed, %d abandoned) in %.1f s (%.0f/s), %d leaks, %d failures%n",
                completed.get() + abandoned.get(),
                completed.get(),
                abandoned.get(),
                seconds,
                (completed.get() + abandoned.get()) / seconds,
                leaks.size(),
                failures.size());

        assertThat(leaks).as("responses carrying the other workspace's data").isEmpty();
        // Failures first: a request that failed is also missing from the count, and this says why.
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(completed.get() + abandoned.get()).isGreaterThanOrEqualTo(total);
        assertThat(abandoned.get()).isGreaterThan(total / 10);

        // Every connection went back to the pool clean: none left inside a transaction.
        var hikari = dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> hikari.getActiveConnections() == 0);
        // Background work (the settlement writer, lease upkeep) runs short transactions of its own: a
        // connection left inside a transaction stays there, one of those ends within moments.
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                                + " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")
                                        .query(Long.class)
                                        .single())
                        .isZero());
        // And each side still reads exactly its own history.
        for (Side s : sides) {
            var list = fixtures.api().as(s.key).get(t.ws(s.ws) + "/conversations?q=harbour&limit=100");
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.json()
                            .path("data")
                            .valueStream()
                            .map(c -> c.path("id").asString()))
                    .containsExactlyInAnyOrderElementsOf(s.conversations);
        }
    }

    private Side side(Fixtures.Tenant t, String ws, String marker) {
        String key = fixtures.workspaceKey(t, ws);
        var api = fixtures.api().as(key);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SEEDED; i++) {
            var r = api.post(
                    "/v1/chat/completions",
                    Map.of(
                            "model",
                            "demo/chat",
                            "messages",
                            List.of(msg("user", "Notes " + i + " about the harbour from " + marker))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            ids.add(r.header("x-atrium-conversation-id"));
        }
        return new Side(t.orgId(), ws, key, marker, List.copyOf(ids));
    }

    /** A request of one side and, when it completes, a word its body must contain (its own data). */
    record Call(String method, String path, String key, String body, String expect) {
        String expect(Side own) {
            return expect.equals("marker") ? own.marker : expect.equals("ws") ? own.ws : expect;
        }
    }

    /** Mostly cheap history reads and searches; some gateway chats, half of them streamed. */
    private static Call call(Fixtures.Tenant t, Side own, int dice) {
        String base = t.ws(own.ws);
        var random = ThreadLocalRandom.current();
        String conversation = own.conversations.get(random.nextInt(own.conversations.size()));
        if (dice < 30) return new Call("GET", base + "/conversations?limit=20", own.key, "", "ws");
        if (dice < 55) return new Call("GET", base + "/conversations?q=harbour&limit=5", own.key, "", "marker");
        if (dice < 75) return new Call("GET", base + "/conversations/" + conversation, own.key, "", "marker");
        if (dice < 88) return new Call("GET", base + "/activities?limit=10", own.key, "", "");
        boolean stream = dice % 2 == 0;
        String body = "{\"model\":\"demo/chat\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Quick question from " + own.marker + " "
                + random.nextInt(1_000_000) + "\"}]}";
        // A stream splits words across events: it must end, and carry nothing of the other side.
        return new Call("POST", "/v1/chat/completions", own.key, body, stream ? "[DONE]" : "marker");
    }

    private HttpRequest.Builder request(Call c) {
        var b = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + c.path))
                .header("Authorization", "Bearer " + c.key)
                .timeout(Duration.ofSeconds(60));
        if (c.method.equals("POST")) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(c.body));
        } else {
            b.GET();
        }
        return b;
    }

    /**
     * Abandons the request mid-way in one of three ways; returns whatever part of the answer was
     * read, which must not leak either.
     */
    private String abandon(HttpClient http, int port, Call c, ThreadLocalRandom random)
            throws IOException, InterruptedException {
        int how = random.nextInt(3);
        if (how == 0) {
            // The client gives up after a few milliseconds.
            try {
                var r = http.send(
                        request(c)
                                .timeout(Duration.ofMillis(1 + random.nextInt(15)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.body();
            } catch (HttpTimeoutException e) {
                return "";
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoLinger(true, 0); // close() resets the connection
            socket.setSoTimeout(30_000);
            byte[] body = c.body.getBytes(StandardCharsets.UTF_8);
            String head = c.method + " " + c.path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + c.key
                    + "\r\nConnection: close\r\n"
                    + (c.method.equals("POST")
                            ? "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                            : "")
                    + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (how == 1) return ""; // reset before any answer
            // Read part of the answer (for a stream: the first events), then reset.
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[1 + random.nextInt(400)];
            int read = in.readNBytes(buf, 0, buf.length);
            return new String(buf, 0, Math.max(read, 0), StandardCharsets.UTF_8);
        }
    }

    /** What of the other side a body carries, or null. */
    private static String leak(String body, Side other) {
        if (body.contains(other.ws)) return "its workspace id";
        if (body.contains(other.marker)) return "its marker word";
        for (String id : other.conversations) if (body.contains(id)) return "its conversation " + id;
        return null;
    }
}
