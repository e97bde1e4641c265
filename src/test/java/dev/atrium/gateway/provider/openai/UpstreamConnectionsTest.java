package dev.atrium.gateway.provider.openai;

import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.COMPLETION;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.JSON;
import static dev.atrium.gateway.provider.openai.OpenAiProviderTest.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the upstream sees of the provider's connections: a raw HTTP/1.1 server that counts the
 * sockets it accepts and notices when a client drops one.
 */
class UpstreamConnectionsTest {
    static final String PATH = "/v1/chat/completions";

    RawServer server;
    OpenAiProvider provider;

    @BeforeEach
    void start() throws IOException {
        server = new RawServer();
        provider = new OpenAiProvider(JSON, server.baseUrl("127.0.0.1"), "sk-test", 1, Duration.ofMillis(10));
    }

    @AfterEach
    void stop() throws IOException {
        provider.close();
        server.close();
    }

    static ProviderCall call(String baseUrl) {
        return new ProviderCall(
                "gpt-up",
                baseUrl == null ? null : "",
                baseUrl,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1));
    }

    @Test
    void sequentialCallsShareOnePooledConnection() {
        server.answer(RawServer::completion);

        for (int i = 0; i < 20; i++) {
            assertThat(provider.chat(call(null), body("{\"messages\":[]}"))
                            .path("id")
                            .stringValue())
                    .isEqualTo("chatcmpl-1");
        }

        assertThat(server.accepted()).isEqualTo(1);
        assertThat(server.requests()).isEqualTo(20);
    }

    @Test
    void concurrentCallsOnVirtualThreadsOpenNoMoreConnectionsThanCallsInFlight() throws Exception {
        server.answer(RawServer::completion);
        int threads = 32;
        int callsEach = 20;
        var ok = new AtomicInteger();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                executor.submit(() -> {
                    for (int i = 0; i < callsEach; i++) {
                        provider.chat(call(null), body("{\"messages\":[]}"));
                        ok.incrementAndGet();
                    }
                    return null;
                });
            }
        }

        assertThat(ok.get()).isEqualTo(threads * callsEach);
        assertThat(server.requests()).isEqualTo(threads * callsEach);
        assertThat(server.accepted()).isBetween(1, threads);
    }

    @Test
    void aStreamCutByTheClientDropsItsConnectionInsteadOfPoolingIt() throws Exception {
        server.answer(RawServer::endlessStream);
        var gone = new IllegalStateException("client disconnected");
        var seen = new AtomicInteger();

        assertThatThrownBy(() -> provider.streamChat(call(null), body("{\"messages\":[]}"), chunk -> {
                    if (seen.incrementAndGet() == 2) {
                        throw gone;
                    }
                }))
                .isSameAs(gone);

        assertThat(server.dropped.await(5, TimeUnit.SECONDS))
                .as("the upstream saw its connection closed")
                .isTrue();
        server.answer(RawServer::completion);
        provider.chat(call(null), body("{\"messages\":[]}"));
        assertThat(server.accepted())
                .as("the next call needed a new connection")
                .isEqualTo(2);
    }

    @Test
    void aNameThatResolvesToAForbiddenAddressAtConnectionTimeIsNotConnectedTo() throws Exception {
        server.answer(RawServer::completion);
        // The name resolves to a public address when the gateway checks it, then to loopback (rebinding).
        var resolutions = new AtomicInteger();
        OutboundGuard.Resolver rebinding = host -> resolutions.getAndIncrement() == 0
                ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 216, 34})}
                : new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        var guard = new OutboundGuard(false, List.of(), rebinding);
        String baseUrl = server.baseUrl("localhost");
        guard.check(URI.create(baseUrl)); // as Providers.call does before the call

        try (var guarded = new OpenAiProvider(JSON, guard, "https://api.openai.com/v1", "", 1, Duration.ofMillis(10))) {
            assertThatThrownBy(() -> guarded.chat(call(baseUrl), body("{\"messages\":[]}")))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("refused")
                    .hasMessageContaining("127.0.0.1")
                    .satisfies(
                            e -> assertThat(((ProviderException) e).retryable()).isFalse());
        }
        assertThat(server.accepted()).as("no connection reached the server").isZero();

        // The same call to a host the operator allowed goes through: the server is reachable.
        var allowed = new OutboundGuard(false, List.of("localhost"), rebinding);
        try (var guarded =
                new OpenAiProvider(JSON, allowed, "https://api.openai.com/v1", "", 1, Duration.ofMillis(10))) {
            guarded.chat(call(baseUrl), body("{\"messages\":[]}"));
        }
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void theInstallationsOwnEndpointIsNotSubjectToTheGuard() {
        server.answer(RawServer::completion);
        var refuseAll =
                new OutboundGuard(false, List.of(), host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        try (var configured =
                new OpenAiProvider(JSON, refuseAll, server.baseUrl("127.0.0.1"), "", 1, Duration.ofMillis(10))) {
            configured.chat(call(null), body("{\"messages\":[]}"));
        }
        assertThat(server.accepted()).isEqualTo(1);
    }

    /** HTTP/1.1 over plain sockets: keep-alive, a count of accepted connections, a latch for dropped ones. */
    static final class RawServer implements AutoCloseable {
        @FunctionalInterface
        interface Answer {
            void write(OutputStream out, RawServer server) throws IOException;
        }

        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final CountDownLatch dropped = new CountDownLatch(1);
        final AtomicReference<Answer> answer = new AtomicReference<>();
        final Thread acceptor;

        RawServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        String baseUrl(String host) {
            return "http://" + host + ":" + socket.getLocalPort() + "/v1";
        }

        void answer(Answer a) {
            answer.set(a);
        }

        int accepted() {
            return accepted.get();
        }

        int requests() {
            return requests.get();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = head(in);
                    if (head == null) {
                        return; // the client closed the connection
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    in.readNBytes(length);
                    requests.incrementAndGet();
                    answer.get().write(out, this);
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String head(InputStream in) throws IOException {
            var head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                int n = head.size();
                byte[] bytes = head.toByteArray();
                if (n >= 4
                        && bytes[n - 4] == '\r'
                        && bytes[n - 3] == '\n'
                        && bytes[n - 2] == '\r'
                        && bytes[n - 1] == '\n') {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        static void completion(OutputStream out, RawServer server) throws IOException {
            byte[] body = COMPLETION.getBytes(StandardCharsets.UTF_8);
            out.write(
                    ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
        }

        /** Chunks every 10 ms until the client drops the connection. */
        static void endlessStream(OutputStream out, RawServer server) throws IOException {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                for (int i = 1; ; i++) {
                    byte[] event = FakeUpstream.chunk(i, "x").getBytes(StandardCharsets.UTF_8);
                    out.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(event);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                server.dropped.countDown();
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
