package dev.atrium.gateway.provider.openai;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import dev.atrium.gateway.provider.ProviderException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;

/**
 * HTTP to the upstream: pooled clients, a deadline for the response headers, non-2xx answers and
 * connection failures turned into {@link ProviderException}s.
 *
 * <p>The JDK client takes its connect timeout per client, not per request, so there is one pooled
 * client per distinct connect timeout; configurations use one or two.
 */
final class UpstreamClient implements AutoCloseable {
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

    private final ConcurrentMap<Duration, HttpClient> clients = new ConcurrentHashMap<>();

    /** A 2xx response whose body is still to be read; closing it before the end drops the connection. */
    record Exchange(HttpResponse<?> response, UpstreamBody body) implements AutoCloseable {
        int status() {
            return response.statusCode();
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse("");
        }

        @Override
        public void close() {
            body.close();
        }
    }

    /**
     * Sends {@code request} and waits for the response headers until {@code firstByteDeadline} (a
     * {@link System#nanoTime()}). Connection failures and that timeout are retryable with status 0;
     * a non-2xx answer throws with its status and (the start of) its body.
     */
    Exchange exchange(HttpRequest request, Duration connectTimeout, long firstByteDeadline, Duration idleTimeout) {
        CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> pending =
                client(connectTimeout).sendAsync(request, BodyHandlers.ofPublisher());
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        try {
            response = pending.get(Math.max(0, firstByteDeadline - System.nanoTime()), NANOSECONDS);
        } catch (TimeoutException e) {
            abandon(pending);
            throw new ProviderException(
                    "openai upstream sent no response within the first-byte timeout", 0, true, null, e);
        } catch (InterruptedException e) {
            abandon(pending);
            Thread.currentThread().interrupt();
            throw new ProviderException("interrupted while waiting for the openai upstream", 0, false, null, e);
        } catch (ExecutionException e) {
            throw unreachable(e.getCause() == null ? e : e.getCause(), connectTimeout);
        }
        UpstreamBody body = new UpstreamBody();
        response.body().subscribe(body);
        Exchange exchange = new Exchange(response, body);
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            String text = readError(exchange, idleTimeout);
            throw new ProviderException(
                    "openai upstream answered HTTP " + status + UpstreamErrors.detail(text),
                    status,
                    ProviderException.retryableStatus(status),
                    text,
                    null);
        }
        return exchange;
    }

    /**
     * The whole body, each piece within {@code idleTimeout} of the previous one. Failures are
     * retryable: nothing of a non-streamed response has reached the client before it is read.
     */
    byte[] readAll(Exchange exchange, Duration idleTimeout, int maxBytes) {
        var out = new ByteArrayOutputStream();
        try (exchange) {
            List<ByteBuffer> piece;
            while ((piece = exchange.body().next(System.nanoTime() + idleTimeout.toNanos())) != null) {
                for (ByteBuffer buffer : piece) {
                    if (out.size() + buffer.remaining() > maxBytes) {
                        throw new ProviderException(
                                "openai upstream response is larger than " + maxBytes + " bytes", 0, false, null, null);
                    }
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    out.write(bytes, 0, bytes.length);
                }
            }
        } catch (HttpTimeoutException e) {
            throw new ProviderException(
                    "openai upstream response stalled for more than " + idleTimeout.toMillis() + " ms",
                    0,
                    true,
                    null,
                    e);
        } catch (IOException e) {
            throw new ProviderException(
                    "openai upstream connection failed while reading the response: " + e.getMessage(),
                    0,
                    true,
                    null,
                    e);
        }
        return out.toByteArray();
    }

    private String readError(Exchange exchange, Duration idleTimeout) {
        var out = new ByteArrayOutputStream();
        try (exchange) {
            List<ByteBuffer> piece;
            while (out.size() < MAX_ERROR_BODY_BYTES
                    && (piece = exchange.body().next(System.nanoTime() + idleTimeout.toNanos())) != null) {
                for (ByteBuffer buffer : piece) {
                    int n = Math.min(buffer.remaining(), MAX_ERROR_BODY_BYTES - out.size());
                    byte[] bytes = new byte[n];
                    buffer.get(bytes);
                    out.write(bytes, 0, n);
                }
            }
        } catch (IOException e) {
            // The status says enough; an error body cut short is still worth showing.
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ProviderException unreachable(Throwable cause, Duration connectTimeout) {
        String message = cause instanceof HttpConnectTimeoutException
                ? "openai upstream did not accept a connection within " + connectTimeout.toMillis() + " ms"
                : "openai upstream unreachable: " + cause;
        return new ProviderException(message, 0, true, null, cause);
    }

    /** Cancels a request that timed out; if its response arrived meanwhile, drops it unread. */
    private static void abandon(CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> pending) {
        pending.cancel(true);
        pending.thenAccept(late -> {
            UpstreamBody body = new UpstreamBody();
            body.close();
            late.body().subscribe(body);
        });
    }

    private HttpClient client(Duration connectTimeout) {
        return clients.computeIfAbsent(connectTimeout, timeout -> {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if (timeout.isPositive()) {
                builder.connectTimeout(timeout);
            }
            return builder.build();
        });
    }

    @Override
    public void close() {
        for (HttpClient client : clients.values()) {
            client.shutdown();
        }
        for (HttpClient client : clients.values()) {
            try {
                if (!client.awaitTermination(Duration.ofSeconds(5))) {
                    client.shutdownNow();
                }
            } catch (InterruptedException e) {
                client.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        clients.clear();
    }
}
