package dev.atrium.console;

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

/** A browser without a browser: keeps cookies, reads the CSRF token from pages, does not follow redirects. */
public final class ConsoleClient {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private final String base;
    private final CookieManager cookies;
    private final HttpClient http;
    private @Nullable String csrf;

    ConsoleClient(String base) {
        this(base, new CookieManager());
    }

    /**
     * A client of {@code base} that shares {@code cookies} with others: a browser going through a
     * load balancer to several nodes (cookies are per host, not per port).
     */
    ConsoleClient(String base, CookieManager cookies) {
        this.base = base;
        this.cookies = cookies;
        this.http = HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public record Page(int status, String body, @Nullable String location, HttpResponse<String> raw) {
        /** The redirect target's path, without scheme and host. */
        String redirectPath() {
            if (location == null) return "";
            URI uri = URI.create(location);
            return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
    }

    public Page get(String path) {
        return get(path, Map.of());
    }

    Page get(String path, Map<String, String> headers) {
        var request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(request::header);
        return send(request);
    }

    /** Follows redirects (GET) from a page, as a browser would. */
    public Page follow(Page page) {
        Page current = page;
        for (int i = 0; i < 5 && current.status() / 100 == 3; i++) {
            current = get(current.redirectPath());
        }
        return current;
    }

    public Page post(String path, Map<String, String> form) {
        return post(path, form, Map.of());
    }

    Page post(String path, Map<String, String> form, Map<String, String> headers) {
        if (csrf == null) follow(get("/"));
        var fields = new LinkedHashMap<>(form);
        if (csrf != null) fields.putIfAbsent("_csrf", csrf);
        String body = fields.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        var request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request);
    }

    /** A client signed in as the person, with the session's CSRF token read. */
    public static ConsoleClient signedIn(
            dev.atrium.support.Fixtures fixtures, dev.atrium.support.Fixtures.Person person) {
        ConsoleClient c = new ConsoleClient(fixtures.baseUrl());
        Page page = c.signIn(person.email(), dev.atrium.support.Fixtures.PASSWORD);
        if (page.status() != 302 || !page.redirectPath().equals("/")) {
            throw new IllegalStateException("sign-in failed: " + page.status() + " " + page.location());
        }
        c.follow(page);
        return c;
    }

    Page signIn(String email, String password) {
        get("/sign-in");
        Page page = post("/sign-in", Map.of("email", email, "password", password));
        csrf = null; // rotated at sign-in
        return page;
    }

    String csrfToken() {
        if (csrf == null) follow(get("/"));
        return csrf == null ? "" : csrf;
    }

    CookieManager cookies() {
        return cookies;
    }

    private Page send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = CSRF.matcher(response.body());
            if (m.find()) csrf = m.group(1);
            return new Page(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Location").orElse(null),
                    response);
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
