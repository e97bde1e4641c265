package dev.atrium.gateway.provider.openai;

import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import dev.atrium.gateway.provider.http.UpstreamHttp;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code openai} provider: any server speaking OpenAI's API (OpenAI, Ollama, vLLM, OpenRouter,
 * …). Requests go upstream as they came, with {@code model} set to the upstream model.
 *
 * <p>Configuration: {@code atrium.providers.openai.base-url} (default {@code
 * https://api.openai.com/v1}), {@code atrium.providers.openai.api-key} (default {@code
 * OPENAI_API_KEY}; empty sends no {@code Authorization}, as Ollama wants), {@code
 * atrium.providers.openai.max-attempts} (3) and {@code atrium.providers.openai.retry-backoff}
 * (100 ms, doubled per attempt). A {@link ProviderCall}'s own base URL (unless blank) and key (even
 * empty) take precedence: organizations may bring their own credentials.
 *
 * <p>Retryable failures (connection errors, timeouts, 429, 5xx) are retried only before any output
 * exists: for a stream, before its first chunk reached the sink. An exception thrown by the sink
 * closes the upstream connection and propagates unchanged.
 */
@Component
public class OpenAiProvider implements AiProvider, AutoCloseable {
    public static final String ID = "openai";
    static final int MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

    private final JsonMapper json;
    private final String baseUrl;
    private final String apiKey;
    private final Retries retries;
    private final UpstreamClient upstream;
    private final @Nullable UpstreamHttp ownHttp;

    @Autowired
    OpenAiProvider(
            JsonMapper json,
            UpstreamHttp http,
            @Value("${atrium.providers.openai.base-url:https://api.openai.com/v1}") String baseUrl,
            @Value("${atrium.providers.openai.api-key:${OPENAI_API_KEY:}}") String apiKey,
            @Value("${atrium.providers.openai.max-attempts:3}") int maxAttempts,
            @Value("${atrium.providers.openai.retry-backoff:PT0.1S}") Duration retryBackoff) {
        this(json, http, null, baseUrl, apiKey, maxAttempts, retryBackoff);
    }

    /** A provider with an HTTP client of its own that connects anywhere (closed with the provider). */
    OpenAiProvider(JsonMapper json, String baseUrl, String apiKey, int maxAttempts, Duration retryBackoff) {
        this(
                json,
                new OutboundGuard(true, List.of(), InetAddress::getAllByName),
                baseUrl,
                apiKey,
                maxAttempts,
                retryBackoff);
    }

    OpenAiProvider(
            JsonMapper json,
            OutboundGuard guard,
            String baseUrl,
            String apiKey,
            int maxAttempts,
            Duration retryBackoff) {
        this(json, null, new UpstreamHttp(guard), baseUrl, apiKey, maxAttempts, retryBackoff);
    }

    private OpenAiProvider(
            JsonMapper json,
            @Nullable UpstreamHttp shared,
            @Nullable UpstreamHttp own,
            String baseUrl,
            String apiKey,
            int maxAttempts,
            Duration retryBackoff) {
        this.json = json;
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.retries = new Retries(maxAttempts, retryBackoff);
        this.ownHttp = own;
        this.upstream = new UpstreamClient(shared != null ? shared : java.util.Objects.requireNonNull(own));
    }

