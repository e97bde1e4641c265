package dev.atrium.playground;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** A signed-in console session over HTTP: cookies, the page's CSRF token, no redirects followed. */
final class Session {
    private static final Pattern FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern META = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");
    private final String base;
    private final HttpClient http;
    private @Nullable String csrf;

    private Session(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    record Response(int status, String body, HttpResponse<String> raw) {
        @Nullable
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    static Session signIn(String base, String email, String password) {
        Session s = new Session(base);
        s.get("/sign-in");
        var r = s.form("/sign-in", Map.of("email", email, "password", password));
        if (r.status() != 302
                || r.header("Location") == null
                || r.header("Location").contains("error")) {
            throw new IllegalStateException("sign-in failed: " + r.status() + " " + r.header("Location"));
        }
        s.csrf = null;
        // Follow the home page's redirects to a page that carries the session's CSRF token.
        Response page = s.get("/");
        for (int i = 0; i < 3 && page.status() / 100 == 3 && page.header("Location") != null; i++) {
            page = s.get(URI.create(page.header("Location")).getRawPath());
        }
        if (s.csrf == null) throw new IllegalStateException("no CSRF token after sign-in: " + page.status());
        return s;
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Response form(String path, Map<String, String> fields) {
        var all = new LinkedHashMap<>(fields);
        if (csrf != null) all.putIfAbsent("_csrf", csrf);
        String body = all.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response json(String path, String json) {
        var b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (csrf != null) b.header("X-CSRF-TOKEN", csrf);
        return send(b);
    }

    Response multipart(String path, Map<String, String> fields, String fileField, String filename, byte[] file) {
        String boundary = "----atrium" + System.nanoTime();
        var out = new java.io.ByteArrayOutputStream();
        var all = new LinkedHashMap<>(fields);
        if (csrf != null) all.putIfAbsent("_csrf", csrf);
        all.forEach((k, v) -> out.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")
                        .getBytes(StandardCharsets.UTF_8)));
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
                        + filename + "\"\r\nContent-Type: audio/wav\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(file);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = META.matcher(r.body());
            if (m.find()) csrf = m.group(1);
            else {
                Matcher f = FIELD.matcher(r.body());
                if (f.find()) csrf = f.group(1);
            }
            return new Response(r.statusCode(), r.body(), r);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
