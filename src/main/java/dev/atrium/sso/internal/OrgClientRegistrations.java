package dev.atrium.sso.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.OutboundGuard;
import dev.atrium.sso.SignInSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * One OIDC client registration per organization with single sign-on on, its id the organization's
 * id (the redirect URI is {@code {baseUrl}/login/oauth2/code/{org}}). The settings are read from the
 * database at each use, so a change made on any node applies everywhere; the provider's discovery
 * document ({@code {issuer}/.well-known/openid-configuration}) is fetched through the outbound guard
 * (which also checks the token endpoint and JWK set it names, the two Atrium calls) and kept for ten minutes per organization and settings version. Only the ID token is used: no
 * user-info call.
 */
@Component
class OrgClientRegistrations implements ClientRegistrationRepository {
    private static final Logger log = LoggerFactory.getLogger(OrgClientRegistrations.class);
    private static final Duration KEEP = Duration.ofMinutes(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SignInSettings settings;
    private final OutboundGuard guard;
    private final JsonMapper json;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Map<OrgId, Cached> cache = new ConcurrentHashMap<>();

    OrgClientRegistrations(SignInSettings settings, OutboundGuard guard, JsonMapper json, Clock clock) {
        this.settings = settings;
        this.guard = guard;
        this.json = json;
        this.clock = clock;
    }

    private record Cached(Instant version, ClientRegistration registration, Instant fetchedAt) {}

    @Override
    public @Nullable ClientRegistration findByRegistrationId(String registrationId) {
        if (!registrationId.startsWith(OrgId.PREFIX)) return null;
        OrgId org;
        try {
            org = OrgId.parse(registrationId);
        } catch (RuntimeException e) {
            return null;
        }
        Optional<SignInSettings.Client> client = settings.client(org);
        if (client.isEmpty()) {
            cache.remove(org);
            return null;
        }
        SignInSettings.Client c = client.get();
        Instant now = clock.instant();
        Cached cached = cache.get(org);
        if (cached != null
                && cached.version().equals(c.updatedAt())
                && cached.fetchedAt().plus(KEEP).isAfter(now)) {
            return cached.registration();
        }
        try {
            ClientRegistration registration = ClientRegistrations.fromOidcConfiguration(discover(c.issuer()))
                    .registrationId(org.value())
                    .clientId(c.clientId())
                    .clientSecret(c.clientSecret())
                    .scope("openid", "email", "profile")
                    .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
                    .userInfoUri(null)
                    .userNameAttributeName("sub")
                    .build();
            cache.put(org, new Cached(c.updatedAt(), registration, now));
            return registration;
        } catch (RuntimeException | IOException e) {
            log.warn(
                    "single sign-on of {}: the provider {} could not be discovered: {}", org, c.issuer(), e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The provider's OIDC discovery document; its issuer must be the one configured. */
    private Map<String, Object> discover(String issuer) throws IOException, InterruptedException {
        URI uri = URI.create(issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration");
        try {
            guard.check(uri);
        } catch (OutboundGuard.Refused e) {
            throw new IOException("refused: " + e.getMessage());
        }
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(TIMEOUT)
                        .header("Accept", "application/json")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IOException("discovery answered " + response.statusCode());
        Map<String, Object> config = json.readValue(response.body(), new TypeReference<Map<String, Object>>() {});
        if (!issuer.equals(config.get("issuer"))) {
            throw new IOException("the discovery document names another issuer: " + config.get("issuer"));
        }
        // Atrium itself calls these two (the code exchange, the signing keys): the same guard as the issuer.
        for (String endpoint : new String[] {"token_endpoint", "jwks_uri"}) {
            if (!(config.get(endpoint) instanceof String url)) throw new IOException("no " + endpoint);
            try {
                guard.check(URI.create(url));
            } catch (OutboundGuard.Refused | IllegalArgumentException e) {
                throw new IOException(endpoint + " refused: " + e.getMessage());
            }
        }
        return config;
    }
}
