package dev.atrium.gateway.provider.openai;

import dev.atrium.gateway.provider.AiProvider.ChunkSink;
import dev.atrium.gateway.provider.ProviderException;
import dev.atrium.gateway.provider.http.UpstreamHttp.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One attempt at reading an upstream chat stream: {@code data:} events parsed as chunks and passed
 * to the sink in order until {@code data: [DONE]}.
 *
 * <p>Deadlines: the first chunk must arrive by the first-byte deadline (keep-alive comments do not
 * extend it); after that, any bytes (comments included) must arrive within the idle timeout.
 * Failures before the first chunk reached the sink are retryable (nothing was delivered); after
 * that they are not. An exception from the sink is wrapped in {@link SinkFailure} so that it
 * passes through retries untouched.
 *
 * <p>The body is read straight from the connection into one reusable buffer; the parser decodes
 * lines in place and each event's data once.
 */
final class ChatStream {
    static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;
    private static final int MAX_DRAIN_BYTES = 64 * 1024;
    private static final int READ_BYTES = 8 * 1024;
    private static final Duration DRAIN = Duration.ofSeconds(1);

    /** The sink threw: the client has gone away. */
    static final class SinkFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SinkFailure(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }

        RuntimeException client() {
            return (RuntimeException) getCause();
        }
    }

    private final JsonMapper json;
    private final Exchange exchange;
    private final Duration idleTimeout;
    private final ChunkSink sink;
    private final SseParser parser = new SseParser(MAX_EVENT_BYTES);
    private final byte[] buffer = new byte[READ_BYTES];
    private int delivered;
    private boolean done;

    ChatStream(JsonMapper json, Exchange exchange, Duration idleTimeout, ChunkSink sink) {
        this.json = json;
        this.exchange = exchange;
        this.idleTimeout = idleTimeout;
        this.sink = sink;
    }

    /** Reads the stream to {@code [DONE]}; the caller closes the exchange. */
    void run(long firstByteDeadline) {
        InputStream body = exchange.body();
        exchange.readBy(firstByteDeadline);
        boolean idleMode = false;
        while (!done) {
            if (!idleMode && delivered > 0) {
                exchange.idleTimeout(idleTimeout);
                idleMode = true;
            }
            int n;
            try {
                n = body.read(buffer, 0, buffer.length);
            } catch (SocketTimeoutException e) {
                throw cut(
                        delivered == 0
                                ? "no chunk within the first-byte timeout"
                                : "stalled for more than " + idleTimeout.toMillis() + " ms",
                        e);
            } catch (IOException e) {
                throw cut("connection failed: " + e.getMessage(), e);
            }
            try {
                if (n < 0) {
                    handle(parser.finish());
                    if (!done) {
                        throw cut("ended without [DONE]", null);
                    }
                    return;
                }
                handle(parser.feed(buffer, 0, n));
            } catch (IOException e) {
                throw cut("malformed event stream: " + e.getMessage(), e);
            }
        }
        drain(body);
    }

    private void handle(List<SseParser.Event> events) {
        for (SseParser.Event event : events) {
            if (done) {
                return;
            }
            if (event.data().strip().equals("[DONE]")) {
                done = true;
                return;
            }
            JsonNode node;
            try {
                node = json.readTree(event.data());
            } catch (JacksonException e) {
                throw cut("malformed event: not JSON", e);
            }
            if (!(node instanceof ObjectNode chunk)) {
                throw cut("malformed event: not a JSON object", null);
            }
            JsonNode error = chunk.get("error");
            if (event.type().equals("error") || (error != null && !chunk.has("choices"))) {
                throw upstreamError(error == null ? chunk : error, event.data());
            }
            try {
                sink.accept(chunk);
            } catch (RuntimeException e) {
                throw new SinkFailure(e);
            }
            delivered++;
        }
    }

    /** Reads what follows {@code [DONE]} (normally nothing) so that the connection can be pooled. */
    private void drain(InputStream body) {
        exchange.readBy(System.nanoTime() + Math.min(idleTimeout.toNanos(), DRAIN.toNanos()));
        long seen = 0;
        try {
            int n;
            while (seen < MAX_DRAIN_BYTES && (n = body.read(buffer, 0, buffer.length)) >= 0) {
                seen += n;
            }
        } catch (IOException e) {
            // The stream is complete; an unclean end only costs the connection, which close() drops.
        }
    }

    private ProviderException cut(String why, @Nullable Throwable cause) {
        String message = "openai upstream stream " + why + " after " + delivered + " chunk(s)";
        return new ProviderException(message, 0, delivered == 0, null, cause);
    }

    /** An {@code error} object inside the stream (vLLM, OpenRouter): its numeric code when it has one. */
    private ProviderException upstreamError(JsonNode error, String raw) {
        JsonNode code = error.path("code");
        int status = code.isNumber() && code.canConvertToInt() && code.intValue() >= 400 && code.intValue() <= 599
                ? code.intValue()
                : 0;
        boolean retryable = delivered == 0 && ProviderException.retryableStatus(status);
        return new ProviderException(
                "openai upstream stream reported an error after " + delivered + " chunk(s)"
                        + UpstreamErrors.detail(error),
                status,
                retryable,
                raw,
                null);
    }
}
