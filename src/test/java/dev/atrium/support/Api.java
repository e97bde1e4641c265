package dev.atrium.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for Atrium's JSON API, as an external client would use it. */
public final class Api {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final @Nullable String token;
    private final Map<String, String> headers;

    public Api(String base, @Nullable String token) {
        this(base, token, Map.of());
    }

    private Api(String base, @Nullable String token, Map<String, String> headers) {
        this.base = base;
        this.token = token;
        this.headers = headers;
    }

    /** The same client with another bearer token (null for none). */
    public Api as(@Nullable String token) {
        return new Api(base, token, headers);
    }

    public Api withHeader(String name, String value) {
        var copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Api(base, token, copy);
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    public Response post(String path, @Nullable Object body) {
        return send("POST", path, body);
    }

    public Response put(String path, @Nullable Object body) {
        return send("PUT", path, body);
    }

    public Response patch(String path, @Nullable Object body) {
        return send("PATCH", path, body);
    }

    /** Sends a raw body with a content type, for malformed-input tests. */
    public Response raw(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder b = request(path)
                .header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        return execute(b.build());
    }

    public Response send(String method, String path, @Nullable Object body) {
        HttpRequest.BodyPublisher publisher;
        HttpRequest.Builder b = request(path);
        if (body == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else {
            String text = body instanceof String s ? s : JSON.writeValueAsString(body);
            publisher = HttpRequest.BodyPublishers.ofString(text);
            b.header("Content-Type", "application/json");
        }
        return execute(b.method(method, publisher).build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) b.header("Authorization", "Bearer " + token);
        headers.forEach(b::header);
        return b;
    }

    private Response execute(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    /** A response: status, raw body and the body parsed as JSON (null when not JSON). */
    public record Response(int status, String body, Map<String, java.util.List<String>> headers) {
        public JsonNode json() {
            return body.isEmpty() ? JSON.nullNode() : JSON.readTree(body);
        }

        public String text(String field) {
            return json().path(field).asString();
        }

        public @Nullable String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
