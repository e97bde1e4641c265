package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ObjectNode;

/** Helpers for looking at issued secrets from the outside. */
final class Secrets {
    static final List<String> TYPE_PREFIXES = List.of("atr_pat_", "atr_adm_", "atr_ws_", "atr_inv_", "atr_setup_");

    private Secrets() {}

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The type prefix of a token ({@code atr_pat_}, …). */
    static String typePrefix(String token) {
        return TYPE_PREFIXES.stream()
                .filter(token::startsWith)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no known type prefix: " + token));
    }

    /** The random part of a token: what follows its type prefix. */
    static String randomPart(String token) {
        return token.substring(typePrefix(token).length());
    }

    /** The random part decoded (tokens encode it as unpadded base64url). */
    static byte[] randomBytes(String token) {
        return Base64.getUrlDecoder().decode(randomPart(token));
    }

    /** Every form in which a leaked secret could appear in a row cast to text. */
    static List<String> needles(String token) {
        return List.of(token, randomPart(token), HexFormat.of().formatHex(randomBytes(token)));
    }

    /**
     * What a client can observe of a rejection: status, body and headers, minus the per-request
     * parts (the request id and the date).
     */
    record Observed(int status, Map<String, Object> body, Map<String, List<String>> headers) {}

    static Observed observe(Api.Response r) {
        var json = r.json();
        Map<String, Object> body = new TreeMap<>();
        if (json instanceof ObjectNode object) {
            object.properties().forEach(e -> {
                if (!e.getKey().equals("request_id"))
                    body.put(e.getKey(), e.getValue().toString());
            });
        } else {
            body.put("<raw>", r.body());
        }
        Map<String, List<String>> headers = new TreeMap<>();
        r.headers().forEach((name, values) -> {
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (!n.equals("date") && !n.equals("x-atrium-request-id") && !n.equals("content-length")) {
                headers.put(n, values);
            }
        });
        return new Observed(r.status(), body, headers);
    }

    /** Asserts that every response is the same rejection as the first one. */
    static void assertIdenticalRejections(Map<String, Api.Response> byCase) {
        Map<String, Observed> observed = new LinkedHashMap<>();
        byCase.forEach((k, v) -> observed.put(k, observe(v)));
        var first = observed.entrySet().iterator().next();
        assertThat(first.getValue().status()).as(first.getKey()).isEqualTo(401);
        assertThat(first.getValue().headers()).containsKey("www-authenticate");
        observed.forEach(
                (name, o) -> assertThat(o).as(name + " vs " + first.getKey()).isEqualTo(first.getValue()));
    }
}
