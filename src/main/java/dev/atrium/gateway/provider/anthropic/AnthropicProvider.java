package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.AnthropicRequests.JSON;

import dev.atrium.common.ApiException;
import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import dev.atrium.gateway.provider.http.UpstreamHttp;
import dev.atrium.gateway.provider.http.UpstreamHttp.Exchange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code anthropic} provider: OpenAI chat requests sent to Anthropic's Messages API
 * ({@code POST /v1/messages}) and its answers, streamed or not, translated back to OpenAI's shapes.
 * Failures before anything reached the sink are retried with backoff; Anthropic has no image,
 * speech or transcription endpoint, so those operations are refused.
 */
@Component
public class AnthropicProvider implements AiProvider, AutoCloseable {
    static final String ID = "anthropic";
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** After message_stop only the end of the body is left; a server that lingers longer is not waited for. */
    private static final Duration DRAIN = Duration.ofSeconds(1);

    private final AnthropicSettings settings;
    private final Clock clock;
    private final Retries retries;
    private final UpstreamHttp http;
    private final @Nullable UpstreamHttp ownHttp;

    @Autowired
    public AnthropicProvider(
            @Value("${atrium.providers.anthropic.base-url:https://api.anthropic.com}") String baseUrl,
            @Value("${atrium.providers.anthropic.api-key:${ANTHROPIC_API_KEY:}}") String apiKey,
            @Value("${atrium.providers.anthropic.version:2023-06-01}") String version,
            @Value("${atrium.providers.anthropic.default-max-tokens:4096}") int defaultMaxTokens,
            @Value("${atrium.providers.anthropic.max-attempts:3}") int maxAttempts,
            @Value("${atrium.providers.anthropic.retry-backoff:PT0.5S}") Duration retryBackoff,
            Clock clock,
            UpstreamHttp http) {
        this(
                new AnthropicSettings(baseUrl, apiKey, version, defaultMaxTokens, maxAttempts, retryBackoff),
                clock,
                http,
                null);
    }

    /** A provider with an HTTP client of its own that connects anywhere (closed with the provider). */
    AnthropicProvider(AnthropicSettings settings, Clock clock) {
        this(settings, clock, new OutboundGuard(true, List.of(), InetAddress::getAllByName));
    }

    /** A provider with an HTTP client of its own whose organizations' endpoints pass {@code guard}. */
    AnthropicProvider(AnthropicSettings settings, Clock clock, OutboundGuard guard) {
        this(settings, clock, new UpstreamHttp(guard));
    }

    private AnthropicProvider(AnthropicSettings settings, Clock clock, UpstreamHttp own) {
        this(settings, clock, own, own);
    }

    private AnthropicProvider(
            AnthropicSettings settings, Clock clock, UpstreamHttp http, @Nullable UpstreamHttp ownHttp) {
        this.settings = settings;
        this.clock = clock;
        this.retries = new Retries(settings.maxAttempts(), settings.retryBackoff());
        this.http = http;
        this.ownHttp = ownHttp;
    }

    AnthropicSettings settings() {
        return settings;
    }

