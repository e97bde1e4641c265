package dev.atrium.gateway.provider.http;

import dev.atrium.common.OutboundGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.HttpResponseInformationCallback;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * HTTP/1.1 to the providers' upstreams: pooled keep-alive connections, blocking reads on the
 * calling (virtual) thread, the deadlines a call sets enforced as socket read timeouts.
 *
 * <p>Two pools: one for the installation's own endpoints and one for the endpoints organizations
 * configured ({@code guarded}). The second resolves host names through {@link OutboundGuard}
 * at connection time, so an address the guard forbids is never connected to, even when the name
 * resolved elsewhere when the gateway checked it a moment before (DNS rebinding).
 *
 * <p>The client follows no redirects, keeps no cookies, retries nothing (each provider has its own
 * retries), asks for no compression and leaves bodies as they came.
 */
@Component
public final class UpstreamHttp implements AutoCloseable {
    private static final String CONNECTION = "atrium.upstream.connection";
    private static final int MAX_CONNECTIONS = 4096;
    /** An idle pooled connection older than this is checked (a 1 ms read) before it is used again. */
    private static final TimeValue VALIDATE_AFTER = TimeValue.ofSeconds(2);
    /** Idle connections are closed after this; servers usually drop theirs after 5 to 120 s. */
    private static final TimeValue MAX_IDLE = TimeValue.ofSeconds(30);

    private final OutboundGuard guard;
    private final CloseableHttpClient trusted;
    private volatile @Nullable CloseableHttpClient guarded; // made at the first call to an organization's endpoint

    /** Why a request got no response. */
    public enum Failure {
        /** No connection within the connect timeout. */
        CONNECT_TIMEOUT,
        /** No response headers by the first-byte deadline. */
        NO_RESPONSE,
        /** The guard forbids the address the host name now resolves to. */
        ADDRESS_REFUSED,
        /** Connection refused, reset, unresolvable host, TLS failure and the like. */
        FAILED
    }

    /** A request that got no response, with the reason. */
    public static final class SendFailed extends IOException {
        private static final long serialVersionUID = 1L;
        private final Failure failure;

        SendFailed(Failure failure, String message, @Nullable Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    /** A resolution the guard refused; an {@link UnknownHostException} so that it passes through the client. */
    static final class AddressRefused extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        AddressRefused(String host, String why) {
            super(host + " " + why);
        }
    }

    @Autowired
    public UpstreamHttp(OutboundGuard guard) {
        this.guard = guard;
        this.trusted = client(SystemDefaultDnsResolver.INSTANCE);
    }

    private CloseableHttpClient guarded() {
        CloseableHttpClient client = guarded;
        if (client == null) {
            synchronized (this) {
                client = guarded;
                if (client == null) {
                    guarded = client = client(new GuardedResolver(guard));
                }
            }
        }
        return client;
    }

    /** The requests one call sends: where, with which headers and body, and its timeouts. */
    public record Request(
            String method,
            URI uri,
            boolean guarded,
            List<String> headers,
            byte @Nullable [] body,
            Duration connectTimeout,
            long firstByteDeadline) {

        /** A {@code POST} of {@code body}; {@code headers} are name, value, name, value … */
        public static Request post(
                URI uri,
                boolean guarded,
                byte[] body,
                Duration connectTimeout,
                long firstByteDeadline,
                String... headers) {
            return new Request("POST", uri, guarded, List.of(headers), body, connectTimeout, firstByteDeadline);
        }

        /** A {@code GET}. */
        public static Request get(URI uri, boolean guarded, Duration connectTimeout, long firstByteDeadline) {
            return new Request("GET", uri, guarded, List.of(), null, connectTimeout, firstByteDeadline);
        }
    }

