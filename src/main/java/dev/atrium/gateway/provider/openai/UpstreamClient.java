package dev.atrium.gateway.provider.openai;

import dev.atrium.gateway.provider.ProviderException;
import dev.atrium.gateway.provider.http.UpstreamHttp;
import dev.atrium.gateway.provider.http.UpstreamHttp.Exchange;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The openai provider's side of {@link UpstreamHttp}: a deadline for the response headers, an idle
 * timeout while the body is read, non-2xx answers and connection failures turned into {@link
 * ProviderException}s.
 */
final class UpstreamClient {
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

    private final UpstreamHttp http;

    UpstreamClient(UpstreamHttp http) {
        this.http = http;
    }

    /**
     * Sends {@code request} and waits for the response headers until its first-byte deadline.
     * Connection failures and that timeout are retryable with status 0; a non-2xx answer throws with
     * its status and (the start of) its body. The returned exchange reads with {@code idleTimeout}
     * between pieces; close it (it drops the connection unless the body was read to its end).
     */
    Exchange exchange(UpstreamHttp.Request request, Duration idleTimeout) {
        Exchange exchange;
        try {
            exchange = http.send(request);
        } catch (UpstreamHttp.SendFailed e) {
            throw unreachable(e, request.connectTimeout());
        }
        exchange.idleTimeout(idleTimeout);
        int status = exchange.status();
        if (status < 200 || status > 299) {
            String text;
            try (exchange) {
                text = new String(exchange.readStart(MAX_ERROR_BODY_BYTES), StandardCharsets.UTF_8);
            }
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
     * The whole body, each piece within the idle timeout of the previous one. Failures are
     * retryable: nothing of a non-streamed response has reached the client before it is read.
     */
    byte[] readAll(Exchange exchange, Duration idleTimeout, int maxBytes) {
        try (exchange) {
            return exchange.readAll(maxBytes);
        } catch (UpstreamHttp.TooLarge e) {
            throw new ProviderException(
                    "openai upstream response is larger than " + maxBytes + " bytes", 0, false, null, null);
        } catch (SocketTimeoutException e) {
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
    }

    private static ProviderException unreachable(UpstreamHttp.SendFailed e, Duration connectTimeout) {
        return switch (e.failure()) {
            case CONNECT_TIMEOUT ->
                new ProviderException(
                        "openai upstream did not accept a connection within " + connectTimeout.toMillis() + " ms",
                        0,
                        true,
                        null,
                        e,
                        true);
            case NO_RESPONSE ->
                new ProviderException(
                        "openai upstream sent no response within the first-byte timeout", 0, true, null, e, true);
            case ADDRESS_REFUSED ->
                new ProviderException("openai upstream address refused: " + e.getMessage(), 0, false, null, e);
            case FAILED -> new ProviderException("openai upstream unreachable: " + e.getMessage(), 0, true, null, e);
        };
    }
}