    /** Anthropic always needs a key. */
    @Override
    public boolean configured() {
        return !settings.apiKey().isBlank();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JsonNode chat(ProviderCall call, ObjectNode request) {
        ObjectNode body =
                AnthropicRequests.translate(request, call.upstreamModel(), settings.defaultMaxTokens(), false);
        return retries.run(() -> complete(call, body), () -> false);
    }

    @Override
    public void streamChat(ProviderCall call, ObjectNode request, ChunkSink sink) {
        ObjectNode body = AnthropicRequests.translate(request, call.upstreamModel(), settings.defaultMaxTokens(), true);
        Delivery delivery = new Delivery(sink);
        try {
            retries.run(
                    () -> {
                        stream(call, body, delivery);
                        return null;
                    },
                    delivery::started);
        } catch (Delivery.ClientGone gone) {
            throw gone.sinkFailure();
        }
    }

    @Override
    public JsonNode images(ProviderCall call, ObjectNode request) {
        throw unsupportedOperation("image generation");
    }

    @Override
    public Audio speech(ProviderCall call, ObjectNode request) {
        throw unsupportedOperation("text to speech");
    }

    @Override
    public JsonNode transcribe(ProviderCall call, Upload file, Map<String, String> fields) {
        throw unsupportedOperation("transcription");
    }

    @Override
    public JsonNode embeddings(ProviderCall call, ObjectNode request) {
        throw unsupportedOperation("embeddings");
    }

    private JsonNode complete(ProviderCall call, ObjectNode body) {
        byte[] bytes;
        try (Exchange exchange = send(call, body, false)) {
            bytes = exchange.readAll(Integer.MAX_VALUE - 8);
        } catch (IOException e) {
            throw new ProviderException(
                    "Anthropic response body broke off (" + describe(e) + ")",
                    0,
                    true,
                    null,
                    e,
                    e instanceof SocketTimeoutException);
        }
        JsonNode message = AnthropicRequests.parse(new String(bytes, StandardCharsets.UTF_8));
        if (message == null) {
            throw new ProviderException("Anthropic answered with unreadable JSON", 502, false, null, null);
        }
        return AnthropicResponses.completion(
                message, call.upstreamModel(), clock.instant().getEpochSecond());
    }

    private void stream(ProviderCall call, ObjectNode body, Delivery delivery) {
        long started = System.nanoTime();
        // "First byte" means the first event: headers alone may come before the model has produced anything.
        long firstEventDeadline = started + call.firstByteTimeout().toNanos();
        var translator = new AnthropicStreamTranslator(
                call.upstreamModel(), clock.instant().getEpochSecond());
        try (Exchange exchange = send(call, body, true)) {
            exchange.readBy(firstEventDeadline);
            SseReader reader = new SseReader(exchange.body());
            boolean eventSeen = false;
            while (true) {
                SseReader.Event event;
                try {
                    event = reader.next();
                } catch (IOException e) {
                    if (translator.stopped()) {
                        return;
                    }
                    boolean timedOut = e instanceof SocketTimeoutException;
                    String why = !timedOut
                            ? "connection lost (" + describe(e) + ")"
                            : eventSeen
                                    ? "no event within the idle timeout " + call.idleTimeout()
                                    : "no event within the first-byte timeout " + call.firstByteTimeout();
                    throw new ProviderException(
                            "Anthropic stream cut: " + why, 0, !delivery.started(), null, e, timedOut);
                }
                if (event == null) {
                    if (translator.stopped()) {
                        return;
                    }
                    throw cut("Anthropic stream ended before message_stop", delivery.started(), null);
                }
                boolean wasStopped = translator.stopped();
                List<ObjectNode> chunks;
                try {
                    chunks = translator.onEvent(event.name(), event.data());
                } catch (ProviderException e) {
                    throw delivery.started() ? notRetryable(e) : e;
                }
                for (ObjectNode chunk : chunks) {
                    delivery.accept(chunk);
                }
                if (!wasStopped && translator.stopped()) {
                    // Reading on to the end of the body lets the connection go back to the pool.
                    exchange.readBy(System.nanoTime() + DRAIN.toNanos());
                } else if (!eventSeen) {
                    exchange.idleTimeout(call.idleTimeout());
                }
                eventSeen = true;
            }
        }
    }

    private Exchange send(ProviderCall call, ObjectNode body, boolean stream) {
        URI uri = messagesUri(call);
        // The organization's own endpoint is guarded at connection time (DNS rebinding).
        boolean guarded = call.baseUrl() != null && !call.baseUrl().isBlank();
        String key;
        try {
            key = UpstreamHttp.valid(apiKey(call));
        } catch (IllegalArgumentException e) {
            // The message would quote the key.
            throw new ProviderException("Anthropic API key is not a valid header value", 0, false, null, null);
        }
        var request = UpstreamHttp.Request.post(
                uri,
                guarded,
                JSON.writeValueAsBytes(body),
                call.connectTimeout(),
                System.nanoTime() + call.firstByteTimeout().toNanos(),
                "x-api-key",
                key,
                "anthropic-version",
                settings.version(),
                "content-type",
                "application/json",
                "accept",
                stream ? "text/event-stream" : "application/json");
        Exchange exchange;
        try {
            exchange = http.send(request);
        } catch (UpstreamHttp.SendFailed e) {
            throw switch (e.failure()) {
                case CONNECT_TIMEOUT ->
                    new ProviderException(
                            "Anthropic: no connection within " + call.connectTimeout(), 0, true, null, e, true);
                case NO_RESPONSE ->
                    new ProviderException(
                            "Anthropic: no answer within " + call.firstByteTimeout(), 0, true, null, e, true);
                case ADDRESS_REFUSED ->
                    new ProviderException("Anthropic: address refused (" + e.getMessage() + ")", 0, false, null, e);
                case FAILED ->
                    new ProviderException("Anthropic: connection failed (" + describe(e) + ")", 0, true, null, e);
            };
        }
        exchange.idleTimeout(call.idleTimeout());
        int status = exchange.status();
        if (status / 100 != 2) {
            String error;
            try (exchange) {
                error = new String(exchange.readStart(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            }
            throw new Retries.UpstreamStatus(
                    "Anthropic answered " + status + " (" + AnthropicResponses.describeError(error) + ")",
                    status,
                    error,
                    Retries.retryAfter(exchange.header("retry-after")));
        }
        return exchange;
    }

    private URI messagesUri(ProviderCall call) {
        String base = call.baseUrl() == null || call.baseUrl().isBlank() ? settings.baseUrl() : call.baseUrl();
        base = base.strip().replaceAll("/+$", "");
        // Accept both https://api.anthropic.com (as Anthropic's SDKs take it) and …/v1.
        String url = base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages";
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ProviderException("Invalid Anthropic base URL: " + base, 0, false, null, e);
        }
    }

    private String apiKey(ProviderCall call) {
        if (call.apiKey() != null && !call.apiKey().isBlank()) {
            return call.apiKey();
        }
        if (call.apiKey() != null) {
            // An organization's own endpoint without a key of its own: never the installation's key.
            throw new ProviderException(
                    "No Anthropic API key stored for the organization's own endpoint", 401, false, null, null);
        }
        if (!settings.apiKey().isBlank()) {
            return settings.apiKey();
        }
        throw new ProviderException(
                "No Anthropic API key: set atrium.providers.anthropic.api-key (or ANTHROPIC_API_KEY) or store the organization's key",
                401,
                false,
                null,
                null);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static ProviderException cut(String message, boolean delivered, @Nullable Throwable cause) {
        return new ProviderException(message, 0, !delivered, null, cause);
    }

    /** Once chunks reached the client, a failure is final whatever its kind. */
    private static ProviderException notRetryable(ProviderException e) {
        return e.retryable() ? new ProviderException(e.getMessage(), e.status(), false, e.upstreamBody(), e) : e;
    }

    private static ApiException unsupportedOperation(String what) {
        return new ApiException(
                HttpStatus.BAD_REQUEST, "unsupported_by_provider", "Anthropic does not offer " + what + ".");
    }

    @Override
    public void close() {
        if (ownHttp != null) {
            ownHttp.close();
        }
    }
}
