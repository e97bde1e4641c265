package dev.atrium.sso;

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

/**
 * A browser without a browser for single sign-on: keeps cookies per host (the console on localhost,
 * the provider on 127.0.0.1), reads CSRF tokens from forms, follows each redirect by hand.
 */
final class SsoFlow {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private static final String HTML = "text/html,application/xhtml+xml";

    private final String atrium;
    private final HttpClient http;
    private @Nullable String csrf;
    /** The last authorization request sent to the provider. */
    @Nullable
    URI authorizationRequest;

    SsoFlow(String atrium) {
        this.atrium = atrium;
        this.http = HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    record Page(int status, String body, @Nullable String location, URI uri) {
        /** The redirect's target, absolute. */
        URI next() {
            return uri.resolve(location == null ? "" : location);
        }

        /** The redirect target's path and query. */
        String redirectPath() {
            URI u = next();
            return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        }
    }

    Page get(String pathOrUrl) {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(atrium + pathOrUrl);
        // As a browser asks: the provider sends only HTML requests to its sign-in form.
        return send(HttpRequest.newBuilder(uri).header("Accept", HTML).GET().build(), uri);
    }

    Page post(String pathOrUrl, Map<String, String> form) {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(atrium + pathOrUrl);
        var fields = new LinkedHashMap<>(form);
        if (csrf != null) fields.putIfAbsent("_csrf", csrf);
        String body = fields.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        return send(
                HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Accept", HTML)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                uri);
    }

    /** Follows redirects with GETs while they stay on {@code host}-less or any host; at most ten. */
    Page follow(Page page) {
        Page current = page;
        for (int i = 0; i < 10 && current.status() / 100 == 3; i++)
            current = get(current.next().toString());
        return current;
    }

    /** "Sign in with SSO" with an email, as far as the provider's sign-in form (or a refusal before it). */
    Page start(String email) {
        get("/sign-in");
        return post("/sso/start", Map.of("email", email));
    }

    private static final Pattern CONTINUE = Pattern.compile("id=\"sso-continue\" href=\"([^\"]+)\"");

    /** The page that moves on to the provider: where it goes (an Atrium path), or null. */
    static @Nullable String continueTo(Page page) {
        if (page.status() != 200) return null;
        Matcher m = CONTINUE.matcher(page.body());
        return m.find() ? m.group(1).replace("&amp;", "&") : null;
    }

    /**
     * The whole flow: SSO started with {@code email}, the provider's form filled with {@code
     * username} and {@code password}; answers Atrium's last answer to the provider's redirect back.
     */
    Page signIn(String email, String username, String password) {
        Page started = start(email);
        String to = continueTo(started);
        if (to == null || !to.startsWith("/oauth2/authorization/")) return started;
        Page redirect = get(to);
        authorizationRequest = redirect.next();
        Page authorize = get(authorizationRequest.toString()); // the provider's authorization endpoint
        Page login = follow(authorize); // the provider's sign-in form
        if (login.status() != 200) throw new IllegalStateException("no provider sign-in form: " + login);
        Page afterLogin =
                post(login.uri().resolve("/login").toString(), Map.of("username", username, "password", password));
        Page current = afterLogin;
        // Back through the provider's authorization endpoint to Atrium's redirect URI.
        for (int i = 0; i < 10 && current.status() / 100 == 3; i++) {
            URI next = current.next();
            current = get(next.toString());
            if (next.getPath().startsWith("/login/oauth2/code/")) return current;
        }
        throw new IllegalStateException("the provider did not send the browser back: " + current);
    }

    private Page send(HttpRequest request, URI uri) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher m = CSRF.matcher(response.body());
            if (m.find()) csrf = m.group(1);
            return new Page(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Location").orElse(null),
                    uri);
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
