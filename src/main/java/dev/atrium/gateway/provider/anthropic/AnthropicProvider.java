package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.AnthropicRequests.JSON;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
public class AnthropicProvider implements AiProvider {
    static final String ID = "anthropic";
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** After message_stop only the end of the body is left; a server that lingers longer is not waited for. */
    private static final Duration DRAIN = Duration.ofSeconds(1);

    private final AnthropicSettings settings;
    private final Clock clock;
    private final Retries retries;
    // One pooled client per connect timeout (in practice one): the JDK sets that timeout per client.
    private final Map<Duration, HttpClient> clients = new ConcurrentHashMap<>();

    @Autowired
    public AnthropicProvider(
            @Value("${atrium.providers.anthropic.base-url:https://api.anthropic.com}") String baseUrl,
            @Value("${atrium.providers.anthropic.api-key:${ANTHROPIC_API_KEY:}}") String apiKey,
            @Value("${atrium.providers.anthropic.version:2023-06-01}") String version,
            @Value("${atrium.providers.anthropic.default-max-tokens:4096}") int defaultMaxTokens,
            @Value("${atrium.providers.anthropic.max-attempts:3}") int maxAttempts,
            @Value("${atrium.providers.anthropic.retry-backoff:PT0.5S}") Duration retryBackoff,
            Clock clock) {
        this(new AnthropicSettings(baseUrl, apiKey, version, defaultMaxTokens, maxAttempts, retryBackoff), clock);
    }

    AnthropicProvider(AnthropicSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.retries = new Retries(settings.maxAttempts(), settings.retryBackoff());
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

    private JsonNode complete(ProviderCall call, ObjectNode body) {
        HttpResponse<InputStream> response = send(call, body, false);
        byte[] bytes;
        InputStream in = response.body();
        IdleWatchdog watchdog = new IdleWatchdog(in, call.idleTimeout());
        try (in;
                watchdog) {
            bytes = readAll(in, watchdog, call.idleTimeout(), Integer.MAX_VALUE);
        } catch (IOException e) {
            throw new ProviderException(
                    "Anthropic response body broke off (" + describe(e) + ")", 0, true, null, e, watchdog.fired());
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
        HttpResponse<InputStream> response = send(call, body, true);
        // "First byte" means the first event: headers alone may come before the model has produced anything.
        Duration firstEvent = call.firstByteTimeout().minusNanos(System.nanoTime() - started);
        var translator = new AnthropicStreamTranslator(
                call.upstreamModel(), clock.instant().getEpochSecond());
        try (InputStream in = response.body();
                IdleWatchdog watchdog = new IdleWatchdog(in, firstEvent)) {
            SseReader reader = new SseReader(in);
            boolean eventSeen = false;
            while (true) {
                SseReader.Event event;
                try {
                    event = reader.next();
                } catch (IOException e) {
                    if (translator.stopped()) {
                        return;
                    }
                    String why = !watchdog.fired()
                            ? "connection lost (" + describe(e) + ")"
                            : eventSeen
                                    ? "no event within the idle timeout " + call.idleTimeout()
                                    : "no event within the first-byte timeout " + call.firstByteTimeout();
                    throw new ProviderException(
                            "Anthropic stream cut: " + why, 0, !delivery.started(), null, e, watchdog.fired());
                }
                if (event == null) {
                    if (translator.stopped()) {
                        return;
                    }
                    throw cut("Anthropic stream ended before message_stop", delivery.started(), null);
                }
                eventSeen = true;
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
                if (!wasStopped) {
                    // Reading on to the end of the body lets the connection go back to the pool.
                    watchdog.progress(translator.stopped() ? DRAIN : call.idleTimeout());
                }
            }
        } catch (IOException closing) {
            // the body could not be closed cleanly: the connection is dropped, which is all closing is for
        }
    }

    private HttpResponse<InputStream> send(ProviderCall call, ObjectNode body, boolean stream) {
        URI uri = messagesUri(call);
        HttpRequest request = HttpRequest.newBuilder(uri)
                // h2c upgrades confuse plain-HTTP test servers and sidecars; TLS endpoints negotiate HTTP/2.
                .version(
                        "http".equalsIgnoreCase(uri.getScheme())
                                ? HttpClient.Version.HTTP_1_1
                                : HttpClient.Version.HTTP_2)
                .timeout(call.firstByteTimeout())
                .header("x-api-key", apiKey(call))
                .header("anthropic-version", settings.version())
                .header("content-type", "application/json")
                .header("accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        HttpResponse<InputStream> response;
        try {
            response = client(call.connectTimeout()).send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new ProviderException("Anthropic: no connection within " + call.connectTimeout(), 0, true, null, e);
        } catch (HttpTimeoutException e) {
            throw new ProviderException("Anthropic: no answer within " + call.firstByteTimeout(), 0, true, null, e);
        } catch (IOException e) {
            throw new ProviderException("Anthropic: connection failed (" + describe(e) + ")", 0, true, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("Anthropic call interrupted", 0, false, null, e);
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            String error = readError(response.body(), call.idleTimeout());
            throw new Retries.UpstreamStatus(
                    "Anthropic answered " + status + " (" + AnthropicResponses.describeError(error) + ")",
                    status,
                    error,
                    Retries.retryAfter(response.headers()));
        }
        return response;
    }

    private HttpClient client(Duration connectTimeout) {
        return clients.computeIfAbsent(
                connectTimeout,
                timeout -> HttpClient.newBuilder()
                        .connectTimeout(timeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build());
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

    private static String readError(InputStream body, Duration idle) {
        try (InputStream in = body;
                IdleWatchdog watchdog = new IdleWatchdog(in, idle)) {
            return new String(readAll(in, watchdog, idle, MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static byte[] readAll(InputStream in, IdleWatchdog watchdog, Duration idle, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (out.size() < limit && (n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, Math.min(n, limit - out.size()));
            watchdog.progress(idle);
        }
        return out.toByteArray();
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
}