    /** A key, or an endpoint other than OpenAI's own (Ollama, vLLM and the like may need no key). */
    @Override
    public boolean configured() {
        return !apiKey.isBlank() || !stripTrailingSlashes(baseUrl).equals("https://api.openai.com/v1");
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JsonNode chat(ProviderCall call, ObjectNode request) {
        ObjectNode body = withModel(call, request);
        body.remove("stream");
        body.remove("stream_options");
        return postJson(call, "/chat/completions", body, "chat");
    }

    @Override
    public void streamChat(ProviderCall call, ObjectNode request, ChunkSink sink) {
        ObjectNode body = withModel(call, request);
        body.put("stream", true);
        ObjectNode options = body.get("stream_options") instanceof ObjectNode o ? o : body.putObject("stream_options");
        options.put("include_usage", true);
        byte[] bytes = json.writeValueAsBytes(body);
        try {
            retries.run("stream", () -> {
                var http = post(call, "/chat/completions", "application/json", "text/event-stream", bytes);
                try (var exchange = upstream.exchange(http, call.idleTimeout())) {
                    new ChatStream(json, exchange, call.idleTimeout(), sink).run(http.firstByteDeadline());
                }
                return null;
            });
        } catch (ChatStream.SinkFailure e) {
            throw e.client();
        }
    }

    @Override
    public JsonNode images(ProviderCall call, ObjectNode request) {
        ObjectNode body = withModel(call, request);
        if (call.upstreamModel().startsWith("gpt-image")) {
            // GPT image models always answer in base64 and refuse the parameter ("Unknown parameter").
            body.remove("response_format");
        } else if (body.path("response_format").isString()
                && body.path("response_format").stringValue().equals("url")) {
            // The gateway stores the image itself; upstream URLs expire.
            body.put("response_format", "b64_json");
        }
        JsonNode response = postJson(call, "/images/generations", body, "images");
        for (JsonNode item : response.path("data")) {
            if (item instanceof ObjectNode image
                    && !image.path("b64_json").isString()
                    && image.path("url").isString()) {
                image.put("b64_json", download(call, image.path("url").stringValue()));
                image.remove("url");
            }
        }
        return response;
    }

    @Override
    public Audio speech(ProviderCall call, ObjectNode request) {
        ObjectNode body = withModel(call, request);
        byte[] bytes = json.writeValueAsBytes(body);
        return retries.run("speech", () -> {
            var http = post(call, "/audio/speech", "application/json", "*/*", bytes);
            var exchange = upstream.exchange(http, call.idleTimeout());
            String contentType = exchange.header("Content-Type");
            byte[] audio = upstream.readAll(exchange, call.idleTimeout(), MAX_RESPONSE_BYTES);
            return new Audio(audio, contentType.isBlank() ? audioType(body) : contentType);
        });
    }

    @Override
    public JsonNode transcribe(ProviderCall call, Upload file, Map<String, String> fields) {
        Map<String, String> form = new LinkedHashMap<>(fields);
        form.remove("file");
        form.put("model", call.upstreamModel());
        if (!"verbose_json".equals(form.get("response_format"))) {
            form.put("response_format", "json");
        }
        var multipart = new Multipart();
        form.forEach(multipart::field);
        multipart.file(
                "file",
                file.filename().isBlank() ? "audio" : file.filename(),
                file.contentType().isBlank() ? "application/octet-stream" : file.contentType(),
                file.bytes());
        byte[] bytes = multipart.finish();
        return retries.run("transcription", () -> {
            var http = post(call, "/audio/transcriptions", multipart.contentType(), "application/json", bytes);
            var exchange = upstream.exchange(http, call.idleTimeout());
            boolean plainText = exchange.header("Content-Type").startsWith("text/plain");
            byte[] body = upstream.readAll(exchange, call.idleTimeout(), MAX_RESPONSE_BYTES);
            if (plainText) {
                // Servers that ignore response_format=json answer with the bare text.
                return json.createObjectNode().put("text", new String(body, StandardCharsets.UTF_8).strip());
            }
            return parse(body);
        });
    }

    @Override
    public JsonNode embeddings(ProviderCall call, ObjectNode request) {
        return postJson(call, "/embeddings", withModel(call, request), "embeddings");
    }

    private JsonNode postJson(ProviderCall call, String path, ObjectNode body, String operation) {
        byte[] bytes = json.writeValueAsBytes(body);
        return retries.run(operation, () -> {
            var http = post(call, path, "application/json", "application/json", bytes);
            var exchange = upstream.exchange(http, call.idleTimeout());
            return parse(upstream.readAll(exchange, call.idleTimeout(), MAX_RESPONSE_BYTES));
        });
    }

    /** An image the upstream returned by URL, fetched without our credentials (it may be another host). */
    private String download(ProviderCall call, String url) {
        String dataPrefix = ";base64,";
        if (url.startsWith("data:") && url.contains(dataPrefix)) {
            return url.substring(url.indexOf(dataPrefix) + dataPrefix.length());
        }
        UpstreamHttp.Request http;
        try {
            http = UpstreamHttp.Request.get(
                    checked(URI.create(url)), organizations(call), call.connectTimeout(), deadline(call));
        } catch (IllegalArgumentException e) {
            throw new ProviderException("openai upstream returned an invalid image URL", 0, false, null, e);
        }
        try {
            var exchange = upstream.exchange(http, call.idleTimeout());
            return Base64.getEncoder()
                    .encodeToString(upstream.readAll(exchange, call.idleTimeout(), MAX_RESPONSE_BYTES));
        } catch (ProviderException e) {
            // Not retried: a retry would generate (and pay for) the images again.
            throw new ProviderException(
                    "openai upstream image download failed: " + e.getMessage(), e.status(), false, e.upstreamBody(), e);
        }
    }

    private JsonNode parse(byte[] body) {
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            String text = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8);
            throw new ProviderException("openai upstream returned a body that is not JSON", 0, false, text, e);
        }
    }

    private ObjectNode withModel(ProviderCall call, ObjectNode request) {
        ObjectNode body = request.deepCopy();
        body.put("model", call.upstreamModel());
        return body;
    }

    private UpstreamHttp.Request post(ProviderCall call, String path, String contentType, String accept, byte[] body) {
        // A blank base URL cannot mean anything but "the configured one"; a blank key means "none".
        String base = organizations(call) ? call.baseUrl() : baseUrl;
        String key = (call.apiKey() != null ? call.apiKey() : apiKey).strip();
        URI uri;
        try {
            uri = checked(URI.create(stripTrailingSlashes(base) + path));
        } catch (IllegalArgumentException e) {
            throw new ProviderException("openai base URL is not a valid http(s) URL", 0, false, null, e);
        }
        long deadline = deadline(call);
        if (key.isEmpty()) {
            return UpstreamHttp.Request.post(
                    uri,
                    organizations(call),
                    body,
                    call.connectTimeout(),
                    deadline,
                    "Content-Type",
                    contentType,
                    "Accept",
                    accept);
        }
        String authorization;
        try {
            authorization = UpstreamHttp.valid("Bearer " + key);
        } catch (IllegalArgumentException e) {
            // The message would quote the key.
            throw new ProviderException("openai API key is not a valid header value", 0, false, null, null);
        }
        return UpstreamHttp.Request.post(
                uri,
                organizations(call),
                body,
                call.connectTimeout(),
                deadline,
                "Content-Type",
                contentType,
                "Accept",
                accept,
                "Authorization",
                authorization);
    }

    /**
     * Whether the call goes to an endpoint an organization chose: then the HTTP client checks each
     * address it connects to against the outbound guard.
     */
    private static boolean organizations(ProviderCall call) {
        return call.baseUrl() != null && !call.baseUrl().isBlank();
    }

    private static URI checked(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL");
        }
        return uri;
    }

    private static String stripTrailingSlashes(String url) {
        String s = url.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static long deadline(ProviderCall call) {
        return System.nanoTime() + call.firstByteTimeout().toNanos();
    }

    /** The content type for a {@code response_format}, for servers that do not send one. */
    private static String audioType(ObjectNode request) {
        JsonNode format = request.path("response_format");
        return switch (format.isString() ? format.stringValue() : "mp3") {
            case "opus" -> "audio/ogg";
            case "aac" -> "audio/aac";
            case "flac" -> "audio/flac";
            case "wav" -> "audio/wav";
            case "pcm" -> "audio/pcm";
            default -> "audio/mpeg";
        };
    }

    @Override
    public void close() {
        if (ownHttp != null) {
            ownHttp.close();
        }
    }
}