    /**
     * Sends the request and waits for the response headers until its first-byte deadline (a
     * {@link System#nanoTime()}); the body is left to read from the returned exchange.
     *
     * @throws IllegalArgumentException when a header value could split the request (CR, LF, …)
     * @throws SendFailed when no response came
     */
    public Exchange send(Request request) throws SendFailed {
        HttpUriRequestBase http =
                request.method().equals("GET") ? new HttpGet(request.uri()) : new HttpPost(request.uri());
        List<String> headers = request.headers();
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            http.addHeader(headers.get(i), valid(headers.get(i + 1)));
        }
        if (request.body() != null) {
            http.setEntity(new ByteArrayEntity(request.body(), null));
        }
        long left = request.firstByteDeadline() - System.nanoTime();
        if (left <= 0) {
            throw new SendFailed(Failure.NO_RESPONSE, "no time left before the first-byte deadline", null);
        }
        Timeout untilFirstByte = Timeout.of(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), TimeUnit.MILLISECONDS);
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(config(request.connectTimeout(), untilFirstByte));
        CloseableHttpResponse response;
        try {
            response = (request.guarded() ? guarded() : trusted).execute(http, context);
        } catch (AddressRefused e) {
            throw new SendFailed(Failure.ADDRESS_REFUSED, e.getMessage(), e);
        } catch (ConnectTimeoutException e) {
            throw new SendFailed(
                    Failure.CONNECT_TIMEOUT,
                    "no connection within " + request.connectTimeout().toMillis() + " ms",
                    e);
        } catch (SocketTimeoutException e) {
            throw new SendFailed(Failure.NO_RESPONSE, "no response within the first-byte timeout", e);
        } catch (IOException e) {
            throw new SendFailed(Failure.FAILED, e.toString(), e);
        }
        return new Exchange(http, response, (HttpClientConnection) context.getAttribute(CONNECTION));
    }

    @SuppressWarnings("deprecation") // the per-request connect timeout is still honoured, and the only per-call one
    private static RequestConfig config(Duration connectTimeout, Timeout untilFirstByte) {
        RequestConfig.Builder config = RequestConfig.custom()
                .setResponseTimeout(untilFirstByte)
                .setConnectionRequestTimeout(untilFirstByte)
                .setRedirectsEnabled(false)
                .setContentCompressionEnabled(false)
                .setProtocolUpgradeEnabled(false)
                .setAuthenticationEnabled(false)
                .setDefaultKeepAlive(MAX_IDLE.toMilliseconds(), TimeUnit.MILLISECONDS);
        if (connectTimeout.isPositive()) {
            config.setConnectTimeout(Timeout.of(connectTimeout));
        }
        return config.build();
    }

    /**
     * A response whose body is read on the calling thread. Reads time out per the exchange's current
     * read policy: by an absolute deadline ({@link #readBy}) or within an idle time of the previous
     * bytes ({@link #idleTimeout}). Closing it after the body's end returns the connection to the
     * pool; before that (a cut stream, a body too large, a client gone) it drops the connection.
     */
    public static final class Exchange implements AutoCloseable {
        private final HttpUriRequestBase request;
        private final CloseableHttpResponse response;
        private final TimedBody body;
        private boolean closed;

        Exchange(HttpUriRequestBase request, CloseableHttpResponse response, @Nullable HttpClientConnection connection)
                throws SendFailed {
            this.request = request;
            this.response = response;
            HttpEntity entity = response.getEntity();
            InputStream content;
            try {
                content = entity == null ? InputStream.nullInputStream() : entity.getContent();
            } catch (IOException e) {
                close();
                throw new SendFailed(Failure.FAILED, e.toString(), e);
            }
            this.body = new TimedBody(content, connection);
        }

        public int status() {
            return response.getCode();
        }

        /** The first value of the header, or an empty string. */
        public String header(String name) {
            Header header = response.getFirstHeader(name);
            return header == null || header.getValue() == null ? "" : header.getValue();
        }

        /** The body; read it on the thread that sent the request. */
        public InputStream body() {
            return body;
        }

        /** From now on, each read must see bytes within {@code idle} of the previous ones. */
        public void idleTimeout(Duration idle) {
            body.idle(idle);
        }

        /** From now on, reads must see their bytes by {@code deadline} (a {@link System#nanoTime()}). */
        public void readBy(long deadline) {
            body.deadline(deadline);
        }

        /** Whether the body was read to its end (the connection is then back in the pool). */
        public boolean ended() {
            return body.ended;
        }

        /**
         * The whole body, up to {@code maxBytes}; longer bodies throw {@link TooLarge}. Sized from
         * {@code Content-Length} when the server sent one.
         */
        public byte[] readAll(int maxBytes) throws IOException {
            HttpEntity entity = response.getEntity();
            long length = entity == null ? 0 : entity.getContentLength();
            if (length > maxBytes) {
                throw new TooLarge(maxBytes);
            }
            byte[] out = new byte[length >= 0 ? (int) length : Math.min(8192, maxBytes)];
            int size = 0;
            while (true) {
                if (size == out.length) {
                    if (length >= 0) {
                        // all the announced bytes are here: the next read sees the end (and releases)
                        if (body.read() < 0) {
                            return out;
                        }
                        throw new IOException("the body is longer than its Content-Length");
                    }
                    if (size >= maxBytes) {
                        if (body.read() < 0) {
                            return out;
                        }
                        throw new TooLarge(maxBytes);
                    }
                    out = Arrays.copyOf(out, (int) Math.min((long) maxBytes, 2L * out.length));
                }
                int n = body.read(out, size, out.length - size);
                if (n < 0) {
                    if (length >= 0 && size < length) {
                        throw new IOException("the body ended after " + size + " of " + length + " bytes");
                    }
                    return size == out.length ? out : Arrays.copyOf(out, size);
                }
                size += n;
            }
        }

        /** The body's start, at most {@code maxBytes}; what could not be read is left out. */
        public byte[] readStart(int maxBytes) {
            byte[] out = new byte[Math.min(maxBytes, 8192)];
            int size = 0;
            try {
                int n;
                while (size < maxBytes) {
                    if (size == out.length) {
                        out = Arrays.copyOf(out, Math.min(maxBytes, 2 * out.length));
                    }
                    if ((n = body.read(out, size, out.length - size)) < 0) {
                        break;
                    }
                    size += n;
                }
            } catch (IOException e) {
                // the start that arrived is still worth showing
            }
            return Arrays.copyOf(out, size);
        }

        /** Returns the connection to the pool after a complete body; drops it otherwise. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (body == null || !body.ended) {
                // Closing the content stream would read the rest of the body (possibly endless) to
                // keep the connection; cancelling closes the socket at once and discards it.
                request.cancel();
                response.close(CloseMode.IMMEDIATE);
                return;
            }
            try {
                response.close();
            } catch (IOException e) {
                // the body is complete; a failed close only costs the connection
            }
        }
    }

    /** A body longer than allowed. */
    public static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(int maxBytes) {
            super("the body is larger than " + maxBytes + " bytes");
        }
    }

    /**
     * The response body with a timeout on every read that reaches the socket: in deadline mode the
     * time left until the deadline (set before each such read), in idle mode a fixed timeout (set
     * once). Reads served from the connection's buffer take no time and change nothing.
     */
    private static final class TimedBody extends InputStream {
        private final InputStream in;
        private final @Nullable HttpClientConnection connection;
        private long deadline;
        private boolean byDeadline;
        private volatile boolean ended;

        TimedBody(InputStream in, @Nullable HttpClientConnection connection) {
            this.in = in;
            this.connection = connection;
        }

        void idle(Duration idle) {
            byDeadline = false;
            if (connection != null) {
                connection.setSocketTimeout(Timeout.of(Math.max(1, idle.toMillis()), TimeUnit.MILLISECONDS));
            }
        }

        void deadline(long nanoDeadline) {
            byDeadline = true;
            deadline = nanoDeadline;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (byDeadline && connection != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("read deadline passed");
                }
                connection.setSocketTimeout(
                        Timeout.of(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), TimeUnit.MILLISECONDS));
            }
            int n = in.read(b, off, len);
            if (n < 0) {
                ended = true;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return ended ? 0 : in.available();
        }

        @Override
        public void close() {
            // the exchange decides between pooling and dropping the connection
        }
    }

    /**
     * Header values go on the wire as they are: nothing that could end the header line.
     *
     * @throws IllegalArgumentException (without quoting the value, which may be a key)
     */
    public static String valid(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("invalid character in a header value");
            }
        }
        return value;
    }

    /** Resolves through the guard: a host whose addresses include a forbidden one is not connected to. */
    private record GuardedResolver(OutboundGuard guard) implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            try {
                return guard.addressesFor(host);
            } catch (OutboundGuard.Refused e) {
                throw new AddressRefused(host, e.getMessage());
            }
        }

        @Override
        public String resolveCanonicalHostname(String host) throws UnknownHostException {
            return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
        }
    }

    /** Records the connection a request went out on, so that its body reads can be given timeouts. */
    private static final class RecordingExecutor extends HttpRequestExecutor {
        @Override
        public ClassicHttpResponse execute(
                ClassicHttpRequest request,
                HttpClientConnection connection,
                @Nullable HttpResponseInformationCallback informationCallback,
                HttpContext context)
                throws IOException, HttpException {
            context.setAttribute(CONNECTION, connection);
            return super.execute(request, connection, informationCallback, context);
        }
    }

    private static CloseableHttpClient client(DnsResolver resolver) {
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(resolver)
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setConnPoolPolicy(PoolReusePolicy.LIFO)
                .setMaxConnPerRoute(MAX_CONNECTIONS)
                .setMaxConnTotal(MAX_CONNECTIONS)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setValidateAfterInactivity(VALIDATE_AFTER)
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setRequestExecutor(new RecordingExecutor())
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableAuthCaching()
                .disableConnectionState()
                .setUserAgent("Atrium")
                .evictIdleConnections(MAX_IDLE)
                .evictExpiredConnections()
                .build();
    }

    @Override
    public void close() {
        trusted.close(CloseMode.GRACEFUL);
        CloseableHttpClient client = guarded;
        if (client != null) {
            client.close(CloseMode.GRACEFUL);
        }
    }
}
